/** (f) The PyTorch CPU reference: runs bench/torch_ref.py when `import torch` works. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './jobs.js';
import type { StepPlan } from './stats.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_ref.py');
/** Python interpreter used for the reference ($BENCH_PYTHON, default python3). */
const PYTHON = process.env['BENCH_PYTHON'] || 'python3';

/** The torch version when `python3 -c 'import torch'` works, otherwise why not. */
export function torchAvailable(): { version: string } | { missing: string } {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status === 0) return { version: r.stdout.trim() };
  const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
  return { missing: `${PYTHON} -c 'import torch' failed: ${why}` };
}

/**
 * Trains `model` in PyTorch on the CPU with `threads` intra-op threads, in its own Python process
 * (so peak RSS is per configuration), with the same step plan; throws when the script fails.
 */
export function torchReference(model: string, plan: StepPlan, threads: number, dataDir: string, timeoutMs: number): Measurement {
  const args = [
    SCRIPT,
    ...['--model', model, '--batch', String(plan.batch), '--warmup', String(plan.warmup)],
    ...['--steps', String(plan.steps), '--repeats', String(plan.repeats), '--threads', String(threads), '--data', dataDir],
  ];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`torch_ref.py failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr.trim().slice(-500)}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    torch: string;
    threads: Record<string, { imgPerSec: number; samples: number[] }>;
    peakRssMiB: number;
  };
  const t = out.threads[String(threads)]!;
  return { imgPerSec: t.imgPerSec, samples: t.samples, batch: plan.batch, peakRssMiB: out.peakRssMiB, extra: { torch: out.torch, threads } };
}
