import { Worker } from 'node:worker_threads';
import { BarrierExchange } from './barrier-exchange.js';
import type { ForwardRequest, FromReplica, ReplicaSetup, ShardRequest, ToReplica } from './protocol.js';

/** A replica's answer for one training shard. */
export type ShardResult = Extract<FromReplica, { type: 'shard' }>;
/** A replica's answer for one evaluation shard. */
export type LogitsResult = Extract<FromReplica, { type: 'logits' }>;

type Answer = ShardResult | LogitsResult;

/** One replica thread; answers come in request order. */
class ReplicaThread {
  private readonly worker: Worker;
  private readonly waiting: { expects: Answer['type']; resolve: (r: Answer) => void; reject: (e: Error) => void }[] = [];
  /** Why the thread failed; once set, every request is refused with it. */
  failure: Error | null = null;
  private closed = false;
  readonly ready: Promise<number[][]>;

  constructor(
    readonly index: number,
    setup: ReplicaSetup,
  ) {
    this.worker = new Worker(new URL('./replica-worker-entry.mjs', import.meta.url), { workerData: setup });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', (m: FromReplica) => {
        if (m.type === 'ready') resolve(m.shapes);
        else reject(this.fail(m.type === 'error' ? m.message : `answered "${m.type}" before it was ready`));
        this.worker.on('message', (r: FromReplica) => this.receive(r));
      });
      this.worker.on('error', (err: Error) => reject(this.fail(err.message)));
      this.worker.on('exit', (code) => {
        if (!this.closed) reject(this.fail(`exited unexpectedly (code ${code})`));
      });
    });
    this.ready.catch(() => undefined);
  }

  /** Sends `request` (its arrays are transferred) and resolves with the replica's answer of type `expects`. */
  ask(request: ToReplica, expects: Answer['type'], arrays: Float32Array[]): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    const answer = new Promise<Answer>((resolve, reject) => this.waiting.push({ expects, resolve, reject }));
    this.worker.postMessage(request, arrays.map((a) => a.buffer as ArrayBuffer));
    return answer;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private receive(m: FromReplica): void {
    const next = this.waiting.shift();
    if (next && m.type === next.expects) next.resolve(m as Answer);
    else next?.reject(this.fail(m.type === 'error' ? m.message : `answered "${m.type}", expected "${next.expects}"`));
  }

  private fail(reason: string): Error {
    this.failure ??= new Error(`training replica ${this.index} failed: ${reason}`);
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
    return this.failure;
  }
}

/**
 * The replica threads of a data-parallel run (`training.replicas` − 1 of them: the training thread
 * is replica 0). Start with {@link ReplicaPool.start}; close when the run ends.
 */
export class ReplicaPool {
  /** SyncBN: the training thread's side (rank 0) of the batch-norm exchange, when `setup.syncBuffer` is given. */
  readonly exchange: BarrierExchange | null;

  private constructor(
    private readonly threads: ReplicaThread[],
    syncBuffer: SharedArrayBuffer | undefined,
  ) {
    this.exchange = syncBuffer ? new BarrierExchange(syncBuffer, 0) : null;
  }

  /**
   * Starts `count` replica threads that build the model of `setup` and waits until they are
   * ready; throws if one fails to start or builds weights of other shapes than `shapes` (the
   * training thread's model.weights).
   */
  static async start(count: number, setup: ReplicaSetup, shapes: number[][]): Promise<ReplicaPool> {
    const threads = Array.from({ length: count }, (_, i) => new ReplicaThread(i + 1, setup));
    const pool = new ReplicaPool(threads, setup.syncBuffer);
    try {
      const built = await Promise.all(threads.map((t) => t.ready));
      for (const [i, s] of built.entries()) {
        if (JSON.stringify(s) !== JSON.stringify(shapes)) {
          throw new Error(`training replica ${i + 1} built model "${setup.model.name}" with other weight shapes than the training thread`);
        }
      }
      return pool;
    } catch (err) {
      await pool.close();
      throw err;
    }
  }

  /** Number of replica threads (not counting the training thread). */
  get size(): number {
    return this.threads.length;
  }

  /** The first failure of a replica thread, which every later request to it is refused with; null while all work. */
  get failure(): Error | null {
    return this.threads.find((t) => t.failure)?.failure ?? null;
  }

  /** Runs one training shard on replica thread `i` (0-based). */
  compute(i: number, request: ShardRequest): Promise<ShardResult> {
    return this.threads[i]!.ask(request, 'shard', [...request.weights, request.x, request.targets]) as Promise<ShardResult>;
  }

  /** Runs one evaluation shard on replica thread `i` (0-based). */
  forward(i: number, request: ForwardRequest): Promise<LogitsResult> {
    return this.threads[i]!.ask(request, 'logits', [...(request.weights ?? []), request.x]) as Promise<LogitsResult>;
  }

  /** Terminates the threads. */
  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
