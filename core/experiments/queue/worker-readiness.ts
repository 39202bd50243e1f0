import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Reconnect delay (ms) of a worker's BullMQ connections (workers and queues alike) after `tries`
 * failed tries: ioredis's default (50 ms more per try, at most 2 s) instead of BullMQ's e^tries
 * (1 s, growing to 20 s), so that once Redis is back a stopping worker finds its connections
 * ready within about 2 s.
 */
export function reconnectDelay(tries: number): number {
  return Math.min(tries * 50, 2000);
}

/** Whether a worker's connections to Redis are all up, as far as `ready` can tell. */
export interface WorkerReadiness {
  /** Resolves true once `monitor` and every worker's and queue's connections are ready, false if they are not within `ms`. */
  waitReady(ms: number): Promise<boolean>;
}

/**
 * Tracks whether BullMQ workers' and queues' connections are up. The workers' blocking
 * connections are private to BullMQ, so: all of them count as down once `monitor` (a connection
 * to the same Redis) closes, and each is up again when its worker emits 'ready' (BullMQ emits it
 * each time the blocking connection becomes ready). Worker.close() must wait for this: called
 * while a blocking client is still reconnecting, it waits forever for an 'end' event ioredis
 * never emits (taskforcesh/bullmq#4656, redis/ioredis#2169). A queue's commands wait for its
 * client to reconnect, so the queues are waited for too.
 */
export function trackReadiness(monitor: Redis, workers: readonly Worker[], queues: readonly Queue[]): WorkerReadiness {
  const blockingReady = new Map<Worker, boolean>(workers.map((w) => [w, false]));
  for (const w of workers) w.on('ready', () => blockingReady.set(w, true));
  monitor.on('close', () => {
    for (const w of workers) blockingReady.set(w, false);
  });
  // A main client is only there once it first connected: not waited for here.
  const clientStatus = (b: Worker | Queue) => Promise.race([b.client.then((c) => c.status), new Promise<string>((r) => setTimeout(() => r('initializing'), 50))]);
  const ready = async () => {
    if (monitor.status !== 'ready') return false;
    for (const w of workers) if (!blockingReady.get(w)) return false;
    for (const b of [...workers, ...queues]) if ((await clientStatus(b)) !== 'ready') return false;
    return true;
  };
  return {
    async waitReady(ms) {
      const until = Date.now() + ms;
      for (;;) {
        if (await ready()) return true;
        if (Date.now() >= until) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
