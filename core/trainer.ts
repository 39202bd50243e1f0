import * as tf from '@tensorflow/tfjs';
import { inject, injectable, injectAll } from 'tsyringe';
import type { TricksterConfig } from './config/schema.js';
import type { Batch, EvalMetrics, Position, StopRequest } from './contexts.js';
import type { HostBatch } from './data/types.js';
import { explainBackendFailure } from './backend-failure.js';
import { metricFields, metricText } from './epoch-log.js';
import { NumericError, PluginConflictError } from './errors.js';
import { Evaluator, evaluateEpoch, evaluateFinal } from './evaluation.js';
import { assertFiniteWeights } from './finite-weights.js';
import { createHooks, type RunContext } from './hooks.js';
import { HyperParams } from './hyper-params.js';
import { runMicroBatch } from './micro-batch-step.js';
import type { Logger } from './logger.js';
import { buildModel } from './models/index.js';
import { saveModelToDir } from './model-io.js';
import { NumericGuard } from './numeric-guard.js';
import { createOptimizer } from './optim/index.js';
import type { Optimizer } from './optim/types.js';
import { dataParallelStep } from './parallel/data-parallel-step.js';
import type { ReplicaPool } from './parallel/replica-pool.js';
import { startReplicas } from './parallel/start-replicas.js';
import type { TricksterPlugin } from './plugin.js';
import { createPluginHost, PluginDeclarations } from './plugin-host.js';
import { RandomStreams } from './random-streams.js';
import { checkResumeConfig, checkResumeEpochs, checkResumeRecord, finishedRun } from './resume-check.js';
import type { RunOptions, RunSummary } from './run-summary.js';
import { machineFacts } from './machine.js';
import { RunDir, type RunRecord } from './run-dir.js';
import { recordDivergence, RunLogs } from './run-logs.js';
import { TOKENS } from './tokens.js';
import type { TrainingData, TrainingDataProvider } from './training-data.js';
import { restoreTrainerState, saveTrainerState } from './trainer-state.js';
import { lossAndGradients, stepVariables, type StepVariables } from './step-variables.js';
import { withValidationHoldout } from './validation-holdout.js';

export type { RunOptions, RunSummary } from './run-summary.js';

/**
 * The trainer kernel: runs the loop, owns the tensors, and lets plugins change what happens
 * through its hooks (stages: core/hook-stages.ts). The loop, with the hooks where they fire:
 *
 * ```
 * hooks.validate(activePlugins); hold out a validation split if a plugin acts on metrics
 * load data; build model, optimizer, replicas; hooks.setup(run)
 * if resuming: check the config against the run's, restore weights, optimizer, rng; hooks.loadState
 * for epoch in start..epochs:
 *   await hooks.beforeEpoch(epoch)
 *   for each host batch: batch = hooks.batch(batch); hooks.beforeStep(step)
 *     loss, grads = tape { hooks.loss(CE(targets, model(batch.x))) }   // shards over replicas
 *     watch loss and grads for NaN/Inf (device-side; read every few steps, asynchronously)
 *     grads = hooks.afterBackward(grads, loss)
 *     if hooks.shouldApplyGradients(step) !== false: optimizer step; hooks.afterOptimizerStep
 *     hooks.afterStep(step, loss)
 *   settle the NaN watch (throws NUMERIC_INSTABILITY); await hooks.afterEpoch(epoch)
 *   epochs = as a plugin revised them (host.reviseEpochs; config.json rewritten)
 *   if validation split (or training.testEachEpoch): beforeEval; evaluate; afterEval(validation metrics)
 *   log the epoch; metrics line, live diagnosis (run-logs.ts); hooks.saveState(bag); write checkpoint atomically
 *   if hooks.shouldStop(epoch) returns a request: stop
 * await hooks.afterTrain(run)
 * test split, once: beforeEval/afterEval (phase 'final', no metrics for plugins); export if finite
 * trainer.dispose(): hooks.dispose()
 * ```
 */
@injectable()
export class Trainer {
  readonly hooks = createHooks();
  readonly hyper: HyperParams;
  private current: TricksterConfig;
  private epochsOwner: string | undefined;
  private readonly holdoutNote: string | null;
  private modelRef: tf.LayersModel | undefined;
  private optimizer: Optimizer | undefined;
  private dataRef: TrainingData | undefined;
  private readonly rng: RandomStreams;
  private readonly declared = new PluginDeclarations();
  private readonly evaluator: Evaluator;
  private readonly guard = new NumericGuard();
  private pos = { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0 };
  private replicaPool: ReplicaPool | undefined;
  private replicas = 1;

