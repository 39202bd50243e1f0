/** Data parallelism over wasm instances: the bare loop of (d) with each batch split across replica threads. */
import { Worker } from 'node:worker_threads';
import type { FromReplica, ReplicaSetup, ToReplica } from './data-parallel/protocol.js';
import { totalSteps, windowRates, type StepPlan } from './stats.js';

/** A replica thread with a promise-per-reply interface (replies come in request order). */
class Replica {
  private readonly worker: Worker;
  private readonly waiting: ((m: FromReplica) => void)[] = [];
  readonly ready: Promise<void>;

  constructor(setup: ReplicaSetup) {
    this.worker = new Worker(new URL('./data-parallel/replica-entry.mjs', import.meta.url), { workerData: setup });
    let started = false;
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (r: FromReplica | { type: 'ready' }) => {
        if (!started) {
          started = true;
          resolve();
        } else {
          this.waiting.shift()?.(r as FromReplica);
        }
      });
      this.worker.once('error', reject);
    });
    this.worker.on('error', (err: Error) => this.waiting.shift()?.({ type: 'error', message: err.message }));
  }

  /** Sends `m` and resolves with the replica's answer to it. */
  request(m: ToReplica, transfer: ArrayBuffer[] = []): Promise<FromReplica> {
    const answer = new Promise<FromReplica>((resolve) => this.waiting.push(resolve));
    this.worker.postMessage(m, transfer);
    return answer;
  }

  /** Sends `m`, which has no answer. */
  send(m: ToReplica): void {
    this.worker.postMessage(m);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

function averaged(parts: Float32Array[][]): Float32Array[] {
  return parts[0]!.map((first, i) => {
    const out = new Float32Array(first.length);
    for (const p of parts) {
      const a = p[i]!;
      for (let k = 0; k < out.length; k++) out[k]! += a[k]!;
    }
    for (let k = 0; k < out.length; k++) out[k]! /= parts.length;
    return out;
  });
}

function unwrap<T extends FromReplica['type']>(m: FromReplica, type: T): Extract<FromReplica, { type: T }> {
  if (m.type === 'error') throw new Error(`replica failed: ${m.message}`);
  if (m.type !== type) throw new Error(`replica answered "${m.type}", expected "${type}"`);
  return m as Extract<FromReplica, { type: T }>;
}

/**
 * Runs `totalSteps(plan)` steps of the (d) loop with each batch split evenly over `replicas`
 * wasm instances in worker threads: every replica computes gradients on its share, this thread
 * averages gradients and batch-norm moving statistics and sends them back, every replica applies
 * them. Returns images/s per timed window, whether the replicas' weights still agree at the end
 * (they must), and the last step's mean loss.
 */
export async function measureDataParallel(model: string, plan: StepPlan, replicas: number): Promise<{ rates: number[]; agree: boolean; loss: number }> {
  if (plan.batch % replicas !== 0) throw new RangeError(`batch ${plan.batch} does not split evenly over ${replicas} replicas`);
  const workers = Array.from({ length: replicas }, (_, replica) => new Replica({ model, plan, replica, replicas }));
  try {
    await Promise.all(workers.map((w) => w.ready));
    const marks = [performance.now()];
    let loss = NaN;
    for (let step = 0; step < totalSteps(plan); step++) {
      const replies = (await Promise.all(workers.map((w) => w.request({ type: 'grads', step })))).map((r) => unwrap(r, 'grads'));
      const grads = averaged(replies.map((r) => r.grads));
      const stats = averaged(replies.map((r) => r.stats));
      for (const w of workers) w.send({ type: 'apply', grads, stats });
      loss = replies.reduce((s, r) => s + r.loss, 0) / replicas;
      marks.push(performance.now());
    }
    const sums = (await Promise.all(workers.map((w) => w.request({ type: 'checksum' })))).map((r) => unwrap(r, 'checksum').value);
    return { rates: windowRates(marks, plan), agree: sums.every((s) => s === sums[0]), loss };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
