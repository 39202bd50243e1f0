import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Files of one run: metrics.jsonl, config.json, checkpoint.ckpt, model/. */
export class RunDir {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  get checkpointFile(): string {
    return path.join(this.dir, 'checkpoint.ckpt');
  }

  get modelDir(): string {
    return path.join(this.dir, 'model');
  }

  /** Appends one JSON object as a line to metrics.jsonl. */
  appendMetrics(record: Record<string, unknown>): void {
    appendFileSync(path.join(this.dir, 'metrics.jsonl'), `${JSON.stringify(record)}\n`);
  }

  /** Writes the resolved config the run used. */
  writeConfig(config: unknown): void {
    writeFileSync(path.join(this.dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }
}

/** A fresh run directory name under `root`: `<root>/<yyyymmdd-hhmmss>-<label>`. */
export function newRunDirPath(root: string, label: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.join(root, `${stamp}-${label}`);
}