  constructor(
    @inject(TOKENS.config) config: TricksterConfig,
    @inject(TOKENS.runOptions) readonly options: RunOptions,
    @inject(TOKENS.logger) readonly logger: Logger,
    @inject(TOKENS.data) private readonly dataProvider: TrainingDataProvider,
    @injectAll(TOKENS.plugins) readonly plugins: TricksterPlugin[],
  ) {
    this.current = config;
    this.hyper = new HyperParams(config.optimizer.lr, config.optimizer.weightDecay);
    this.rng = new RandomStreams(config.training.seed);
    const twice = plugins.find((p, i) => plugins.findIndex((q) => q.name === p.name) !== i);
    if (twice) throw new PluginConflictError(`plugin "${twice.name}" is registered twice; keep one entry in plugins`);
    this.evaluator = new Evaluator({ data: () => this.data, trainedModel: () => this.model, replicas: () => this.replicaPool, batchSize: config.training.evalBatchSize });
    const host = createPluginHost({
      ...{ hooks: this.hooks, hyper: this.hyper, logger, rng: this.rng, evaluator: this.evaluator, declarations: this.declared },
      ...{ config: () => this.config, model: () => this.model, data: () => this.data, position: () => this.position },
      ...{ stepsPerEpoch: () => this.stepsPerEpoch, batchesPerEpoch: () => this.batchesPerEpoch },
      reviseEpochs: (owner, epochs) => this.reviseEpochs(owner, epochs),
    });
    for (const p of plugins) p.apply(host);
    ({ config: this.current, note: this.holdoutNote } = withValidationHoldout(config, this.declared.validationUsers));
  }

  /** The config the run trains with (a validation split held out when a plugin acts on metrics; training.epochs as last revised). */
  get config(): TricksterConfig {
    return this.current;
  }

  /** PluginHost.reviseEpochs: one owner; at least the epochs completed plus the current one. */
  private reviseEpochs(owner: string, epochs: number): void {
    if (this.epochsOwner && this.epochsOwner !== owner) {
      throw new PluginConflictError(`plugins "${this.epochsOwner}" and "${owner}" both revise the run's epochs; keep one of them`);
    }
    const least = this.pos.epoch + 1;
    if (!Number.isInteger(epochs) || epochs < least) {
      throw new PluginConflictError(`plugin "${owner}" revised the run to ${epochs} epochs during epoch ${least}; the run can end after epoch ${least} at the earliest (a whole number)`);
    }
    this.epochsOwner = owner;
    this.current = { ...this.current, training: { ...this.current.training, epochs } };
  }

  /** The model (built when fit starts). */
  get model(): tf.LayersModel {
    if (!this.modelRef) throw new Error('the model is built when fit() starts; use it from the setup hook on');
    return this.modelRef;
  }

  /** The run's data (loaded when fit starts). */
  get data(): TrainingData {
    if (!this.dataRef) throw new Error('the data is loaded when fit() starts; use it from the setup hook on');
    return this.dataRef;
  }

  /** Current counters. */
  get position(): Position {
    return { ...this.pos };
  }

  /** Trains, evaluates, checkpoints and exports; returns the run summary. Writes nothing before the inputs are checked. */
  async fit(): Promise<RunSummary> {
    const started = Date.now();
    const warnings: string[] = [];
    const active = this.plugins.map((p) => p.name);
    this.hooks.validate.call({ plugins: active, has: (n) => active.includes(n), warn: (m) => warnings.push(m) });
    for (const w of warnings) this.logger.warn(w);
    if (this.holdoutNote) this.logger.info(this.holdoutNote);
    const runDir = new RunDir(this.options.outDir);
    const previous = this.options.resume ? runDir.readPrevious() : undefined;
    if (previous) checkResumeConfig(this.options.outDir, previous.config, this.config);
    else runDir.assertNoRun();
    this.dataRef = await this.dataProvider.load(this.config);
    try {
      const finished = previous ? finishedRun(runDir, this.config) : null;
      if (finished) {
        this.logger.info(finished.note);
        return finished.summary;
      }
      this.modelRef = buildModel({ ...this.config.model, seed: this.config.training.seed }, this.data.inputShape, this.data.numClasses);
      this.optimizer = createOptimizer(this.config.optimizer);
      const { inputShape: input, numClasses } = this.data;
      const lossTaps = this.hooks.loss.taps.map((t) => t.name);
      ({ count: this.replicas, pool: this.replicaPool } = await startReplicas({ config: this.config, model: this.model, input, numClasses, lossTaps, logger: this.logger }));
      const { preset, configDir, backend } = this.options;
      const initialLoss = lossTaps.length === 0 ? Math.log(numClasses) : null;
      const record: RunRecord = { preset: preset ?? previous?.record?.preset ?? null, replicas: this.replicas, dataDir: this.data.dir, configDir: configDir ?? null, backend, initialLoss };
      if (previous?.record) checkResumeRecord(this.options.outDir, previous.record, record);
      return await this.trainAndEvaluate(runDir, record, previous !== undefined, started);
    } catch (err) {
      if (err instanceof NumericError) recordDivergence(this.options.outDir, err, this.position, this.hyper.lr);
      throw explainBackendFailure(err, { batchSize: this.config.training.batchSize, backend: this.options.backend });
    } finally {
      await this.replicaPool?.close();
      this.replicaPool = undefined;
      await this.dataRef.close();
    }
  }

