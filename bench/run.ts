/**
 * `npm run bench [-- --quick]`: trickster's training throughput on wasm against the references
 * it should be judged by, for small-cnn and resnet20 at batch 128 on Fashion-MNIST shapes
 * (28x28x1, 10 classes). Every configuration runs in its own process (TF.js keeps one engine per
 * process; peak RSS is per configuration); each number is the median of >= 3 timed windows,
 * taken in interleaved rounds so that the machine's slow spells hit every row alike (rounds.ts).
 * Prints one table and writes it as JSON to bench/results/latest.json. See options.ts for flags.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findNativePackage } from '../core/backends/native-package.js';
import { resolveDataDir } from '../core/data/locate.js';
import { machineLabel } from '../core/machine.js';
import { jobLabel, type Job, type Measurement } from './jobs.js';
import { machineInfo } from './machine.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { runJob } from './spawn-job.js';
import type { StepPlan } from './stats.js';
import { measureInRounds, type RoundEntry } from './rounds.js';
import { formatTable, ratios, replicasOf, type ModelRows, type Outcome, type RowKey } from './table.js';
import { torchAvailable, torchReference } from './torch-ref.js';

/** Training images of one full Fashion-MNIST epoch as trickster runs it (468 batches of 128, last partial batch dropped). */
const FASHION_TRAIN = 60000;
const FASHION_TEST = 10000;

const log = (m: string): void => void process.stderr.write(`${m}\n`);

let counter = 0;
/** Runs one measurement, logs it, and turns a failure into a note instead of aborting the bench. */
async function measured(label: string, f: () => Promise<Measurement> | Measurement): Promise<Outcome> {
  const t0 = Date.now();
  const loadAverage = Math.round(os.loadavg()[0]! * 100) / 100;
  counter += 1;
  try {
    const m = await f();
    const samples = m.samples.map((s) => s.toFixed(1)).join(', ');
    log(`[${counter}] ${label}: ${m.imgPerSec.toFixed(1)} img/s (${samples}) in ${((Date.now() - t0) / 1000).toFixed(0)} s, load ${loadAverage}`);
    return { ok: true, m, loadAverage };
  } catch (err) {
    const note = (err as Error).message.split('\n').slice(0, 3).join(' | ');
    log(`[${counter}] ${label}: FAILED ${note}`);
    return { ok: false, note };
  }
}

const job = (j: Job, o: BenchOptions): Promise<Outcome> => measured(jobLabel(j), () => runJob(j, o.jobTimeoutMs));

/** A round entry that measures `run` once and logs it with its round number and load average. */
function logged(key: RowKey, label: string, loads: Map<RowKey, number[]>, run: () => Promise<Measurement> | Measurement): RoundEntry<RowKey> {
  return {
    key,
    run: async (round) => {
      const load = os.loadavg()[0]!;
      loads.set(key, [...(loads.get(key) ?? []), load]);
      const t0 = Date.now();
      try {
        const m = await run();
        log(`[round ${round + 1}] ${label}: ${m.imgPerSec.toFixed(1)} img/s (${m.samples.map((x) => x.toFixed(1)).join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(0)} s, load ${load.toFixed(2)}`);
        return m;
      } catch (err) {
        log(`[round ${round + 1}] ${label}: FAILED ${(err as Error).message.split('\n')[0]}`);
        throw err;
      }
    },
  };
}

/**
 * Measures every row of one model. Rows (a) (with its variants a1, aNoAug, aSync), (c), (d), (e), (f), and (g) and (h) when
 * @tensorflow/tfjs-node is installed (`npm install` or `npm run native:setup`), are interleaved: each
 * round measures each of them once (one timed window, in a fresh process), `repeats` rounds in all
 * (see rounds.ts). The stock cpu row (b) takes minutes per step and runs on its own afterwards.
 */
