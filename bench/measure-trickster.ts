/** (a)/(h) trickster's real training loop on wasm or tensorflow: createTrainer + fit on a Fashion-MNIST subset. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTrainer } from '../app/create-trainer.js';
import { silentLogger } from '../core/logger.js';
import type { TrainBackend } from './jobs.js';
import type { PluginHost, TricksterPlugin } from '../core/plugin.js';
import { totalSteps, windowRates, type StepPlan } from './stats.js';
import type { ModelSpec } from '../core/models/types.js';

/** Records the time the epoch starts and the time each training step ends. */
class StepClock implements TricksterPlugin {
  readonly name = 'bench-step-clock';
  marks: number[] = [];
  /** Process CPU time (ms, user + system, all threads: the replicas are worker threads) at the same moments. */
  cpuMarks: number[] = [];

  apply(host: PluginHost): void {
    const cpuMs = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    host.hooks.beforeEpoch.tapPromise(this.name, async () => {
      this.marks = [performance.now()];
      this.cpuMarks = [cpuMs()];
    });
    host.hooks.afterStep.tap(this.name, () => {
      this.marks.push(performance.now());
      this.cpuMarks.push(cpuMs());
    });
  }
}

/**
 * Trains one epoch of exactly `totalSteps(plan)` batches with the baseline recipe (SGD momentum,
 * weight decay, step schedule) and the given model (a zoo name at width 1, or a full spec), with flip + pad-2 crop augmentation or none,
 * over `replicas` (training.replicas, with training.syncBatchNorm as given) on `backend`, and returns images/s of each timed window and the replicas
 * the run used, and `cpuRates`: images per second of the process's CPU time (all threads) in the same
 * windows; on a loaded machine this estimates what n busy threads would make on n idle cores (n times it,
 * less any waiting between threads, more for the lower CPU cost per image without contention). The time between two step ends covers everything
 * the kernel does per step: host batching and augmentation, tensor upload, forward, backward,
 * optimizer, hooks.
 */
export async function measureTrickster(
  model: string | ModelSpec,
  plan: StepPlan,
  augment: boolean,
  replicas: number | 'auto',
  backend: TrainBackend = 'wasm',
  syncBatchNorm = false,
): Promise<{ rates: number[]; cpuRates: number[]; replicas: number }> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'trickster-bench-'));
  const clock = new StepClock();
  const config = {
    extends: 'baseline',
    model: typeof model === 'string' ? { name: model, width: 1 } : model,
    data: {
      limit: totalSteps(plan) * plan.batch,
      testLimit: plan.batch,
      augment: augment ? { flip: true, crop: { padding: 2 } } : { flip: false, crop: false },
    },
    training: { epochs: 1, batchSize: plan.batch, evalBatchSize: plan.batch, replicas, syncBatchNorm },
  };
  try {
    const trainer = await createTrainer(config, {
      backend,
      progress: 'none',
      logger: silentLogger,
      outDir,
      exportModel: false,
      plugins: [clock],
    });
    const summary = await trainer.fit();
    trainer.dispose();
    return { rates: windowRates(clock.marks, plan), cpuRates: windowRates(clock.cpuMarks, plan), replicas: summary.replicas };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
