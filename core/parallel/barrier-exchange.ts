/**
 * An all-gather between the replica threads of one data-parallel step, through a SharedArrayBuffer:
 * each participant writes its vector to its slot, waits at a barrier (Atomics.wait on a generation
 * counter) until every participant has written, and reads every slot. SyncBN uses it twice per
 * batch-norm layer (forward moments, backward gradient sums).
 *
 * Slots are double-buffered by the generation's parity: a participant that leaves barrier k and
 * writes for barrier k+1 cannot overwrite what a slower one still reads from barrier k, and one
 * cannot reach barrier k+2 before every other has left barrier k.
 *
 * A participant that fails calls {@link BarrierExchange.abort}; every other one then throws at its
 * next (or current) wait instead of waiting for it. A wait also ends after `timeoutMs` (a thread
 * that died without aborting), with the same coded error.
 */
import { TricksterError } from '../errors.js';

/** Int32 control words at the start of the buffer. */
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2; // 0, or 1 + the rank that aborted
const PARTIES = 3;
const MAX_PARTIES = 4;
const SLOT_LENGTH = 5;
const CONTROL_BYTES = 8 * 4;

/** How long a participant waits at a barrier before it gives up (a peer that died without aborting). */
export const DEFAULT_BARRIER_TIMEOUT_MS = 60_000;
/** A waiting participant re-checks the abort flag at least this often. */
const POLL_MS = 20;

/** A buffer for an exchange between at most `maxParties` participants of vectors of at most `slotLength` numbers. */
export function createExchangeBuffer(maxParties: number, slotLength: number): SharedArrayBuffer {
  if (!Number.isInteger(maxParties) || maxParties < 1) throw new RangeError(`maxParties must be an integer >= 1, got ${maxParties}`);
  if (!Number.isInteger(slotLength) || slotLength < 1) throw new RangeError(`slotLength must be an integer >= 1, got ${slotLength}`);
  const buffer = new SharedArrayBuffer(CONTROL_BYTES + 2 * maxParties * slotLength * 8);
  const control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
  control[MAX_PARTIES] = maxParties;
  control[SLOT_LENGTH] = slotLength;
  control[PARTIES] = maxParties;
  return buffer;
}

/** The coded error of an exchange that cannot complete: a peer failed, or one never arrived. */
export class ExchangeAbortedError extends TricksterError {
  constructor(
    message: string,
    /** Rank of the participant that failed or gave up first. */
    readonly culprit: number,
  ) {
    super('REPLICA_SYNC_FAILED', message);
  }
}

/** One participant's view of an exchange buffer. */
export class BarrierExchange {
  private readonly control: Int32Array;
  private readonly data: Float64Array;
  private readonly slotLength: number;
  private readonly maxParties: number;

  constructor(
    buffer: SharedArrayBuffer,
    /** This participant's index, 0 .. parties − 1. */
    readonly rank: number,
    private readonly timeoutMs = DEFAULT_BARRIER_TIMEOUT_MS,
  ) {
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.maxParties = this.control[MAX_PARTIES]!;
    this.slotLength = this.control[SLOT_LENGTH]!;
    this.data = new Float64Array(buffer, CONTROL_BYTES, 2 * this.maxParties * this.slotLength);
    if (rank < 0 || rank >= this.maxParties) throw new RangeError(`rank ${rank} is outside 0..${this.maxParties - 1}`);
  }

  /**
   * Starts a step with `parties` participants (ranks 0 .. parties − 1) and clears a previous abort.
   * Call it while no participant is inside {@link gather} (between steps).
   */
  begin(parties: number): void {
    if (!Number.isInteger(parties) || parties < 1 || parties > this.maxParties) throw new RangeError(`parties must be 1..${this.maxParties}, got ${parties}`);
    Atomics.store(this.control, ARRIVED, 0);
    Atomics.store(this.control, PARTIES, parties);
    Atomics.store(this.control, ABORTED, 0);
  }

  /** Participants of the current step. */
  get parties(): number {
    return Atomics.load(this.control, PARTIES);
  }

  /**
   * Writes `values` for this participant, waits until every participant of the step has written
   * theirs (each must pass vectors of the same length), and returns copies of all of them in rank
   * order. Throws {@link ExchangeAbortedError} when a participant aborted or the wait timed out.
   */
  gather(values: Float64Array): Float64Array[] {
    if (values.length > this.slotLength) throw new RangeError(`exchange vector of ${values.length} numbers exceeds the slot of ${this.slotLength}`);
    this.throwIfAborted();
    const parties = Atomics.load(this.control, PARTIES);
    const generation = Atomics.load(this.control, GENERATION);
    const half = (generation & 1) * this.maxParties * this.slotLength;
    this.data.set(values, half + this.rank * this.slotLength);
    if (Atomics.add(this.control, ARRIVED, 1) + 1 === parties) {
      Atomics.store(this.control, ARRIVED, 0);
      Atomics.add(this.control, GENERATION, 1);
      Atomics.notify(this.control, GENERATION);
    } else {
      this.waitWhile(generation, parties);
    }
    return Array.from({ length: parties }, (_, r) => this.data.slice(half + r * this.slotLength, half + r * this.slotLength + values.length));
  }

  /** Marks the step failed by this participant and wakes every waiting one (they throw). */
  abort(): void {
    Atomics.compareExchange(this.control, ABORTED, 0, this.rank + 1);
    Atomics.notify(this.control, GENERATION);
  }

  private waitWhile(generation: number, parties: number): void {
    const deadline = Date.now() + this.timeoutMs;
    while (Atomics.load(this.control, GENERATION) === generation) {
      this.throwIfAborted();
      const left = deadline - Date.now();
      if (left <= 0) {
        const arrived = Atomics.load(this.control, ARRIVED);
        this.abort();
        throw new ExchangeAbortedError(
          `training.syncBatchNorm: replica ${this.rank} waited ${this.timeoutMs} ms at a batch-norm exchange where only ${arrived} of ${parties} replicas arrived; ` +
            'a replica thread stopped without reporting. Rerun; if it recurs, set training.syncBatchNorm to false',
          this.rank,
        );
      }
      Atomics.wait(this.control, GENERATION, generation, Math.min(left, POLL_MS));
    }
  }

  private throwIfAborted(): void {
    const aborted = Atomics.load(this.control, ABORTED);
    if (aborted === 0) return;
    const culprit = aborted - 1;
    throw new ExchangeAbortedError(
      `training.syncBatchNorm: replica ${culprit} failed during this step, so replica ${this.rank} stopped waiting for its batch-norm statistics`,
      culprit,
    );
  }
}
