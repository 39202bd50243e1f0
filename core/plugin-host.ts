import type * as tf from '@tensorflow/tfjs';
import type { TricksterConfig } from './config/schema.js';
import type { Position } from './contexts.js';
import { PluginConflictError } from './errors.js';
import type { Evaluator } from './evaluation.js';
import type { TrainerHooks } from './hooks.js';
import type { HyperParams } from './hyper-params.js';
import type { Logger } from './logger.js';
import type { PluginHost, RandomStream } from './plugin.js';
import type { RandomStreams } from './random-streams.js';
import type { TrainingData } from './training-data.js';

/**
 * What plugins declare to the kernel through the host: micro-batches per step, who acts on
 * validation metrics, the final input size, and the summary's per-plugin reports.
 */
export class PluginDeclarations {
  microBatchesPerStep = 1;
  private microBatchOwner: string | undefined;
  /** Plugins that act on evaluation metrics, in the order they asked. */
  readonly validationUsers: string[] = [];
  finalInputSize: number | undefined;
  private finalInputOwner: string | undefined;
  readonly reports: Record<string, Record<string, unknown>> = {};

  /** Records the micro-batch count; a second owner is refused. */
  setMicroBatchesPerStep(owner: string, count: number): void {
    if (this.microBatchOwner && this.microBatchOwner !== owner) {
      throw new PluginConflictError(`plugins "${this.microBatchOwner}" and "${owner}" both set micro-batches per step`);
    }
    this.microBatchOwner = owner;
    this.microBatchesPerStep = count;
  }

  /** Records the final input size; a second owner is refused. */
  setFinalInputSize(owner: string, size: number): void {
    if (this.finalInputOwner && this.finalInputOwner !== owner) {
      throw new PluginConflictError(`plugins "${this.finalInputOwner}" and "${owner}" both set the final input size`);
    }
    this.finalInputOwner = owner;
    this.finalInputSize = size;
  }
}

/** The trainer's parts a plugin host reads, each when a plugin asks (they exist only while fit() runs). */
export interface HostParts {
  readonly hooks: TrainerHooks;
  readonly hyper: HyperParams;
  readonly logger: Logger;
  readonly config: () => TricksterConfig;
  readonly model: () => tf.LayersModel;
  readonly data: () => TrainingData;
  readonly position: () => Position;
  readonly stepsPerEpoch: () => number;
  readonly batchesPerEpoch: () => number;
  readonly rng: RandomStreams;
  readonly evaluator: Evaluator;
  readonly declarations: PluginDeclarations;
  readonly reviseEpochs: (owner: string, epochs: number) => void;
}

/** The narrow view of the trainer that plugins get: hooks, services and setters, never the loop's internals. */
export function createPluginHost(parts: HostParts): PluginHost {
  const { declarations } = parts;
  return {
    hooks: parts.hooks,
    hyper: parts.hyper,
    logger: parts.logger,
    get config() {
      return parts.config();
    },
    get model() {
      return parts.model();
    },
    get position() {
      return parts.position();
    },
    get stepsPerEpoch() {
      return parts.stepsPerEpoch();
    },
    get batchesPerEpoch() {
      return parts.batchesPerEpoch();
    },
    setMicroBatchesPerStep: (owner, count) => declarations.setMicroBatchesPerStep(owner, count),
    get microBatchesPerStep() {
      return declarations.microBatchesPerStep;
    },
    requireValidation: (plugin) => {
      if (!declarations.validationUsers.includes(plugin)) declarations.validationUsers.push(plugin);
    },
    get hasValidation() {
      return parts.data().validationCount > 0;
    },
    setFinalInputSize: (owner, size) => declarations.setFinalInputSize(owner, size),
    random: (stream): RandomStream => parts.rng.get(stream),
    trainBatches: (epoch, o) => parts.data().trainBatches(epoch, parts.config().training.batchSize, o),
    get normalization() {
      return parts.data().stats;
    },
    get numClasses() {
      return parts.data().numClasses;
    },
    evaluate: (o) => parts.evaluator.evaluate(o),
    report: (plugin, key, value) => {
      (declarations.reports[plugin] ??= {})[key] = value;
    },
    reviseEpochs: (owner, epochs) => parts.reviseEpochs(owner, epochs),
  };
}