  /** The run once model, optimizer and replicas exist: setup, resume, the epochs, final evaluation, export. */
  private async trainAndEvaluate(runDir: RunDir, record: RunRecord, resume: boolean, started: number): Promise<RunSummary> {
    const { config } = this;
    let epochs = config.training.epochs;
    const run: RunContext = { epochs, stepsPerEpoch: this.stepsPerEpoch };
    if (!resume) runDir.writeConfig(config, record);
    await this.hooks.setup.promise(run);
    let startEpoch = 0;
    if (resume) {
      startEpoch = restoreTrainerState(runDir.checkpointFile, this.stateParts());
      checkResumeEpochs(this.options.outDir, config, startEpoch);
      runDir.writeConfig(config, record);
      this.logger.info(`resumed from ${runDir.checkpointFile} after epoch ${startEpoch}`);
    }
    const logs = new RunLogs({ dir: this.options.outDir, hooks: this.hooks, logger: this.logger, config, lr: () => this.hyper.lr, started, completedEpochs: startEpoch, initialLoss: record.initialLoss ?? null });
    let stopped: StopRequest | null = null;
    let validation: EvalMetrics | null = null;
    let trainedImages = 0;
    let trainSeconds = 0;
    for (let epoch = startEpoch; epoch < epochs && !stopped; epoch++) {
      this.pos = { ...this.pos, epoch, batchInEpoch: 0 };
      await this.hooks.beforeEpoch.promise({ ...this.position, epochs });
      const t0 = Date.now();
      const { meanLoss, images } = await this.trainEpoch(epoch);
      const seconds = (Date.now() - t0) / 1000;
      trainSeconds += seconds;
      trainedImages += images;
      await this.hooks.afterEpoch.promise({ ...this.position, epochs, trainLoss: meanLoss });
      epochs = this.followRevisedEpochs(epochs, runDir, record);
      const evals = await evaluateEpoch(this.hooks, this.evaluator, this.position, { validation: this.data.validationCount > 0, test: config.training.testEachEpoch });
      validation = evals.validation ?? null;
      this.logger.info(`epoch ${epoch + 1}/${epochs}  train loss ${meanLoss.toFixed(4)}${metricText('val', evals.validation)}${metricText('test', evals.test)}`);
      logs.endEpoch({ epoch: epoch + 1, step: this.pos.step, lr: this.hyper.lr, trainLoss: meanLoss, ...metricFields('val', evals.validation), ...metricFields('test', evals.test), imgPerSec: images / Math.max(seconds, 1e-9) });
      this.pos = { ...this.pos, epoch: epoch + 1, batchInEpoch: 0 };
      await saveTrainerState(runDir.checkpointFile, this.stateParts());
      stopped = this.hooks.shouldStop.call({ ...this.position, epoch, epochs }) ?? null;
      if (stopped) this.logger.info(`stopped by ${stopped.plugin} after epoch ${epoch + 1}: ${stopped.reason}`);
    }
    await this.hooks.afterTrain.promise({ ...run, epochs });
    const inputSize = this.declared.finalInputSize ?? this.data.inputShape.height;
    const final = await evaluateFinal(this.hooks, this.evaluator, this.position, inputSize === this.data.inputShape.height ? undefined : inputSize);
    if (this.options.exportModel !== false) {
      await assertFiniteWeights(this.model, 'no model was exported. Lower optimizer.lr or add a warmup, and resume from the last checkpoint');
      const { inputShape, name, classNames, stats } = this.data;
      await saveModelToDir(this.model, runDir.modelDir, { dataset: name, classNames, inputShape: { ...inputShape, height: inputSize, width: inputSize }, normalization: stats, seed: config.training.seed });
    }
    const { backend, outDir } = this.options;
    const summary = { backend, preset: record.preset, model: config.model.name, replicas: this.replicas, epochs: this.pos.epoch, steps: this.pos.step };
    const test = { top1: final.top1, top5: final.top5, testLoss: final.loss, inputSize, validation };
    const speed = { imgPerSec: trainedImages / Math.max(trainSeconds, 1e-9), wallSeconds: (Date.now() - started) / 1000, machine: machineFacts() };
    const result = { ...summary, ...test, ...speed, runDir: outDir, stopped, plugins: this.declared.reports };
    runDir.writeSummary(result);
    return result;
  }