async function measureModel(model: string, o: BenchOptions, torch: { version: string } | { missing: string }, native: string | null, dataDir: string): Promise<ModelRows> {
  const once: StepPlan = { warmup: o.warmup, steps: o.steps[model]!, repeats: 1, batch: o.batch };
  const loads = new Map<RowKey, number[]>();
  const spawned = (key: RowKey, j: Job): RoundEntry<RowKey> => logged(key, jobLabel(j), loads, () => runJob(j, o.jobTimeoutMs));
  const entries: RoundEntry<RowKey>[] = [
    spawned('a', { kind: 'trickster', model, plan: once, augment: true, replicas: 'auto' }),
    spawned('a1', { kind: 'trickster', model, plan: once, augment: true, replicas: 1 }),
    spawned('aNoAug', { kind: 'trickster', model, plan: once, augment: false, replicas: 'auto' }),
    spawned('aSync', { kind: 'trickster', model, plan: once, augment: true, replicas: 'auto', syncBatchNorm: true }),
    spawned('c', { kind: 'layers-fit', model, plan: once, backend: 'wasm' }),
    spawned('d', { kind: 'bare-loop', model, plan: once }),
    spawned('e', { kind: 'forward', model, batch: o.batch, repeats: Math.max(1, Math.ceil(o.forwardRepeats / o.repeats)) }),
  ];
  const rows: ModelRows = {};
  if (native) {
    rows.g = rows.h = { ok: false, note: `skipped: ${native}` };
  } else {
    entries.push(spawned('g', { kind: 'layers-fit', model, plan: once, backend: 'node' }));
    entries.push(spawned('h', { kind: 'trickster', model, plan: once, augment: true, replicas: 'auto', backend: 'node' }));
  }
  for (const [key, threads] of [['f1', 1], ['f2', 2]] as const) {
    if ('missing' in torch) {
      rows[key] = { ok: false, note: `skipped: ${torch.missing}` };
      continue;
    }
    // PyTorch steps are cheap when it has the cores: twice the steps make its windows steadier.
    const torchPlan: StepPlan = { ...once, steps: Math.max(2 * once.steps, 3) };
    entries.push(logged(key, `PyTorch ${model}, ${threads} thread${threads > 1 ? 's' : ''}`, loads, () => torchReference(model, torchPlan, threads, dataDir, o.jobTimeoutMs)));
  }
  for (const [key, r] of await measureInRounds(entries, o.repeats)) {
    const l = loads.get(key) ?? [];
    const loadAverage = Math.round((100 * l.reduce((x, y) => x + y, 0)) / Math.max(l.length, 1)) / 100;
    rows[key] = r.ok ? { ok: true, m: r.m, loadAverage } : { ok: false, note: r.error.message.split('\n').slice(0, 3).join(' | ') };
  }
  if (o.cpu) {
    // The stock cpu backend needs minutes per batch-128 step (hours for resnet20): one step per
    // window, no warm-up (no compilation there; JIT warm-up is noise next to a step), small batch.
    const cpuPlan: StepPlan = { warmup: 0, steps: 1, repeats: o.repeats, batch: o.cpuBatch[model]! };
    rows.b = await job({ kind: 'layers-fit', model, plan: cpuPlan, backend: 'cpu' }, o);
  } else {
    rows.b = { ok: false, note: 'skipped (--no-cpu)' };
  }
  return rows;
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);

