import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../core/config/load.js';
import type { TricksterConfig } from '../core/config/schema.js';
import type { EvalMetrics, StopRequest } from '../core/contexts.js';
import { ConfigError, NumericError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { loadModelFromDir } from '../core/model-io.js';
import type { PluginHost, TricksterPlugin } from '../core/plugin.js';
import type { RunSummary, Trainer } from '../core/trainer.js';
import { allVariables } from '../core/variables.js';
import { assignAll } from '../core/weights/index.js';
import { PLUGIN_NAME as EARLY_STOPPING, optionsSchema as earlyStoppingSchema } from '../plugins/early-stopping/index.js';
import { createTrainer, type CreateTrainerOptions } from './create-trainer.js';

/** How the refit phase trains on all the data (early stopping's `refit`); see plugins/early-stopping/README.md. */
export type RefitMode = 'epochs' | 'steps' | 'continue';

/** The model-selection phase: the early-stopped run on the training split minus the validation split (no test metrics). */
export interface SelectionPhase {
  readonly runDir: string;
  readonly epochs: number;
  readonly steps: number;
  /** 1-based epoch of the best validation evaluation: what the refit's length is computed from. */
  readonly bestEpoch: number;
  readonly stopped: StopRequest | null;
  readonly validation: EvalMetrics | null;
  readonly validationSplit: number;
  readonly trainImages: number;
}

/** What the summary adds under `refit`: the mode, the selection phase and the refit's length. */
export interface RefitReport {
  readonly mode: RefitMode;
  readonly selection: SelectionPhase;
  /** Epochs the refit phase trains on all the training data (train + validation). */
  readonly epochs: number;
  /** Images per refit epoch. */
  readonly trainImages: number;
  /** 'steps' only: the optimizer steps to match (selection's steps through its best epoch). */
  readonly targetSteps?: number;
  /** 'continue' only: the model the refit starts from (the selection phase's export). */
  readonly startWeights?: string;
}

/** A run summary (of the refit phase: its test metrics are the final model's) with the refit report. */
export interface RefitSummary extends RunSummary {
  readonly refit: RefitReport;
}

/** File in the run directory with the selection phase's outcome, written before the refit starts (resume reads it). */
export const SELECTION_FILE = 'selection.json';
/** Sub-directory of the run directory the refit phase trains in. */
export const REFIT_DIR = 'refit';

/** Early stopping's `refit` option in a resolved config (false when early stopping is off or refit is not set). */
export function refitMode(config: TricksterConfig): RefitMode | false {
  const raw = (config.plugins as Record<string, unknown>)[EARLY_STOPPING];
  if (raw === undefined || raw === false) return false;
  return earlyStoppingSchema.parse(raw === true || raw === null ? {} : raw).refit;
}

/**
 * Epochs of the refit phase on all n images, from the selection phase's best epoch e* and its
 * validation fraction v (n·(1 − v) images trained): 'epochs' e*; 'steps' round(e*·(1 − v)), the
 * epochs whose optimizer steps match e* epochs on the smaller split; 'continue' round(e*·v), the
 * epochs that add the e*·n·v images the validation split kept out, so the model has seen e*·n
 * images in all. Never fewer than 1.
 */
export function refitEpochs(mode: RefitMode, bestEpoch: number, validationSplit: number): number {
  if (mode === 'epochs') return bestEpoch;
  const scaled = mode === 'steps' ? bestEpoch * (1 - validationSplit) : bestEpoch * validationSplit;
  return Math.max(1, Math.round(scaled));
}

/** The refit phase's config: the same run on all the training data (no validation split), `epochs` long, early stopping off. */
export function refitConfig(config: TricksterConfig, epochs: number): TricksterConfig {
  return {
    ...config,
    data: { ...config.data, validationSplit: 0 },
    training: { ...config.training, epochs },
    plugins: { ...config.plugins, [EARLY_STOPPING]: false },
  };
}

/** A plugin that puts the weights of an exported model into the refit model at setup ('continue'). */
function startFrom(modelJson: string): TricksterPlugin {
  const name = 'refit-start-weights';
  return {
    name,
    apply(host: PluginHost) {
      host.hooks.setup.tapPromise({ name, stage: -100 }, async () => {
        const saved = await loadModelFromDir(modelJson);
        try {
          assignAll(allVariables(host.model), allVariables(saved), `the selection phase's weights (${modelJson})`);
        } finally {
          saved.dispose();
        }
      });
    },
  };
}

async function fitAndDispose(trainer: Trainer): Promise<{ summary: RunSummary; config: TricksterConfig; trainImages: number }> {
  try {
    const summary = await trainer.fit();
    return { summary, config: trainer.config, trainImages: trainer.data.trainCount };
  } finally {
    trainer.dispose();
  }
}

/** Refuses a refit whose all-data phase would still hold out a validation split (another plugin acts on metrics). */
async function checkRefitConfig(resolved: ResolvedConfig, options: CreateTrainerOptions): Promise<void> {
  if (refitMode(resolved.config) === 'continue' && options.exportModel === false) {
    throw new ConfigError(`plugins.${EARLY_STOPPING}.refit: 'continue' starts from the selection phase's exported model; drop exportModel: false or use refit: 'epochs'`);
  }
  const probe = await createTrainer({ ...resolved, config: refitConfig(resolved.config, 1) }, { ...options, resume: false, plugins: [], logger: silentLogger });
  const held = probe.config.data.validationSplit;
  probe.dispose();
  if (held > 0) {
    const others = Object.entries(resolved.config.plugins).filter(([n, o]) => n !== EARLY_STOPPING && o !== false).map(([n]) => n);
    throw new ConfigError(
      `plugins.${EARLY_STOPPING}.refit: the refit trains on all the data, without a validation split, but another plugin acts on validation metrics (one of: ${others.join(', ')}); switch it off or set refit: false`,
    );
  }
}

/**
 * Trains `resolved` as `trickster train` does. With early stopping's `refit` set, in two phases:
 * the early-stopped run in `outDir` selects the length on its validation split (the test split
 * plays no part), then the refit phase trains on all the training data in `outDir/refit` for the
 * length `refitEpochs` gives; the returned summary is the refit phase's (its test metrics are the
 * final model's) with the `refit` report. Resume continues whichever phase was running. Plugin
 * instances in `options.plugins` are applied to both phases' trainers.
 */
export async function trainWithRefit(resolved: ResolvedConfig, options: CreateTrainerOptions = {}): Promise<RunSummary | RefitSummary> {
  const mode = refitMode(resolved.config);
  if (!mode) return (await fitAndDispose(await createTrainer(resolved, options))).summary;
  await checkRefitConfig(resolved, options);
  const resumedSelection = options.resume && options.outDir ? path.join(path.resolve(options.outDir), SELECTION_FILE) : undefined;
  let selection: SelectionPhase;
  let outDir: string;
  if (resumedSelection && existsSync(resumedSelection)) {
    outDir = path.dirname(resumedSelection);
    selection = JSON.parse(readFileSync(resumedSelection, 'utf8')) as SelectionPhase;
  } else {
    const first = await createTrainer(resolved, options);
    outDir = first.options.outDir;
    const { summary, config, trainImages } = await fitAndDispose(first);
    const bestEpoch = summary.plugins[EARLY_STOPPING]?.bestEpoch as number;
    if (!(bestEpoch > 0)) {
      throw new NumericError(`plugins.${EARLY_STOPPING}.refit: no validation evaluation was finite, so there is no best epoch to refit for; lower optimizer.lr and start a new run`);
    }
    const { runDir, epochs, steps, stopped, validation } = summary;
    selection = { runDir, epochs, steps, bestEpoch, stopped, validation, validationSplit: config.data.validationSplit, trainImages };
    writeFileSync(path.join(outDir, SELECTION_FILE), `${JSON.stringify(selection, null, 2)}\n`);
  }
  const epochs = refitEpochs(mode, selection.bestEpoch, selection.validationSplit);
  const refitDir = path.join(outDir, REFIT_DIR);
  const startWeights = mode === 'continue' ? path.join(outDir, 'model', 'model.json') : undefined;
  const second = await createTrainer(
    { ...resolved, config: refitConfig(resolved.config, epochs) },
    {
      ...options,
      outDir: refitDir,
      resume: options.resume === true && existsSync(path.join(refitDir, 'config.json')),
      plugins: [...(options.plugins ?? []), ...(startWeights ? [startFrom(startWeights)] : [])],
    },
  );
  const { summary, trainImages } = await fitAndDispose(second);
  const targetSteps = mode === 'steps' ? (selection.bestEpoch * selection.steps) / selection.epochs : undefined;
  return { ...summary, refit: { mode, selection, epochs, trainImages, targetSteps, startWeights } };
}
