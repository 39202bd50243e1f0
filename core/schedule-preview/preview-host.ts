import type * as tf from '@tensorflow/tfjs';
import type { TricksterConfig } from '../config/schema.js';
import type { EvalMetrics, Position } from '../contexts.js';
import type { HostBatch } from '../data/types.js';
import type { ChannelStats } from '../data/normalize.js';
import { PluginConflictError, TricksterError } from '../errors.js';
import { createHooks } from '../hooks.js';
import { HyperParams } from '../hyper-params.js';
import type { Logger } from '../logger.js';
import type { PluginHost, RandomStream } from '../plugin.js';
import { RandomStreams } from '../random-streams.js';

/** What the schedule preview cannot give a plugin: it builds no model and reads no batches. */
function unavailable(member: string): TricksterError {
  return new TricksterError(
    'PREVIEW_UNSUPPORTED',
    `a plugin used host.${member} while the learning-rate preview replayed the schedule, which builds no model and reads no data; ` +
      'only validate, beforeStep and the host\'s hyper, config, position and counters are replayed (touch the model from setup on, not in apply or beforeStep)',
  );
}

/**
 * The plugin host of the learning-rate preview (`trickster schedule`): the kernel's hooks, the
 * one HyperParams service and the run's counters, as the trainer gives them, without a model or
 * data. The model, batches, evaluation and dataset facts throw a PREVIEW_UNSUPPORTED error.
 */
export class PreviewHost implements PluginHost {
  readonly hooks = createHooks();
  readonly hyper: HyperParams;
  /** The counters the replay advances exactly as the trainer's loop does. */
  readonly pos = { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0 };
  /** Micro-batches in one epoch; set once the training split's size is known. */
  batchesPerEpoch = 0;
  /** Micro-batches per optimizer step (gradient accumulation declares it). */
  microBatchesPerStep = 1;
  /** Plugins that act on evaluation metrics (the trainer then holds out a validation split). */
  readonly validationUsers: string[] = [];
  private microBatchOwner: string | undefined;
  private readonly rng: RandomStreams;

  constructor(
    readonly config: TricksterConfig,
    readonly logger: Logger,
  ) {
    this.hyper = new HyperParams(config.optimizer.lr, config.optimizer.weightDecay);
    this.rng = new RandomStreams(config.training.seed);
  }

  get position(): Position {
    return { ...this.pos };
  }

  get stepsPerEpoch(): number {
    return Math.floor(this.batchesPerEpoch / this.microBatchesPerStep);
  }

  setMicroBatchesPerStep(owner: string, count: number): void {
    if (this.microBatchOwner && this.microBatchOwner !== owner) {
      throw new PluginConflictError(`plugins "${this.microBatchOwner}" and "${owner}" both set micro-batches per step`);
    }
    this.microBatchOwner = owner;
    this.microBatchesPerStep = count;
  }

  requireValidation(plugin: string): void {
    if (!this.validationUsers.includes(plugin)) this.validationUsers.push(plugin);
  }

  random(stream: string): RandomStream {
    return this.rng.get(stream);
  }

  setFinalInputSize(): void {
    // The final evaluation's input size does not change any learning rate.
  }

  report(): void {
    // The preview writes no run summary.
  }

  get hasValidation(): boolean {
    throw unavailable('hasValidation');
  }
  get model(): tf.LayersModel {
    throw unavailable('model');
  }
  get normalization(): ChannelStats {
    throw unavailable('normalization');
  }
  get numClasses(): number {
    throw unavailable('numClasses');
  }
  trainBatches(): AsyncIterable<HostBatch> {
    throw unavailable('trainBatches');
  }
  evaluate(): Promise<EvalMetrics> {
    throw unavailable('evaluate');
  }
  reviseEpochs(): void {
    throw unavailable('reviseEpochs');
  }
}
