/**
 * Canonical settings per built-in plugin: the options one smoke run of every plugin uses.
 * Each plugin's owner adds an entry (plugin name → options as a config would give them).
 */
export const canonicalSettings: Record<string, unknown> = {
  'gradient-accumulation': { steps: 2 },
  larc: { trustCoefficient: 0.02, clip: true, eps: 1e-8, excludeBiasAndNorm: false },
  'early-stopping': { monitor: 'val_loss', patience: 10, minDelta: 0, restoreBestWeights: false },
  'reduce-lr-on-plateau': { monitor: 'val_loss', factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: 'rel', cooldown: 0, minLr: 0, eps: 1e-8 },
  ema: { decay: 0.9999, warmup: false, every: 1, evaluate: true, export: true },
  swa: { start: 0.75, every: 1, lr: null, annealEpochs: 0 },
  'precise-bn': { batches: 200, when: 'epoch' },
  // FixRes at 36 px for Fashion-MNIST's 28 px (ratio ~1.3, as the FixRes paper's 224 → 288).
  fixres: { testSize: 36, epochs: 2, lr: 1e-3 },
  // The teacher must be an exported model that exists when the run starts (validate checks the
  // file). The smoke test provides it: export a short teacher run first (e.g. trainSubset with
  // { model: { name: 'resnet20', width: 0.5 } }) and replace this placeholder by
  // path.join(summary.runDir, 'model', 'model.json') before running the distillation entry.
  distillation: { teacher: '<RUN_DIR>/model/model.json', temperature: 5, alpha: 0.5 },
  'label-smoothing': { epsilon: 0.1 },
  'mixup-cutmix': { mixupAlpha: 0.2, cutmixAlpha: 1.0, switchProb: 0.5, prob: 1.0 },
  'random-erasing': { probability: 0.25, areaRange: [0.02, 1 / 3], aspectRange: [0.3, 3.3], value: 0 },
  'no-bias-decay': {},
};
