import * as tf from '@tensorflow/tfjs';
import { inject, injectable, injectAll } from 'tsyringe';
import type { TricksterConfig } from './config/schema.js';
import type { Batch, EvalContext, EvalMetrics, GradientMap, Position, StepContext, StopRequest } from './contexts.js';
import type { HostBatch } from './data/types.js';
import { PluginConflictError } from './errors.js';
import { createHooks, type RunContext } from './hooks.js';
import { HyperParams } from './hyper-params.js';
import type { Logger } from './logger.js';
import { softCrossEntropy } from './losses.js';
import { MetricAccumulator } from './metrics.js';
import { buildModel } from './models/index.js';
import { saveModelToDir } from './model-io.js';
import { createOptimizer } from './optim/index.js';
import type { Optimizer } from './optim/types.js';
import { dataParallelStep, weightLayout, type LossAndGradients, type WeightLayout } from './parallel/data-parallel-step.js';
import { dataParallelLogits, weightArrays } from './parallel/data-parallel-logits.js';
import { ReplicaPool } from './parallel/replica-pool.js';
import { resolveReplicas } from './parallel/replica-count.js';
import type { PluginHost, RandomStream, TricksterPlugin } from './plugin.js';
import { RandomStreams } from './random-streams.js';
import { RunDir } from './run-dir.js';
import { disposeAll, disposeReplaced } from './tensor-ownership.js';
import { TOKENS } from './tokens.js';
import type { TrainingData, TrainingDataProvider } from './training-data.js';
import { restoreTrainerState, saveTrainerState } from './trainer-state.js';
import { trainableVariables, weightVariables } from './variables.js';

/** What a training step needs to know about the variables; built once per epoch. */
interface StepVariables {
  /** Trainable variables by stable name. */
  readonly variables: Record<string, tf.Variable>;
  /** tf.Variable name -> stable name. */
  readonly stableName: ReadonlyMap<string, string>;
  /** Where they sit among the model's weights, with replicas. */
  readonly layout: WeightLayout | undefined;
}

/** How a run is carried out, beside what it trains (the config). */
export interface RunOptions {
  /** Run directory (metrics, checkpoints, exported model). */
  readonly outDir: string;
  /** Continue the run whose directory holds a checkpoint. */
  readonly resume?: boolean;
  /** Name of the backend in use, for the summary. */
  readonly backend: string;
  /** Preset the config extends, for the summary. */
  readonly preset?: string;
  /** Export the final model to outDir/model. */
  readonly exportModel?: boolean;
}

/** What `fit` returns and `--json` prints. */
export interface RunSummary {
  backend: string;
  preset: string | null;
  model: string;
  /** Replicas each batch was split over (training.replicas resolved). */
  replicas: number;
  epochs: number;
  steps: number;
  top1: number;
  top5: number;
  testLoss: number;
  imgPerSec: number;
  wallSeconds: number;
  runDir: string;
  stopped: StopRequest | null;
  plugins: Record<string, Record<string, unknown>>;
}

/**
 * The trainer kernel: runs the loop, owns the tensors, and lets plugins change what happens
 * through its hooks. The whole loop, with the hooks where they fire:
 *
 * ```
 * hooks.validate(activePlugins)                      // plugins refuse bad combinations
 * build model, optimizer; hooks.setup(run)           // shadow weights, teachers, param groups
 * if resuming: restore weights, optimizer, rng; hooks.loadState(bag)
 * for epoch in start..epochs:
 *   await hooks.beforeEpoch(epoch)
 *   for each host batch of the epoch:
 *     batch = hooks.batch(batch)                     // waterfall: mixup, cutmix
 *     hooks.beforeStep(step)                         // LR schedules
 *     loss, grads = tape { logits = model(batch.x); hooks.loss(CE(targets, logits)) }
 *                                                    // with replicas: shards in threads, averaged
 *     grads = hooks.afterBackward(grads)             // waterfall: LARC, accumulation
 *     if hooks.shouldApplyGradients(step) !== false: // bail: accumulation holds the step
 *       optimizer.apply(grads, lr, weight decay); step += 1
 *       hooks.afterOptimizerStep(step)               // EMA, SWA per-step
 *     hooks.afterStep(step, loss)                    // progress
 *   await hooks.afterEpoch(epoch)                    // SWA collection, precise BN
 *   await hooks.beforeEval(eval); evaluate; await hooks.afterEval(eval, metrics)
 *   write metrics line; hooks.saveState(bag); write checkpoint atomically
 *   if hooks.shouldStop(epoch) returns a request: stop
 * await hooks.afterTrain(run)                        // SWA swap + BN update, FixRes phase
 * final evaluation on the test split (beforeEval/afterEval, phase 'final'); export the model
 * trainer.dispose(): hooks.dispose()                 // plugins release teachers, averages
 * ```
 * When a waterfall tap returns new tensors, the kernel disposes the ones they replace; a step
 * leaves `tf.memory().numTensors` unchanged.
 */
