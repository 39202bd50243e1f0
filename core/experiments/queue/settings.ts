/**
 * How trickster uses BullMQ: queue names and the timing of locks, stalled-job checks and retries.
 * The reasons are in README (Experiments on several machines).
 */

/** Redis key prefix of every queue and stored run directory (`trickster:trials:...`). */
export const QUEUE_PREFIX = 'trickster';
/** Queue of the trials (one job each); `trickster worker` trains them. */
export const TRIAL_QUEUE = 'trials';
/** Queue of the flows' parents: one job per experiment that merges its trials' results once they end. */
export const MERGE_QUEUE = 'experiments';

/**
 * Seconds a worker's lock on a trial lasts without renewal (BullMQ renews it every half of this).
 * The training runs in a child process, so the worker's event loop is free to renew however long
 * an epoch is; the lock only has to outlive a network hiccup. A killed worker's trial is taken
 * over by another worker between one and two lock durations after the kill (the stalled check
 * runs every half lock).
 */
export const DEFAULT_LOCK_SECONDS = 30;

/**
 * Times a trial may be found stalled (its worker died or lost Redis past the lock) and restarted
 * from its last stored checkpoint before BullMQ fails it: a trial that kills its machine (out of
 * memory) is not retried forever.
 */
export const MAX_STALLED = 3;

/**
 * Backoff between attempts of a failing trial (an attempt resumes from the last checkpoint):
 * exponential from 5 s (5, 10, 20 s...), so a passing fault (a full disk being cleaned) has time
 * to clear but a deterministic error (a missing dataset) is reported within seconds.
 */
export const RETRY_BACKOFF = { type: 'exponential', delay: 5000 } as const;

/** Seconds the command waiting for an experiment tolerates Redis being unreachable before it gives up (the trials go on). */
export const PRODUCER_GRACE_SECONDS = 10;

/** Milliseconds one Redis round trip of the waiting command may take before it counts as unreachable. */
export const COMMAND_TIMEOUT_MS = 3000;
