/**
 * trickster's public API: build a trainer from a config (object or preset), run it, and write
 * plugins against the hooks.
 */
import 'reflect-metadata';

export { createTrainer, type CreateTrainerOptions, type TrainerConfigInput } from './create-trainer.js';
export { Trainer, type RunSummary, type RunOptions } from './trainer.js';
export { resolveConfig, type ResolveOptions, type ResolvedConfig } from './config/load.js';
export type { TricksterConfig, TricksterConfigInput } from './config/schema.js';
export type { PluginHost, TricksterPlugin, RandomStream } from './plugin.js';
export type * from './contexts.js';
export { createHooks, type TrainerHooks } from './hooks.js';
export { HyperParams } from './hyper-params.js';
export { useBackend, type BackendChoice } from './backends/resolve.js';
export { saveModelToDir, loadModelFromDir } from './model-io.js';
export { evaluateExportedModel } from './evaluate-model.js';
export * from './errors.js';
export { definePlugin, type PluginDefinition } from '../plugins/types.js';