@injectable()
export class Trainer {
  readonly hooks = createHooks();
  readonly hyper: HyperParams;
  private modelRef: tf.LayersModel | undefined;
  private optimizer: Optimizer | undefined;
  private dataRef: TrainingData | undefined;
  private readonly rng: RandomStreams;
  private readonly reports: Record<string, Record<string, unknown>> = {};
  private microBatchesPerStep = 1;
  private microBatchOwner: string | undefined;
  private pos = { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0 };
  private replicaPool: ReplicaPool | undefined;
  private replicas = 1;

  constructor(
    @inject(TOKENS.config) readonly config: TricksterConfig,
    @inject(TOKENS.runOptions) readonly options: RunOptions,
    @inject(TOKENS.logger) readonly logger: Logger,
    @inject(TOKENS.data) private readonly dataProvider: TrainingDataProvider,
    @injectAll(TOKENS.plugins) readonly plugins: TricksterPlugin[],
  ) {
    this.hyper = new HyperParams(config.optimizer.lr, config.optimizer.weightDecay);
    this.rng = new RandomStreams(config.training.seed);
    const names = new Set<string>();
    for (const p of plugins) {
      if (names.has(p.name)) throw new PluginConflictError(`plugin "${p.name}" is registered twice; keep one entry in plugins`);
      names.add(p.name);
    }
    const host = this.host();
    for (const p of plugins) p.apply(host);
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

  /** Trains, evaluates, checkpoints and exports; returns the run summary. */
  async fit(): Promise<RunSummary> {
    const started = Date.now();
    const warnings: string[] = [];
    const active = this.plugins.map((p) => p.name);
    this.hooks.validate.call({ plugins: active, has: (n) => active.includes(n), warn: (m) => warnings.push(m) });
    for (const w of warnings) this.logger.warn(w);

    this.dataRef = await this.dataProvider.load();
    try {
      return await this.trainLoaded(this.dataRef, started);
    } finally {
      await this.dataRef.close();
    }
  }

  /** fit() once the data is loaded: everything from building the model to the summary. */
  private async trainLoaded(data: TrainingData, started: number): Promise<RunSummary> {
    const { config } = this;
    this.modelRef = buildModel({ ...config.model, seed: config.training.seed }, data.inputShape, data.numClasses);
    this.optimizer = createOptimizer(config.optimizer);
    await this.startReplicas(data);
    try {
      return await this.trainAndEvaluate(data, started);
    } finally {
      await this.replicaPool?.close();
      this.replicaPool = undefined;
    }
  }

  /** Resolves training.replicas and starts the replica threads beyond the training thread. */
  private async startReplicas(data: TrainingData): Promise<void> {
    const { training, model } = this.config;
    this.replicas = resolveReplicas(training.replicas, {
      backend: tf.getBackend(),
      batchSize: training.batchSize,
      lossTaps: this.hooks.loss.taps.map((t) => t.name),
      warn: (m) => this.logger.warn(m),
    });
    if (this.replicas === 1) return;
    const shapes = this.model.weights.map((w) => w.shape as number[]);
    const backend = tf.getBackend() as 'wasm' | 'cpu';
    this.replicaPool = await ReplicaPool.start(
      this.replicas - 1,
      { backend, model: { ...model, seed: training.seed }, input: data.inputShape, numClasses: data.numClasses },
      shapes,
    );
    const threads = this.replicas - 1;
    this.logger.info(`data parallel: each batch split over ${this.replicas} replicas (the training thread and ${threads} replica thread${threads > 1 ? 's' : ''})`);
  }

  /** The run once model, optimizer and replicas exist: setup, resume, the epochs, final evaluation, export. */
  private async trainAndEvaluate(data: TrainingData, started: number): Promise<RunSummary> {
    const { config, options } = this;
    const runDir = new RunDir(options.outDir);
    runDir.writeConfig(config);
    const epochs = config.training.epochs;
    const run: RunContext = { epochs, stepsPerEpoch: this.stepsPerEpoch };

    await this.hooks.setup.promise(run);
    let startEpoch = 0;
    if (options.resume) {
      startEpoch = restoreTrainerState(runDir.checkpointFile, this.stateParts());
      this.logger.info(`resumed from ${runDir.checkpointFile} after epoch ${startEpoch}`);
    }

    let stopped: StopRequest | null = null;
    let trainedImages = 0;
    let trainSeconds = 0;
    for (let epoch = startEpoch; epoch < epochs && !stopped; epoch++) {
      this.pos = { ...this.pos, epoch, batchInEpoch: 0 };
      await this.hooks.beforeEpoch.promise({ ...this.position, epochs });
      const t0 = Date.now();
      const { meanLoss, images } = await this.trainEpoch(epoch);
      trainSeconds += (Date.now() - t0) / 1000;
      trainedImages += images;
      await this.hooks.afterEpoch.promise({ ...this.position, epochs, trainLoss: meanLoss });
      const metrics = await this.evaluatePhase('epoch');
      runDir.appendMetrics({
        epoch: epoch + 1,
        step: this.pos.step,
        lr: this.hyper.lr,
        trainLoss: meanLoss,
        evalLoss: metrics.loss,
        top1: metrics.top1,
        top5: metrics.top5,
        imgPerSec: images / Math.max((Date.now() - t0) / 1000, 1e-9),
      });
      this.logger.info(
        `epoch ${epoch + 1}/${epochs}  train loss ${meanLoss.toFixed(4)}  eval loss ${metrics.loss.toFixed(4)}  top1 ${(100 * metrics.top1).toFixed(2)}%  top5 ${(100 * metrics.top5).toFixed(2)}%`,
      );
      this.pos = { ...this.pos, epoch: epoch + 1, batchInEpoch: 0 };
      await saveTrainerState(runDir.checkpointFile, this.stateParts());
      stopped = this.hooks.shouldStop.call({ ...this.position, epoch, epochs }) ?? null;
      if (stopped) this.logger.info(`stopped by ${stopped.plugin} after epoch ${epoch + 1}: ${stopped.reason}`);
    }

    await this.hooks.afterTrain.promise(run);
    const final = await this.evaluatePhase('final', 'test');
    if (options.exportModel !== false) {
      await saveModelToDir(this.model, runDir.modelDir, {
        dataset: data.name,
        classNames: data.classNames,
        inputShape: data.inputShape,
        normalization: data.stats,
      });
    }
    return {
      backend: options.backend,
      preset: options.preset ?? null,
      model: config.model.name,
      replicas: this.replicas,
      epochs: this.pos.epoch,
      steps: this.pos.step,
      top1: final.top1,
      top5: final.top5,
      testLoss: final.loss,
      imgPerSec: trainedImages / Math.max(trainSeconds, 1e-9),
      wallSeconds: (Date.now() - started) / 1000,
      runDir: options.outDir,
      stopped,
      plugins: this.reports,
    };
  }

  /**
   * Releases the model, the optimizer state and what plugins hold (their `dispose` taps); call it
   * after fit(), whether it returned or threw.
   */
  dispose(): void {
    this.hooks.dispose.call();
    this.optimizer?.dispose();
    this.modelRef?.dispose();
  }

  private get batchesPerEpoch(): number {
    return this.dataRef ? this.dataRef.batchesPerEpoch(this.config.training.batchSize) : 0;
  }

  private get stepsPerEpoch(): number {
    return Math.floor(this.batchesPerEpoch / this.microBatchesPerStep);
  }

  private async trainEpoch(epoch: number): Promise<{ meanLoss: number; images: number }> {
    let lossSum: tf.Scalar = tf.scalar(0);
    let batches = 0;
    let images = 0;
    const limit = this.stepsPerEpoch * this.microBatchesPerStep;
    const variables = this.stepVariables();
    for await (const host of this.data.trainBatches(epoch, this.config.training.batchSize)) {
      if (batches >= limit) break;
      const loss = await this.trainStep(host, variables);
      const next = tf.add(lossSum, loss) as tf.Scalar;
      lossSum.dispose();
      loss.dispose();
      lossSum = next;
      batches += 1;
      images += host.size;
    }
    const meanLoss = batches > 0 ? (await lossSum.data())[0] / batches : NaN;
    lossSum.dispose();
    return { meanLoss, images };
  }

  /** The trainable variables and their name maps, built once per epoch and used by every step. */
  private stepVariables(): StepVariables {
    const variables = trainableVariables(this.model);
    return {
      variables,
      stableName: new Map(Object.entries(variables).map(([stable, v]) => [v.name, stable])),
      layout: this.replicaPool ? weightLayout(this.model, variables) : undefined,
    };
  }

  /** One micro-batch: forward, loss, backward, maybe an optimizer step. Returns the loss (caller disposes). */
  private async trainStep(host: HostBatch, { variables, stableName, layout }: StepVariables): Promise<tf.Scalar> {
    const ctx: StepContext = { ...this.position, variables, batchSize: host.size };
    const initial = tf.tidy(() => ({
      x: tf.tensor4d(host.x, [host.size, host.height, host.width, host.channels]),
      targets: tf.oneHot(tf.tensor1d(host.labels, 'int32'), this.data.numClasses).toFloat() as tf.Tensor2D,
    }));
    const batch = this.hooks.batch.call(initial, ctx);
    disposeReplaced(initial, batch);
    this.hooks.beforeStep.call(ctx);
    const local = (b: Batch) => this.lossAndGradients(b, ctx, stableName);
    const { loss, grads } = this.replicaPool
      ? await dataParallelStep(layout!, batch, this.replicaPool, local).catch((err: unknown) => {
          disposeAll(batch);
          throw err;
        })
      : local(batch);
    const finalGrads = this.hooks.afterBackward.call(grads, ctx);
    disposeReplaced(grads, finalGrads);
    if (this.hooks.shouldApplyGradients.call(ctx) !== false) {
      this.optimizer!.apply(finalGrads, variables, { lr: this.hyper.lr, decayFor: (n) => this.hyper.optimizerDecayFor(n) });
      this.pos.step += 1;
      this.hooks.afterOptimizerStep.call({ ...ctx, step: this.pos.step });
    }
    disposeAll(finalGrads);
    this.pos.microStep += 1;
    this.pos.batchInEpoch += 1;
    this.hooks.afterStep.call({ ...ctx, loss });
    disposeAll(batch);
    return loss;
  }

  /** Forward, loss hooks and backward of `batch` on the training thread; gradients keyed by stable name. */
  private lossAndGradients(batch: Batch, ctx: StepContext, stableName: ReadonlyMap<string, string>): LossAndGradients {
    const { variables } = ctx;
    const { value: loss, grads: rawGrads } = tf.variableGrads(() => {
      const logits = this.model.apply(batch.x, { training: true }) as tf.Tensor2D;
      return this.hooks.loss.call(softCrossEntropy(batch.targets, logits), { ...ctx, batch, logits });
    }, Object.values(variables));
    const grads: GradientMap = {};
    for (const [name, g] of Object.entries(rawGrads)) grads[stableName.get(name) ?? name] = g;
    return { loss, grads };
  }

  private async evaluatePhase(phase: 'epoch' | 'final', split: 'eval' | 'test' = 'eval'): Promise<EvalMetrics> {
    const ctx: EvalContext = { ...this.position, phase };
    try {
      await this.hooks.beforeEval.promise(ctx);
      ctx.metrics = await this.evaluate({ split });
      return ctx.metrics;
    } finally {
      // afterEval runs even when a beforeEval tap or the evaluation throws, so swapped-in weights go back out.
      await this.hooks.afterEval.promise(ctx);
    }
  }

  /**
   * Evaluates a model on the evaluation or test split, optionally at another input size. While
   * fit() runs with replicas, the trained model's batches are split over them as well.
   */
  async evaluate(options: { model?: tf.LayersModel; split?: 'eval' | 'test'; inputSize?: number } = {}): Promise<EvalMetrics> {
    const model = options.model ?? this.model;
    const acc = new MetricAccumulator();
    const forward = (x: tf.Tensor4D) => model.apply(x, { training: false }) as tf.Tensor2D;
    // Replicas hold copies of the trained model only; another model (a teacher) runs here alone.
    const pool = model === this.modelRef ? this.replicaPool : undefined;
    let weights = pool ? await weightArrays(weightVariables(model.weights)) : null;
    for await (const host of this.data.evalBatches(options.split ?? 'eval', this.config.training.evalBatchSize, options.inputSize)) {
      if (pool) {
        const logits = await dataParallelLogits(host, pool, weights, forward);
        weights = null;
        tf.tidy(() => acc.add(logits, tf.tensor1d(host.labels, 'int32')));
        logits.dispose();
      } else {
        tf.tidy(() => acc.add(forward(tf.tensor4d(host.x, [host.size, host.height, host.width, host.channels])), tf.tensor1d(host.labels, 'int32')));
      }
    }
    return acc.result();
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

  private host(): PluginHost {
    const trainer = this;
    return {
      hooks: this.hooks,
      hyper: this.hyper,
      config: this.config,
      logger: this.logger,
      get model() {
        return trainer.model;
      },
      get position() {
        return trainer.position;
      },
      get stepsPerEpoch() {
        return trainer.stepsPerEpoch;
      },
      get batchesPerEpoch() {
        return trainer.batchesPerEpoch;
      },
      setMicroBatchesPerStep: (owner, count) => {
        if (this.microBatchOwner && this.microBatchOwner !== owner) {
          throw new PluginConflictError(`plugins "${this.microBatchOwner}" and "${owner}" both set micro-batches per step`);
        }
        this.microBatchOwner = owner;
        this.microBatchesPerStep = count;
      },
      random: (stream): RandomStream => this.rng.get(stream),
      trainBatches: (epoch, o) => this.data.trainBatches(epoch, this.config.training.batchSize, o),
      get normalization() {
        return trainer.data.stats;
      },
      get numClasses() {
        return trainer.data.numClasses;
      },
      evaluate: (o) => this.evaluate(o),
      report: (plugin, key, value) => {
        (this.reports[plugin] ??= {})[key] = value;
      },
    };
  }
}
