import type { ErrorCode } from '../../core/errors.js';
import { mixupCutmixClaim, labelSmoothingClaim, randomErasingClaim } from '../helpers/contract-claims-batch.js';
import { distillationClaim, gradientAccumulationClaim, larcClaim } from '../helpers/contract-claims-grad.js';
import { lrScheduleClaim, swaClaim } from '../helpers/contract-claims-lr.js';
import { earlyStoppingClaim, plateauClaim } from '../helpers/contract-claims-metrics.js';
import { floodingClaim } from '../helpers/contract-claims-flooding.js';
import { emaClaim, fixresClaim, noBiasDecayClaim, preciseBnClaim } from '../helpers/contract-claims-weights.js';
import { pluginConfig, type Claim } from '../helpers/contract-run.js';

/** How the plugin contract runs one built-in plugin (test/plugins/contract-*.test.ts). */
export interface CanonicalSetting {
  /** Options as a config gives them (lr-schedule: the `schedule` section). */
  readonly options: Record<string, unknown>;
  /** Config the plugin needs beside its options, merged over the contract's base config. */
  readonly config?: Record<string, unknown>;
  /** What the plugin provably changes in a short run with these settings. */
  readonly claim: Claim;
  /** Options for runs that must last their planned epochs (the leak check): no early stop. */
  readonly longRunOptions?: Record<string, unknown>;
  /** Micro-batches per optimizer step (gradient accumulation), to size runs in optimizer steps. */
  readonly microBatchesPerStep?: number;
  /** Error code an explicit replica count > 1 is refused with (plugins that need the whole batch in one thread). */
  readonly refusesReplicas?: ErrorCode;
}

/** Per-epoch evaluation needs a validation split (plugins that select on metrics). */
const validation = { data: { limit: 160, validationSplit: 0.2 } };

/** Teacher path placeholder; contract tests put a teacher trained in beforeAll in its place. */
export const TEACHER_PLACEHOLDER = '<RUN_DIR>/model/model.json';

/**
 * The canonical settings of every built-in plugin, chosen so that its effect shows in a run of a
 * few steps: top-1 can never improve by more than 1, so early stopping with minDelta 1 stops at
 * the second evaluation and the plateau rule with an absolute threshold of 1 halves the rate at
 * every evaluation after the first.
 */
export const canonicalSettings: Record<string, CanonicalSetting> = {
  'lr-schedule': { options: { name: 'cosine', minFactor: 0, warmup: { epochs: 1, startFactor: 0.1 } }, claim: lrScheduleClaim },
  ema: { options: { decay: 0.9, warmup: false, every: 1, evaluate: true, export: true }, claim: emaClaim },
  swa: { options: { start: 1, every: 1, lr: 0.05, annealEpochs: 0 }, config: { training: { epochs: 3 } }, claim: swaClaim },
  'precise-bn': { options: { batches: 3, when: 'epoch' }, config: validation, claim: preciseBnClaim },
  'gradient-accumulation': { options: { steps: 2 }, claim: gradientAccumulationClaim, microBatchesPerStep: 2 },
  larc: { options: { trustCoefficient: 0.02, clip: true, eps: 1e-8, excludeBiasAndNorm: false }, claim: larcClaim },
  'early-stopping': {
    options: { monitor: 'top1', patience: 1, minDelta: 1, restoreBestWeights: true },
    config: { ...validation, training: { epochs: 4 } },
    claim: earlyStoppingClaim,
    longRunOptions: { monitor: 'val_loss', patience: 1000, minDelta: 0, restoreBestWeights: true },
  },
  'reduce-lr-on-plateau': {
    options: { monitor: 'top1', factor: 0.5, patience: 0, threshold: 1, thresholdMode: 'abs', cooldown: 0, minLr: 0, eps: 1e-8 },
    config: { ...validation, training: { epochs: 3 } },
    claim: plateauClaim,
  },
  // FixRes at 36 px for Fashion-MNIST's 28 px (ratio ~1.3, as the FixRes paper's 224 → 288); it
  // evaluates at another size, so the head must pool globally.
  fixres: { options: { testSize: 36, epochs: 1, lr: 1e-3, batches: 2 }, config: { model: { name: 'small-cnn', head: 'gap' } }, claim: fixresClaim },
  distillation: { options: { teacher: TEACHER_PLACEHOLDER, temperature: 5, alpha: 0.5 }, claim: distillationClaim, refusesReplicas: 'CONFIG_INVALID' },
  'label-smoothing': { options: { epsilon: 0.1 }, claim: labelSmoothingClaim },
  'mixup-cutmix': { options: { mixupAlpha: 0.2, cutmixAlpha: 1.0, switchProb: 0.5, prob: 1.0 }, claim: mixupCutmixClaim },
  'random-erasing': { options: { probability: 0.5, areaRange: [0.02, 1 / 3], aspectRange: [0.3, 3.3], value: 0 }, claim: randomErasingClaim },
  // A large decay, so that the decay term of one step stands far above float32 rounding.
  'no-bias-decay': { options: {}, config: { optimizer: { weightDecay: 0.01 } }, claim: noBiasDecayClaim },
  // A level inside the loss's range over the first steps (2.57 at the first, about 1.2 by the 8th
  // without flooding at lr 0.02; the base lr 0.1 overshoots to losses above 5 on 128 images), so the
  // run has micro-batches on both sides of it.
  flooding: { options: { level: 2.0 }, config: { optimizer: { lr: 0.02 } }, claim: floodingClaim },
};

/**
 * The contract config of built-in plugin `name` with its canonical settings (`teacher` in place of
 * the placeholder, `long` for longRunOptions), `last` merged on top.
 */
export function canonicalConfig(name: string, { teacher = '', long = false, last = {} }: { teacher?: string; long?: boolean; last?: Record<string, unknown> } = {}): Record<string, unknown> {
  const s = canonicalSettings[name]!;
  const options = long && s.longRunOptions ? s.longRunOptions : s.options;
  return pluginConfig(name, options.teacher === TEACHER_PLACEHOLDER ? { ...options, teacher } : options, s.config, last);
}
