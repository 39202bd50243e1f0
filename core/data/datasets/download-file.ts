import { createHash } from 'node:crypto';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import { DataError } from '../../errors.js';

/** A download's progress on stderr: a bar on a terminal, a line at start and end otherwise. */
function progressReporter(label: string, total: number) {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  if (!process.stderr.isTTY) {
    process.stderr.write(`downloading ${label}${total ? ` (${mb(total)} MB)` : ''}\n`);
    return { update: (_: number) => {}, stop: () => {} };
  }
  const bar = new SingleBar({ stream: process.stderr, format: `${label} [{bar}] {percentage}% {got}/{all} MB`, hideCursor: true });
  bar.start(total || 1, 0, { got: '0.0', all: total ? mb(total) : '?' });
  return { update: (n: number) => bar.update(Math.min(n, total || n), { got: mb(n) }), stop: () => bar.stop() };
}

/**
 * Downloads `url` to `dest`, checking its MD5 against `md5`: the bytes go to a temporary file next
 * to `dest`, which is renamed into place only when the transfer is complete and the checksum
 * matches, and removed otherwise. Throws DATA_DOWNLOAD_FAILED (no connection, HTTP error, transfer
 * cut short; `manual` says how to get the file by hand) or DATA_CHECKSUM_MISMATCH.
 */
export async function downloadFile(url: string, dest: string, md5: string, manual: string): Promise<void> {
  const tmp = `${dest}.${process.pid}.download.tmp`;
  const hash = createHash('md5');
  let received = 0;
  try {
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'follow' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new DataError(`cannot download ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}; ${manual}`, 'DATA_DOWNLOAD_FAILED');
    }
    if (!res.ok || !res.body) throw new DataError(`cannot download ${url}: the server answered HTTP ${res.status}; ${manual}`, 'DATA_DOWNLOAD_FAILED');
    const total = Number(res.headers.get('content-length') ?? 0);
    const progress = progressReporter(basename(dest), total);
    const out = createWriteStream(tmp);
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        received += chunk.length;
        progress.update(received);
        if (!out.write(chunk)) await once(out, 'drain');
      }
    } catch (err) {
      throw new DataError(`download of ${url} was cut off after ${received} bytes (${(err as Error).message}); run again to retry, or ${manual}`, 'DATA_DOWNLOAD_FAILED');
    } finally {
      progress.stop();
      out.end();
      await once(out, 'close');
    }
    if (total && received !== total) {
      throw new DataError(`download of ${url} was cut off after ${received} of ${total} bytes; run again to retry, or ${manual}`, 'DATA_DOWNLOAD_FAILED');
    }
    const got = hash.digest('hex');
    if (got !== md5) {
      throw new DataError(`${url} has MD5 ${got}, not the published ${md5}: the file is damaged or not the official one; nothing was kept. Run again to retry, or ${manual}`, 'DATA_CHECKSUM_MISMATCH');
    }
    renameSync(tmp, dest);
  } finally {
    rmSync(tmp, { force: true });
  }
}
