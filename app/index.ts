/**
 * trickster's public API: build a trainer from a config (object or preset), run it, and write
 * plugins against the hooks.
 */
import 'reflect-metadata';

export { createTrainer, type CreateTrainerOptions, type TrainerConfigInput } from './create-trainer.js';
export { Trainer, type RunSummary, type RunOptions } from '../core/trainer.js';
export { resolveConfig, type ResolveOptions, type ResolvedConfig } from '../core/config/load.js';
export type { TricksterConfig, TricksterConfigInput } from '../core/config/schema.js';
export type { PluginHost, TricksterPlugin, RandomStream } from '../core/plugin.js';
export type * from '../core/contexts.js';
export { createHooks, type TrainerHooks } from '../core/hooks.js';
export { STAGE } from '../core/hook-stages.js';
export { HyperParams } from '../core/hyper-params.js';
export { useBackend, type BackendChoice } from '../core/backends/resolve.js';
export { saveModelToDir, loadModelFromDir } from '../core/model-io.js';
export { evaluateExportedModel } from '../core/evaluate-model.js';
export * from '../core/errors.js';
export { definePlugin, type PluginDefinition } from '../core/plugin-definition.js';
