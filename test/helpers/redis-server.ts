import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/** A redis-server started for a test on a free loopback port, without persistence. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops it (SIGKILL: a Redis that goes away) and waits until it has exited. */
  stop(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that nothing listens on (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('data', (d) => (socket.destroy(), resolve(d.toString().startsWith('+PONG'))));
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

/**
 * Starts the real Debian redis-server (`redis-server --port N --save '' --appendonly no`) on a free
 * loopback port, resolving once it answers PING; `port` reuses a port (to bring one back).
 */
export async function startRedis(port?: number): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  for (let i = 0; !(await answersPing(p)); i++) {
    if (exited || i > 100) throw new Error(`redis-server did not start on port ${p} (is Debian's redis-server installed? apt-get install redis-server)`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    stop: async () => {
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}

/**
 * Starts a redis-server before the tests of the enclosing describe (or file) and stops it after
 * them (vitest's beforeAll/afterAll). The returned server's port and url are read inside the tests;
 * read before beforeAll ran, they throw.
 */
export function useRedis(): RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const started = (): RedisServer => {
    if (!server) throw new Error('useRedis(): the Redis server starts in beforeAll; read its port and url inside a test or hook');
    return server;
  };
  return {
    get port() {
      return started().port;
    },
    get url() {
      return started().url;
    },
    stop: () => started().stop(),
  };
}