  /** The run's epochs after a plugin's revision (PluginHost.reviseEpochs); config.json records a change, so a resume continues it. */
  private followRevisedEpochs(epochs: number, runDir: RunDir, record: RunRecord): number {
    const revised = this.config.training.epochs;
    if (revised !== epochs) runDir.writeConfig(this.config, record);
    return revised;
  }

  /**
   * Releases the model, the optimizer state and what plugins hold (their `dispose` taps); call it
   * after fit(), whether it returned or threw.
   */
  dispose(): void {
    this.hooks.dispose.call();
    this.guard.dispose();
    this.optimizer?.dispose();
    this.modelRef?.dispose();
  }

  private get batchesPerEpoch(): number {
    return this.dataRef ? this.dataRef.batchesPerEpoch(this.config.training.batchSize) : 0;
  }

  private get stepsPerEpoch(): number {
    return Math.floor(this.batchesPerEpoch / this.declared.microBatchesPerStep);
  }

  private async trainEpoch(epoch: number): Promise<{ meanLoss: number; images: number }> {
    let lossSum: tf.Scalar = tf.scalar(0);
    let batches = 0;
    let images = 0;
    const limit = this.stepsPerEpoch * this.declared.microBatchesPerStep;
    const variables = stepVariables(this.model, this.replicaPool !== undefined);
    for await (const host of this.data.trainBatches(epoch, this.config.training.batchSize)) {
      if (batches >= limit) break;
      const loss = await this.trainStep(host, variables);
      const next = tf.add(lossSum, loss) as tf.Scalar;
      lossSum.dispose();
      loss.dispose();
      lossSum = next;
      batches += 1;
      images += host.size;
      if (this.config.training.checkFinite) await this.guard.poll();
      // Let the event loop turn between steps (IPC, signals, timers); a step alone is only microtasks, so
      // without this nothing else ran until the epoch ended (e.g. a trial noticed its parent gone only then).
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.config.training.checkFinite) await this.guard.settle();
    const meanLoss = batches > 0 ? (await lossSum.data())[0] / batches : NaN;
    lossSum.dispose();
    return { meanLoss, images };
  }

  /** One micro-batch: forward, loss, backward, maybe an optimizer step. Returns the loss (caller disposes). */
  private trainStep(host: HostBatch, { variables, stableName, layout }: StepVariables): Promise<tf.Scalar> {
    const pool = this.replicaPool;
    return runMicroBatch(
      {
        ...{ model: this.model, optimizer: this.optimizer!, hooks: this.hooks, hyper: this.hyper, numClasses: this.data.numClasses, pos: this.pos, variables },
        lossAndGradients: (batch, ctx) => {
          const local = (b: Batch) => lossAndGradients(this.model, this.hooks.loss, b, ctx, stableName);
          return pool ? dataParallelStep(layout!, batch, pool, local) : local(batch);
        },
        observe: this.config.training.checkFinite ? (loss, grads, ctx) => this.guard.observe(loss, grads, { epoch: ctx.epoch, step: ctx.step, lr: this.hyper.lr }) : undefined,
      },
      host,
    );
  }

  private stateParts() {
    return {
      model: this.model,
      optimizer: this.optimizer!,
      rng: this.rng,
      hooks: this.hooks,
      position: () => this.position,
      setPosition: (p: Position) => {
        this.pos = { ...p };
      },
    };
  }
}
