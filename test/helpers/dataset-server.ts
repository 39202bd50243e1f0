import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with a request: `/ok/...` serves the file, `/truncate/...` sends half of it and closes. */
export type ServeMode = 'ok' | 'truncate';

/** A real HTTP server on 127.0.0.1 serving files by path (`/MODE/DATASET/FILE`); counts the requests. */
export interface DatasetServer {
  /** Base URL for TRICKSTER_DOWNLOAD_URL in `mode`. */
  url(mode: ServeMode): string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** Starts a server on a free loopback port serving `files` (URL path `DATASET/FILE` -> file on disk). */
export async function startDatasetServer(files: Record<string, string>): Promise<DatasetServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const [, mode, ...rest] = (req.url ?? '').split('/');
    const source = files[rest.join('/')];
    if (!source) return void res.writeHead(404).end();
    const body = readFileSync(source);
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    if (mode === 'truncate') {
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
    } else {
      res.end(body);
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: (mode) => `http://127.0.0.1:${port}/${mode}`,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** A loopback URL where nothing listens: a server started on a free port and closed again. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return `http://127.0.0.1:${port}`;
}
