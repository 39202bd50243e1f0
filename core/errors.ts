/**
 * Error families of trickster. Each has a stable `code` and a message a user can act on:
 * what went wrong, where, and how to fix it. The CLI prints `message` alone (no stack) unless
 * `--verbose` is given.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'PRESET_UNKNOWN'
  | 'PLUGIN_UNKNOWN'
  | 'PLUGIN_LOAD_FAILED'
  | 'PLUGIN_INVALID'
  | 'PLUGIN_CONFLICT'
  | 'DATA_NOT_FOUND'
  | 'DATA_CORRUPT'
  | 'DATA_DOWNLOAD_FAILED'
  | 'DATA_CHECKSUM_MISMATCH'
  | 'MODEL_UNKNOWN'
  | 'BACKEND_UNAVAILABLE'
  | 'CHECKPOINT_INVALID'
  | 'MODEL_NOT_FOUND'
  | 'RUN_DIR_EXISTS'
  | 'RUN_NOT_FOUND'
  | 'RESUME_MISMATCH'
  | 'RUN_LOGS_MISSING'
  | 'NUMERIC_INSTABILITY'
  | 'RESOURCE_EXHAUSTED'
  | 'REPLICA_SYNC_FAILED'
  | 'PREVIEW_UNSUPPORTED'
  | 'EXPERIMENT_NOT_FOUND'
  | 'EXPERIMENT_MISMATCH'
  | 'EXPERIMENT_BUSY'
  | 'TRIALS_FAILED'
  | 'EXPERIMENT_INTERRUPTED'
  | 'TS_LOADER_MISSING'
  | 'QUEUE_URL_INVALID'
  | 'QUEUE_UNREACHABLE'
  | 'QUEUE_NOT_REDIS'
  | 'QUEUE_CONNECTION_LOST'
  | 'QUEUE_VERSION_MISMATCH'
  | 'QUEUE_JOB_LOST'
  | 'QUEUE_STORE_MISMATCH'
  | 'TIME_BUDGET_TOO_SMALL'
  | 'USAGE';

/** Base class of every error trickster raises on purpose. */
export class TricksterError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A config or preset value is wrong; the message names the key path, expected and found. */
export class ConfigError extends TricksterError {
  constructor(message: string, code: ErrorCode = 'CONFIG_INVALID') {
    super(code, message);
  }
}

/** Two plugins (or a plugin and the setup) cannot work together. */
export class PluginConflictError extends TricksterError {
  constructor(message: string) {
    super('PLUGIN_CONFLICT', message);
  }
}

/**
 * A plugin cannot be made: its module throws on import (PLUGIN_LOAD_FAILED) or its constructor or
 * factory throws (PLUGIN_INVALID). The message names the module file or the `plugins` key.
 */
export class PluginError extends TricksterError {
  constructor(message: string, code: 'PLUGIN_LOAD_FAILED' | 'PLUGIN_INVALID', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A dataset is missing, truncated or malformed, or downloading a dataset by name failed
 * (DATA_DOWNLOAD_FAILED) or gave a file whose checksum differs from the published one; the
 * message names the file.
 */
export class DataError extends TricksterError {
  constructor(message: string, code: 'DATA_NOT_FOUND' | 'DATA_CORRUPT' | 'DATA_DOWNLOAD_FAILED' | 'DATA_CHECKSUM_MISMATCH' = 'DATA_CORRUPT') {
    super(code, message);
  }
}

/** A model name or option is unknown. */
export class ModelError extends TricksterError {
  constructor(message: string) {
    super('MODEL_UNKNOWN', message);
  }
}

/** A requested TF.js backend cannot be loaded. */
export class BackendError extends TricksterError {
  constructor(message: string) {
    super('BACKEND_UNAVAILABLE', message);
  }
}

/** A checkpoint or exported model cannot be read or does not match the run (MODEL_NOT_FOUND: there is none). */
export class CheckpointError extends TricksterError {
  constructor(message: string, code: 'CHECKPOINT_INVALID' | 'MODEL_NOT_FOUND' = 'CHECKPOINT_INVALID') {
    super(code, message);
  }
}

/**
 * A loss, gradient or statistic became NaN or infinite; `place` is where, when a training step was
 * caught (zero-based epoch, optimizer steps before it, its learning rate).
 */
export class NumericError extends TricksterError {
  constructor(
    message: string,
    readonly place?: { readonly epoch: number; readonly step: number; readonly lr: number },
  ) {
    super('NUMERIC_INSTABILITY', message);
  }
}

/** The backend ran out of memory (or address space) for the run; the message names the batch size and backend. */
export class ResourceError extends TricksterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RESOURCE_EXHAUSTED', message, options);
  }
}

/** A command line is wrong (unknown option, bad flag value); the CLI exits with code 2. */
export class UsageError extends TricksterError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** A TypeScript config or plugin file is named but tsx, which loads it, is not installed. */
export class LoaderError extends TricksterError {
  constructor(message: string) {
    super('TS_LOADER_MISSING', message);
  }
}
