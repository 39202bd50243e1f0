import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createTrainer, type CreateTrainerOptions } from '../../app/create-trainer.js';
import type { BackendChoice } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import { mergeLayers } from '../../core/config/merge.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import { silentLogger } from '../../core/logger.js';
import type { TricksterPlugin } from '../../core/plugin.js';
import type { RunSummary, Trainer } from '../../core/trainer.js';
import { allVariables, trainableVariables } from '../../core/variables.js';
import { findBuiltinPlugin } from '../../plugins/registry.js';
import { tempRunDir } from './train-subset.js';

/** A short real run a claim is checked on: its summary and trainer (model still alive), its config. */
export interface ClaimRun {
  readonly summary: RunSummary;
  readonly trainer: Trainer;
  readonly config: TricksterConfig;
  /**
   * Whether the plugin must visibly act in this run (the canonical settings are chosen so it does),
   * or only the relation it claims must hold, whether it acted or not (presets cut to 2 epochs).
   */
  readonly requireEffect: boolean;
}

/** What a claim adds to a run: a test plugin that records, and the check made after fit(). */
export interface ClaimProbe {
  readonly plugin: TricksterPlugin;
  check(run: ClaimRun): void | Promise<void>;
}

/** Makes a fresh probe for a run of `config`, given the plugin's options with their schema defaults. */
export type Claim = (options: Record<string, unknown>, config: TricksterConfig) => ClaimProbe;

/**
 * The config every contract run starts from: the baseline preset's small-cnn (flip + crop) on 128
 * training and 64 test images, 2 epochs of batch 32 on one replica, SGD lr 0.1 with momentum 0.9
 * and weight decay 5e-4, a step schedule that does not decay within the run.
 */
export function contractBase(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return mergeLayers(
    {
      extends: 'baseline',
      data: { limit: 128, testLimit: 64 },
      training: { epochs: 2, batchSize: 32, replicas: 1 },
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 5e-4 },
      schedule: { name: 'step', stepSize: 5, gamma: 0.1 },
    },
    overrides,
  );
}

/**
 * The contract config of plugin `name`: contractBase, then `config` (the plugin's needs), then the
 * plugin switched on with `options` (lr-schedule: `options` is the schedule section), then `last`.
 */
export function pluginConfig(name: string, options: Record<string, unknown>, config: Record<string, unknown> = {}, last: Record<string, unknown> = {}): Record<string, unknown> {
  const on = name === 'lr-schedule' ? { schedule: options } : { plugins: { [name]: options } };
  return mergeLayers(mergeLayers(contractBase(config), on), last);
}

/** The options of plugin `name` in a resolved config, with the plugin schema's defaults filled in. */
export function resolvedOptions(name: string, config: TricksterConfig): Record<string, unknown> {
  const raw = name === 'lr-schedule' ? config.schedule : (config.plugins as Record<string, unknown>)[name];
  return findBuiltinPlugin(name)!.schema.parse(raw === true || raw === null ? {} : raw) as Record<string, unknown>;
}

let contractBackend: BackendChoice = 'wasm';

/** Runs this file's contract runs on `choice` instead of wasm (the native suite: `node`). */
export function useContractBackend(choice: BackendChoice): void {
  contractBackend = choice;
}

/** Builds a silent trainer (wasm unless useContractBackend says otherwise) for `config` (an inline config) in `outDir` (default: a fresh temp folder). */
export async function contractTrainer(config: Record<string, unknown>, options: CreateTrainerOptions = {}): Promise<Trainer> {
  const resolved = await resolveConfig({ inline: config });
  return createTrainer(resolved, { backend: contractBackend, progress: 'none', logger: silentLogger, outDir: tempRunDir('trickster-contract-'), ...options });
}

/**
 * Trains `config` with the probes of `claims` (name → claim) and checks every claim on the result;
 * returns the summary and the names of the plugins the trainer ran. A claim gets the plugin's
 * options from the config, or from `options` (to check a claim on a run without its plugin).
 * The trainer is disposed, also when the run or a check fails.
 */
export async function runClaims(
  config: Record<string, unknown>,
  claims: Record<string, Claim>,
  { requireEffect = true, options = {} }: { requireEffect?: boolean; options?: Record<string, Record<string, unknown>> } = {},
): Promise<{ summary: RunSummary; active: string[] }> {
  const resolved = await resolveConfig({ inline: config });
  const probes = Object.entries(claims).map(([name, claim]) => claim(options[name] ?? resolvedOptions(name, resolved.config), resolved.config));
  const trainer = await createTrainer(resolved, {
    backend: contractBackend,
    progress: 'none',
    logger: silentLogger,
    outDir: tempRunDir('trickster-contract-'),
    plugins: probes.map((p) => p.plugin),
  });
  try {
    const summary = await trainer.fit();
    for (const probe of probes) await probe.check({ summary, trainer, config: resolved.config, requireEffect });
    return { summary, active: trainer.plugins.map((p) => p.name) };
  } finally {
    trainer.dispose();
  }
}

/** Host copies of the model's variables by stable name: every variable, or the trainable ones. */
export function readWeights(model: tf.LayersModel, which: 'all' | 'trainable' = 'all'): Record<string, Float32Array> {
  const vars = which === 'all' ? allVariables(model) : trainableVariables(model);
  return Object.fromEntries(Object.entries(vars).map(([name, v]) => [name, v.dataSync() as Float32Array]));
}

/** The largest |a − b| / (|b| + floor) over two arrays of the same length. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (Math.abs(b[i]!) + floor));
  return worst;
}

/** The largest |a − b| over two arrays of the same length. */
export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** metrics.jsonl of a run directory, one object per line, without the timing field imgPerSec. */
export function metricLines(runDir: string): Record<string, unknown>[] {
  return readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { imgPerSec: _timing, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return rest;
    });
}

/** The exported weights of a run, byte for byte (RUN_DIR/model/weights.bin). */
export function exportedWeights(runDir: string): Buffer {
  return readFileSync(path.join(runDir, 'model', 'weights.bin'));
}

/**
 * Trains a throw-away teacher for distillation (baseline small-cnn, one epoch on 128 images) and
 * returns its exported model.json.
 */
export async function trainTeacher(): Promise<string> {
  const trainer = await contractTrainer(contractBase({ training: { epochs: 1 } }));
  try {
    const summary = await trainer.fit();
    return path.join(summary.runDir, 'model', 'model.json');
  } finally {
    trainer.dispose();
  }
}
