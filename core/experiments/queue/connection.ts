import { connect } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { TricksterError } from '../../errors.js';

/** BullMQ needs Redis 6.2 or later (Streams trimming, LMOVE, ...). */
const MIN_REDIS = [6, 2] as const;

/**
 * The ioredis options of a `--queue` URL: `redis://[user:password@]host[:port][/db]`, or
 * `rediss://` for TLS. Any other scheme is QUEUE_URL_INVALID (e.g. an http:// address).
 */
export function queueConnection(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TricksterError('QUEUE_URL_INVALID', `--queue ${url} is not a URL; pass a Redis URL such as redis://localhost:6379`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new TricksterError('QUEUE_URL_INVALID', `--queue ${url} is not a Redis URL (its scheme is ${u.protocol}//); the queue is a Redis server: pass redis://host:port (or rediss:// for TLS)`);
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new TricksterError('QUEUE_URL_INVALID', `--queue ${url}: the path must be a database number (redis://host:port/0), found "/${db}"`);
  return {
    host: u.hostname || 'localhost',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** The URL without its password, for messages and files. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** The coded error for a failed connection to `url`, from the socket or protocol error `err`. */
export function connectionError(url: string, err: unknown): TricksterError {
  const e = err as { code?: string; message?: string };
  const shown = redactUrl(url);
  const message = e.message ?? String(err);
  if (/Protocol error|unknown command|wrong number of arguments/i.test(message) && !/NOAUTH|WRONGPASS/.test(message)) {
    return new TricksterError('QUEUE_NOT_REDIS', `${shown} answered, but not as a Redis server does (${message.split('.')[0]}); point --queue at a Redis server (redis-server, version 6.2 or later)`);
  }
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message)) {
    return new TricksterError('QUEUE_UNREACHABLE', `Redis at ${shown} refused the credentials (${message}); put the right user and password in the URL: redis://user:password@host:port`);
  }
  const why = e.code === 'ECONNREFUSED' ? 'connection refused: nothing listens there' : e.code === 'ENOTFOUND' ? 'no such host' : message;
  return new TricksterError('QUEUE_UNREACHABLE', `cannot reach Redis at ${shown} (${why}); start Redis there (e.g. redis-server --port ${new URL(url).port || 6379}) or fix --queue`);
}

/**
 * Sends an inline PING over a plain socket and reads the first reply line: a Redis server answers
 * `+PONG`, or `-NOAUTH ...`/`-ERR ...` when it wants a password. Anything else (an HTTP server's
 * `HTTP/1.1 400`, silence) is QUEUE_NOT_REDIS; no connection is QUEUE_UNREACHABLE.
 */
function rawPing(url: string, options: RedisOptions, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(options.port!, options.host!);
    let reply = '';
    const done = (err?: TricksterError) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const notRedis = (what: string) => new TricksterError('QUEUE_NOT_REDIS', `${redactUrl(url)} answered, but not as a Redis server does (${what}); point --queue at a Redis server (redis-server, version 6.2 or later)`);
    const timer = setTimeout(() => done(reply ? notRedis(`it said ${JSON.stringify(reply.slice(0, 40))}`) : notRedis(`no answer to PING within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      const line = reply.split('\r\n')[0]!;
      if (!reply.includes('\r\n') && reply.length < 256) return;
      done(/^(\+PONG|-NOAUTH|-ERR|-WRONGPASS)/.test(line) ? undefined : notRedis(`it said ${JSON.stringify(line.slice(0, 40))}`));
    });
    socket.once('error', (err) => done(connectionError(url, err)));
    socket.once('close', () => done(reply ? undefined : notRedis('it closed the connection without a word')));
  });
}

/**
 * Checks that `url` is a Redis server BullMQ can use, failing fast with a coded error:
 * QUEUE_URL_INVALID (not a redis:// URL), QUEUE_UNREACHABLE (refused, unknown host, timeout, bad
 * password), QUEUE_NOT_REDIS (something else listens there, or a Redis older than 6.2).
 */
export async function probeRedis(url: string, timeoutMs = 5000): Promise<string> {
  const options = queueConnection(url);
  if (!options.tls) await rawPing(url, options, timeoutMs);
  const client = new Redis({ ...options, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, commandTimeout: timeoutMs, enableOfflineQueue: false });
  let lastError: unknown = null;
  client.on('error', (err) => (lastError = err));
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    if (!version) throw new TricksterError('QUEUE_NOT_REDIS', `${redactUrl(url)} answered INFO without a redis_version; point --queue at a Redis server (6.2 or later)`);
    const [major, minor] = version.split('.').map(Number) as [number, number];
    if (major < MIN_REDIS[0] || (major === MIN_REDIS[0] && minor < MIN_REDIS[1])) {
      throw new TricksterError('QUEUE_NOT_REDIS', `${redactUrl(url)} runs Redis ${version}; the queue (BullMQ) needs Redis ${MIN_REDIS.join('.')} or later: upgrade it or point --queue at another`);
    }
    return version;
  } catch (err) {
    if (err instanceof TricksterError) throw err;
    throw connectionError(url, lastError ?? err);
  } finally {
    client.disconnect();
  }
}
