import { Worker } from 'node:worker_threads';
import type { BatchPlan, SplitName } from '../batch-plan.js';
import type { BatchSource } from '../batch-source.js';
import type { ChannelStats } from '../normalize.js';
import type { HostBatch, ImageDataset } from '../types.js';
import type { BatchWorkerData, FromWorker, ToWorker } from './protocol.js';

/** One open stream on the training-thread side: batches received and not yet taken. */
class StreamQueue {
  readonly ready: HostBatch[] = [];
  ended = false;
  error: Error | null = null;
  private wake: (() => void) | null = null;

  /** Resolves once something arrives (a batch, the end, or an error). */
  arrival(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  notify(): void {
    this.wake?.();
    this.wake = null;
  }
}

/**
 * Makes batches in a worker thread (`data.worker: true`, the default) so that the training thread
 * only computes: the worker prepares up to `prefetch` batches of each open pass ahead of the
 * consumer. Pass datasets in shared memory (sharedDataset) or the worker gets a copy of each; the
 * batches come out exactly as InlineBatchSource makes them. The worker keeps the process alive
 * only while a pass is open.
 */
export class WorkerBatchSource implements BatchSource {
  private readonly worker: Worker;
  private readonly streams = new Map<number, StreamQueue>();
  private nextId = 1;
  private failure: Error | null = null;
  private closed = false;

  constructor(splits: Readonly<Record<SplitName, ImageDataset>>, stats: ChannelStats, private readonly prefetch: number) {
    if (!Number.isInteger(prefetch) || prefetch < 1) throw new RangeError(`data.prefetch must be an integer >= 1, got ${prefetch}`);
    const workerData: BatchWorkerData = { splits, stats };
    this.worker = new Worker(new URL('./batch-worker-entry.mjs', import.meta.url), { workerData });
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (err: Error) => this.fail(new Error(`the data worker failed: ${err.message}`)));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`the data worker exited unexpectedly (code ${code})`));
    });
  }

  batches(plan: BatchPlan): AsyncIterable<HostBatch> {
    return { [Symbol.asyncIterator]: () => this.open(plan) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const q of this.streams.values()) {
      q.ended = true;
      q.notify();
    }
    await this.worker.terminate();
  }

  private open(plan: BatchPlan): AsyncIterator<HostBatch> {
    if (this.closed) throw new Error('the data source is closed; batches cannot be read after the run ended');
    const id = this.nextId++;
    const q = new StreamQueue();
    this.streams.set(id, q);
    this.worker.ref();
    this.post({ type: 'start', id, plan, credit: this.prefetch });
    const finish = (): void => {
      if (this.streams.delete(id) && this.streams.size === 0) this.worker.unref();
    };
    return {
      next: async (): Promise<IteratorResult<HostBatch>> => {
        for (;;) {
          const batch = q.ready.shift();
          if (batch) {
            if (!q.ended) this.post({ type: 'credit', id });
            return { value: batch, done: false };
          }
          if (q.error) {
            finish();
            throw q.error;
          }
          if (q.ended || this.failure) {
            finish();
            if (this.failure && !q.ended) throw this.failure;
            return { value: undefined, done: true };
          }
          await q.arrival();
        }
      },
      return: async (): Promise<IteratorResult<HostBatch>> => {
        if (!q.ended && !q.error && !this.closed) this.post({ type: 'cancel', id });
        finish();
        return { value: undefined, done: true };
      },
    };
  }

  private receive(m: FromWorker): void {
    const q = this.streams.get(m.id);
    if (!q) return;
    if (m.type === 'batch') q.ready.push(m.batch);
    else if (m.type === 'end') q.ended = true;
    else q.error = new Error(m.message);
    q.notify();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const q of this.streams.values()) q.notify();
  }

  private post(m: ToWorker): void {
    if (!this.closed) this.worker.postMessage(m);
  }
}
