/**
 * trickster's public API: build a trainer from a config (object or preset), run it, and write
 * plugins against the hooks.
 */
import 'reflect-metadata';

export { createTrainer, type CreateTrainerOptions, type TrainerConfigInput } from './create-trainer.js';
export { trainWithRefit, type RefitSummary, type RefitReport } from './refit.js';
export { trainWithTimeBudget, planTimeBudget, type BudgetSummary, type TimeBudgetPlan } from './time-budget.js';
export { Trainer, type RunSummary, type RunOptions } from '../core/trainer.js';
export { resolveConfig, type ResolveOptions, type ResolvedConfig } from '../core/config/load.js';
export type { TricksterConfig, TricksterConfigInput } from '../core/config/schema.js';
export type { PluginHost, TricksterPlugin, RandomStream, RunSize, EndOfRunWork } from '../core/plugin.js';
export type * from '../core/contexts.js';
export { createHooks, type TrainerHooks } from '../core/hooks.js';
export { STAGE } from '../core/hook-stages.js';
export { HyperParams } from '../core/hyper-params.js';
export { useBackend, type BackendChoice } from '../core/backends/resolve.js';
export { saveModelToDir, loadModelFromDir } from '../core/model-io.js';
export { evaluateExportedModel } from '../core/evaluate-model.js';
export { loadClassifier, Classifier, type Prediction, type PredictInput, type PredictOptions, type ClassProbability } from '../core/predict/classifier.js';
export { TTA_MODES, type TtaMode } from '../core/tta.js';
export { findLearningRate, type FindLrOptions, type LrFindResult } from './lr-find.js';
export { diagnoseRun, type Diagnosis, type DiagnosisId, type RunCurves } from '../core/diagnosis/index.js';
export { readRunCurves } from '../core/diagnosis/read-run.js';
export { writeReport, type ReportOptions, type WrittenReport } from './report/write-report.js';
export * from '../core/errors.js';
export { definePlugin, type PluginDefinition } from '../core/plugin-definition.js';

// The built-in plugins, to construct in code; each constructor validates its options as a config entry is.
export { DistillationPlugin } from '../plugins/distillation/index.js';
export { EarlyStoppingPlugin } from '../plugins/early-stopping/index.js';
export { EmaPlugin } from '../plugins/ema/index.js';
export { FixResPlugin } from '../plugins/fixres/index.js';
export { FloodingPlugin } from '../plugins/flooding/index.js';
export { GradientAccumulationPlugin } from '../plugins/gradient-accumulation/index.js';
export { LabelSmoothingPlugin } from '../plugins/label-smoothing/index.js';
export { LarcPlugin } from '../plugins/larc/index.js';
export { LrSchedulePlugin } from '../plugins/lr-schedule/index.js';
export { MixupCutmixPlugin } from '../plugins/mixup-cutmix/index.js';
export { NoBiasDecayPlugin } from '../plugins/no-bias-decay/index.js';
export { PreciseBnPlugin } from '../plugins/precise-bn/index.js';
export { RandomErasingPlugin } from '../plugins/random-erasing/index.js';
export { ReduceLrOnPlateauPlugin } from '../plugins/reduce-lr-on-plateau/index.js';
export { SwaPlugin } from '../plugins/swa/index.js';
