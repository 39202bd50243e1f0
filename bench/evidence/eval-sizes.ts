import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ExperimentDir, type Manifest } from '../../core/experiments/manifest.js';
import type { TrialRecord } from '../../core/experiments/trial-record.js';
import { REPO_ROOT } from './claims.js';

const execFileAsync = promisify(execFile);

/** Test metrics of one exported model at one input size, as `trickster eval --json` prints them. */
export interface SizeMetrics {
  readonly top1: number;
  readonly top5: number;
  readonly testLoss: number;
}

/** Per trial id, per input size (as a string key, so a metric path reads `evalAt.32.top1`), the model's test metrics. */
export type EvalAtSizes = Map<string, Record<string, SizeMetrics>>;

/** `trickster eval` arguments for a trial's exported model at `size` (its backend; `testLimit`: the first images of eval's seed-0 subset). */
export function evalArgs(modelJson: string, size: number, backend: string, testLimit?: number): string[] {
  const args = ['eval', '--model', modelJson, '--input-size', String(size), '--backend', backend, '--json'];
  if (testLimit !== undefined) args.push('--limit', String(testLimit));
  return args;
}

/**
 * Evaluates the exported model of every done trial of the experiment in `outDir` at each of
 * `sizes` with `trickster eval --input-size` (no fine-tuning: one trained model at several test
 * sizes). A failing evaluation throws with its command and error line.
 */
export async function evaluateAtSizes(outDir: string, manifest: Manifest, records: ReadonlyMap<string, TrialRecord>, sizes: readonly number[], testLimit?: number): Promise<EvalAtSizes> {
  const exp = new ExperimentDir(outDir);
  const out: EvalAtSizes = new Map();
  for (const t of manifest.trials) {
    const r = records.get(t.id);
    if (r?.status !== 'done') continue;
    const modelJson = path.join(exp.runDir(t.id), 'model', 'model.json');
    const bySize: Record<string, SizeMetrics> = {};
    for (const size of sizes) {
      const args = evalArgs(modelJson, size, r.summary.backend, testLimit);
      let stdout: string;
      try {
        ({ stdout } = await execFileAsync(process.execPath, [path.join(REPO_ROOT, 'bin/trickster.js'), ...args], { cwd: REPO_ROOT, maxBuffer: 1 << 20 }));
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`trickster ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim().split('\n').at(-1)}`);
      }
      const m = JSON.parse(stdout.trim().split('\n').at(-1)!) as SizeMetrics & { inputSize: number };
      if (m.inputSize !== size) throw new Error(`trickster ${args.join(' ')} evaluated at ${m.inputSize} px, not ${size}`);
      bySize[String(size)] = { top1: m.top1, top5: m.top5, testLoss: m.testLoss };
    }
    out.set(t.id, bySize);
  }
  return out;
}