/** Why the tensorflow rows (g)/(h) cannot run here, or null when @tensorflow/tfjs-node is installed. */
function nativeMissing(): string | null {
  try {
    findNativePackage('@tensorflow/tfjs-node');
    return null;
  } catch (err) {
    return `${(err as Error).message}; run npm run native:setup`;
  }
}

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(USAGE);
    return;
  }
  const o = parsed;
  const started = Date.now();
  const machine = machineInfo();
  const dataDir = resolveDataDir();
  const torch = o.torch ? torchAvailable() : { missing: 'skipped (--no-torch)' };
  const native = nativeMissing();
  log(`bench (${o.mode}): ${o.models.join(', ')}; batch ${o.batch}, ${o.repeats} repeats, warm-up ${o.warmup} steps, steps/repeat ${JSON.stringify(o.steps)}, cpu batch ${JSON.stringify(o.cpuBatch)}`);
  log(`machine: ${machineLabel(machine)}, load average ${machine.loadAverageAtStart}; node ${machine.node}, tfjs ${machine.tfjs}; torch ${'version' in torch ? torch.version : 'unavailable'}; tensorflow rows ${native ?? 'on'}`);

  const rows: Record<string, ModelRows> = {};
  for (const model of o.models) rows[model] = await measureModel(model, o, torch, native, dataDir);
  const pipeJob = (augment: boolean): Job => ({ kind: 'pipeline', batch: o.batch, batches: o.pipelineBatches, repeats: o.repeats, augment });
  const pipeline = { augmentOn: await job(pipeJob(true), o), augmentOff: await job(pipeJob(false), o) };
  const guardJob = (model: string): Job => ({ kind: 'numeric-guard', model, batch: o.batch, steps: 200, repeats: o.repeats });
  const guards: Record<string, Outcome> = {};
  for (const model of o.models) guards[model] = await job(guardJob(model), o);
  const syncSteps: Record<string, Outcome> = {};
  for (const model of o.models) {
    const plan: StepPlan = { warmup: 2, steps: o.steps[model]!, repeats: Math.max(5, o.repeats), batch: o.batch };
    syncSteps[model] = await job({ kind: 'sync-bn-step', model, plan }, o);
  }
  const seconds = (Date.now() - started) / 1000;

  const notes = [
    '(a) the real Trainer (createTrainer + fit, baseline recipe: SGD momentum 0.9, weight decay 5e-4, flip + pad-2 crop) on a Fashion-MNIST subset; img/s between step ends after the warm-up, so host batching, augmentation, upload, hooks and optimizer are included. (a) runs with the default training.replicas auto (one replica per core on wasm: the batch split over the training thread and a replica thread, gradients averaged), (a1) with training.replicas 1, (aSync) as (a) with training.syncBatchNorm (batch-norm statistics exchanged between the replicas per layer, forward and backward).',
    `(b) tfjs-layers model.fit on the stock cpu backend, one step per repeat at a small batch (${JSON.stringify(o.cpuBatch)}; "bNN" in the table): a batch-128 step takes ~2 min (small-cnn) to ~30 min (resnet20) there. Its cost is linear in the batch, so img/s carries over; --cpu-batch 128 measures it at 128.`,
    '(c) tfjs-layers model.fit on wasm with trickster\'s gradient kernels, SGD momentum, no weight decay, data already as tensors.',
    '(d) tf.variableGrads + optimizer.applyGradients (SGD momentum) on wasm, data already as tensors: the floor of what any loop on these kernels costs.',
    '(e) conv layers of the model timed alone on wasm, one core (random inputs of their real shapes, batch 128): FLOP rate (2 x multiply-adds / time) divided by 3x the forward FLOPs per image, i.e. training at forward-conv speed with backward = 2x forward and everything else free. a/e is the ratio as the issue defines it (one wasm instance\'s rate); a/(e*n) compares (a) with (e) times the n cores (a) used.',
    '(f) bench/torch_ref.py: the same architectures in PyTorch on the CPU (NCHW, same SGD + weight decay), each thread count in its own process. (a) on two replicas uses two cores like PyTorch with 2 threads; (a1) one core like PyTorch with 1 thread.',
    '(g) as (c) and (h) as (a) on the tensorflow backend (@tensorflow/tfjs-node, libtensorflow 2.15.1 from PyPI via npm run native:setup), which uses every core itself (training.replicas auto = 1 there); measured in the same interleaved rounds.',
    'SyncBN step: the 2-replica step alone (training thread + one replica thread, real Fashion-MNIST batches), with a plain pool and a SyncBN pool in alternating windows (ABBA), so the machine\'s load hits both alike; (aSync) is the same comparison through the whole Trainer, in separate processes.',
    'spread = half of (max - min) of the repeats over their median; peak RSS = maxRSS of the process that measured the row (includes Node/TF.js/Python and the loaded dataset).',
  ];

  const perModel: Record<string, unknown> = {};
  const extraLines: string[] = [];
  for (const model of o.models) {
    const r = rows[model]!;
    const e = r.e?.ok ? r.e.m.extra : undefined;
    if (e) {
      extraLines.push(
        `${model}: ${Number(e['multiplyAddsPerImage']).toLocaleString('en-US')} multiply-adds/image forward; wasm conv layers ${fmt(Number(e['convGflops']))} GFLOP/s, whole forward pass (inference mode) ${fmt(Number(e['forwardGflops']))} GFLOP/s = ${fmt(Number(e['inferenceImgPerSec']), 0)} img/s`,
      );
    }
    let augmentation: Record<string, number> | undefined;
    if (r.a?.ok && r.aNoAug?.ok) {
      const on = r.a.m.imgPerSec;
      const off = r.aNoAug.m.imgPerSec;
      augmentation = { augmentOn: on, augmentOff: off, onOverOff: on / off };
      extraLines.push(`${model}: trickster with augmentation ${fmt(on)} img/s, without ${fmt(off)} img/s, on/off = ${fmt(on / off, 3)} (${fmt(100 * (1 - on / off))}% of the step time; within the spread when small)`);
    }
    if (r.a?.ok && r.aSync?.ok) {
      const cost = 100 * (r.a.m.imgPerSec / r.aSync.m.imgPerSec - 1);
      extraLines.push(`${model}: trickster on ${replicasOf(r.a)} replicas with SyncBN ${fmt(r.aSync.m.imgPerSec)} img/s, without ${fmt(r.a.m.imgPerSec)} img/s: SyncBN adds ${fmt(cost)}% to the step time`);
    }
    if (r.a?.ok && r.a1?.ok) {
      extraLines.push(`${model}: trickster on ${replicasOf(r.a)} replicas ${fmt(r.a.m.imgPerSec)} img/s vs 1 replica ${fmt(r.a1.m.imgPerSec)} img/s: a/a1 = ${fmt(r.a.m.imgPerSec / r.a1.m.imgPerSec, 2)}`);
    }
    perModel[model] = { rows: r, ratios: ratios(r), augmentation };
  }
  if (pipeline.augmentOn.ok && pipeline.augmentOff.ok) {
    const on = pipeline.augmentOn.m.imgPerSec;
    const off = pipeline.augmentOff.m.imgPerSec;
    // Host time per image over step time per image = (a img/s) / (pipeline img/s).
    const shares = o.models
      .flatMap((m) => {
        const a = rows[m]?.a;
        return a?.ok ? [`${fmt((100 * a.m.imgPerSec) / on, 2)}% of a ${m} step`] : [];
      })
      .join(', ');
    extraLines.push(`data pipeline alone (shuffle + normalise, no tensors): ${fmt(on, 0)} img/s with flip + crop, ${fmt(off, 0)} img/s without; with augmentation it is ${shares}`);
  }
  const numericGuard: Record<string, number> = {};
  for (const model of o.models) {
    const g = guards[model];
    const a = rows[model]?.a;
    if (!g?.ok || !a?.ok) continue;
    // Time per image of the watch over time per image of a whole step = (a img/s) / (watch-alone img/s).
    numericGuard[model] = a.m.imgPerSec / g.m.imgPerSec;
    extraLines.push(`${model}: the NaN/Inf watch (training.checkFinite) alone runs at ${fmt(g.m.imgPerSec, 0)} img/s-equivalent = ${fmt(100 * numericGuard[model]!, 2)}% of an (a) step`);
  }
  const syncBatchNorm: Record<string, Record<string, number>> = {};
  for (const model of o.models) {
    const s = syncSteps[model];
    if (!s?.ok) continue;
    const without = Number(s.m.extra?.['withoutImgPerSec']);
    syncBatchNorm[model] = { withSync: s.m.imgPerSec, without, withOverWithout: s.m.imgPerSec / without };
    extraLines.push(
      `${model}: one 2-replica step (dataParallelStep, forward + backward, no optimizer), windows alternated in one process: with SyncBN ${fmt(s.m.imgPerSec)} img/s (${s.m.samples.map((x) => fmt(x)).join(', ')}), ` +
        `without ${fmt(without)} img/s (${String(s.m.extra?.['withoutSamples'])}): SyncBN adds ${fmt(100 * (without / s.m.imgPerSec - 1))}% to the step time`,
    );
  }
  let epoch: Record<string, number> | undefined;
  const res = rows['resnet20'];
  if (res?.a?.ok) {
    const images = Math.floor(FASHION_TRAIN / o.batch) * o.batch;
    const trainSeconds = images / res.a.m.imgPerSec;
    const inference = res.e?.ok ? Number(res.e.m.extra?.['inferenceImgPerSec']) : NaN;
    const evalSeconds = FASHION_TEST / inference;
    epoch = { trainImages: images, trainSeconds, evalSeconds };
    extraLines.push(
      `resnet20, full Fashion-MNIST epoch EXTRAPOLATED from (a): ${images.toLocaleString('en-US')} images / ${fmt(res.a.m.imgPerSec)} img/s = ${fmt(trainSeconds / 60)} min of training` +
        (Number.isFinite(evalSeconds) ? ` + ~${fmt(evalSeconds, 0)} s to evaluate 10,000 test images at the measured inference speed` : '') + ' (not run end to end)',
    );
  }

  const title = `trickster bench ${new Date().toISOString()} (${o.mode}) | ${machineLabel(machine)}, load ${machine.loadAverageAtStart} at start | node ${machine.node}, tfjs ${machine.tfjs} | batch ${o.batch}, 28x28x1, 10 classes | median of ${o.repeats} interleaved rounds | ${fmt(seconds, 0)} s`;
  console.log(`\n${title}\n\n${formatTable(o.models, rows, o.batch)}\n\n${extraLines.join('\n')}\n\nnotes:\n${notes.map((n) => `- ${n}`).join('\n')}`);

  const result = {
    date: new Date().toISOString(),
    machine,
    torch: 'version' in torch ? torch.version : null,
    options: o,
    durationSeconds: seconds,
    models: perModel,
    pipeline,
    numericGuardShareOfStep: numericGuard,
    syncBatchNormStep: syncBatchNorm,
    resnet20EpochExtrapolated: epoch ?? null,
    notes,
  };
  mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), o.out)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
