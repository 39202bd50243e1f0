import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../core/config/load.js';
import { mergeLayers } from '../../core/config/merge.js';
import { createTrainer, type CreateTrainerOptions } from '../../app/create-trainer.js';
import { silentLogger } from '../../core/logger.js';
import type { Trainer, RunSummary } from '../../core/trainer.js';

/** A fresh temporary folder for a run. */
export function tempRunDir(prefix = 'trickster-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The config of a short real training on a Fashion-MNIST subset: the baseline preset cut to
 * `limit` training and `testLimit` test images, one epoch of batch 64, with `overrides` merged on top.
 * The rate is pinned (SGD lr 0.1, no decay within 5 epochs) so tests that read learning rates do
 * not depend on the baseline preset's tuning.
 */
export function subsetConfig(overrides: Record<string, unknown> = {}, limit = 512, testLimit = 500): Record<string, unknown> {
  return mergeLayers(
    {
      extends: 'baseline',
      data: { limit, testLimit },
      training: { epochs: 1, batchSize: 64 },
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false },
      schedule: { name: 'step', stepSize: 5, gamma: 0.1 },
    },
    overrides,
  );
}

/** Builds a trainer for `subsetConfig(overrides)` on the wasm backend, silent, in a temp run dir. */
export async function subsetTrainer(overrides: Record<string, unknown> = {}, options: CreateTrainerOptions = {}): Promise<Trainer> {
  const resolved = await resolveConfig({ inline: subsetConfig(overrides) });
  return createTrainer(resolved, { backend: 'wasm', progress: 'none', logger: silentLogger, outDir: tempRunDir(), ...options });
}

/** Trains `subsetConfig(overrides)` and returns the summary with the trainer (caller disposes it). */
export async function trainSubset(
  overrides: Record<string, unknown> = {},
  options: CreateTrainerOptions = {},
): Promise<{ summary: RunSummary; trainer: Trainer }> {
  const trainer = await subsetTrainer(overrides, options);
  const summary = await trainer.fit();
  return { summary, trainer };
}
