import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { QUEUE_PREFIX } from './settings.js';

/**
 * Where trial run directories travel between machines: a worker puts the packed directory after
 * every epoch (its checkpoint) and at the end (summary, model); another worker taking the trial
 * over gets it, and so does the command collecting the results. No shared filesystem is needed.
 */
export interface RunStore {
  put(experiment: string, trial: string, pack: Buffer): Promise<void>;
  /** The packed directory, or null when none was stored. */
  get(experiment: string, trial: string): Promise<Buffer | null>;
  delete(experiment: string, trial: string): Promise<void>;
}

/** Stores packs in the queue's own Redis (a string per trial); the default. */
export class RedisRunStore implements RunStore {
  constructor(private readonly redis: Redis) {}

  private key(experiment: string, trial: string): string {
    return `${QUEUE_PREFIX}:run:${experiment}:${trial}`;
  }

  async put(experiment: string, trial: string, pack: Buffer): Promise<void> {
    await this.redis.set(this.key(experiment, trial), pack);
  }

  async get(experiment: string, trial: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.key(experiment, trial));
  }

  async delete(experiment: string, trial: string): Promise<void> {
    await this.redis.del(this.key(experiment, trial));
  }
}

/** Stores packs as files under a folder every machine mounts (`--store DIR`), written atomically. */
export class DirRunStore implements RunStore {
  constructor(private readonly dir: string) {}

  private file(experiment: string, trial: string): string {
    return path.join(this.dir, experiment, `${trial}.pack`);
  }

  async put(experiment: string, trial: string, pack: Buffer): Promise<void> {
    const file = this.file(experiment, trial);
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, pack);
    renameSync(tmp, file);
  }

  async get(experiment: string, trial: string): Promise<Buffer | null> {
    const file = this.file(experiment, trial);
    return existsSync(file) ? readFileSync(file) : null;
  }

  async delete(experiment: string, trial: string): Promise<void> {
    rmSync(this.file(experiment, trial), { force: true });
  }
}

/** The store a command uses: `--store DIR` when given, else the queue's Redis. */
export function openRunStore(redis: Redis, storeDir: string | undefined): RunStore {
  return storeDir ? new DirRunStore(path.resolve(storeDir)) : new RedisRunStore(redis);
}
