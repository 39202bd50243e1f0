import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { LossContext } from '../../core/contexts.js';
import { createHooks } from '../../core/hooks.js';
import { softCrossEntropy } from '../../core/losses.js';
import { loadModelFromDir, saveModelToDir } from '../../core/model-io.js';
import { buildModel } from '../../core/models/index.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { allVariables } from '../../core/variables.js';
import { DistillationPlugin, optionsSchema } from '../../plugins/distillation/index.js';
import { STAGE } from '../../core/hook-stages.js';
import { blendLoss, distillationTerm, renormalization, renormalize } from '../../plugins/distillation/loss.js';
import { checkTeacherShape, loadTeacher } from '../../plugins/distillation/teacher.js';
import { tempRunDir, trainSubset } from '../helpers/train-subset.js';
import { MapStateBag } from '../../core/trainer-state.js';

// The trainer's default backend; set before any tensor so nothing runs on tfjs' fallback cpu.
beforeAll(async () => {
  await useBackend('wasm');
});

interface ReferenceCase {
  name: string;
  student: number[][];
  teacher: number[][];
  targets: number[][];
  temperature: number;
  alpha: number;
  term: number;
  crossEntropy: number;
  loss: number;
}
/** PyTorch reference values: test/fixtures/distillation/reference.py (F.kl_div batchmean · T², F.cross_entropy). */
const reference = JSON.parse(readFileSync(path.resolve('test/fixtures/distillation/reference.json'), 'utf8')) as { cases: ReferenceCase[] };

const scalar = (t: tf.Tensor): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('distillation math (pure)', () => {
  for (const c of reference.cases) {
    it(`matches PyTorch: ${c.name}`, () => {
      const s = tf.tensor2d(c.student);
      const t = tf.tensor2d(c.teacher);
      const y = tf.tensor2d(c.targets);
      const term = distillationTerm(s, t, c.temperature);
      expect(term.dataSync()[0]).toBeCloseTo(c.term, 5);
      const ce = softCrossEntropy(y, s);
      expect(ce.dataSync()[0]).toBeCloseTo(c.crossEntropy, 5);
      expect(scalar(blendLoss(ce, term, c.alpha))).toBeCloseTo(c.loss, 5);
      tf.dispose([s, t, y, term, ce]);
    });
  }

  it('matches a hand computation', () => {
    // T=1, one example: teacher [ln 3, 0] → p = [3/4, 1/4]; student [0, 0] → q = [1/2, 1/2].
    // KL(p‖q) = 3/4·ln(3/2) + 1/4·ln(1/2) = 0.304099 − 0.173287 = 0.130812.
    expect(scalar(distillationTerm(tf.tensor2d([[0, 0]]), tf.tensor2d([[Math.log(3), 0]]), 1))).toBeCloseTo(0.130812, 5);
    // Same logits at T=2 (teacher [ln 3, 0]/2 → p = [√3, 1]/(√3+1) = [0.633975, 0.366025]), times T² = 4:
    // KL = 0.633975·ln(1.267949) + 0.366025·ln(0.732051) = 0.150506 − 0.114165 = 0.036341; ·4 = 0.145363.
    expect(scalar(distillationTerm(tf.tensor2d([[0, 0]]), tf.tensor2d([[Math.log(3), 0]]), 2))).toBeCloseTo(0.145363, 5);
  });

  it('re-normalises student inputs to the teacher statistics', () => {
    // Pixel 0.75: student x = (0.75 − 0.5)/0.25 = 1, teacher x = (0.75 − 0.25)/0.5 = 1;
    // scale = 0.25/0.5 = 0.5, shift = (0.5 − 0.25)/0.5 = 0.5, and 1·0.5 + 0.5 = 1.
    const affine = renormalization({ mean: [0.5], std: [0.25] }, { mean: [0.25], std: [0.5] });
    expect(affine).toEqual({ scale: [0.5], shift: [0.5] });
    expect(renormalization({ mean: [0.3, 0.4], std: [0.2, 0.1] }, { mean: [0.3, 0.4], std: [0.2, 0.1] })).toBeUndefined();
    // Pixels 0.75 and 0 in student units (1 and −2) become teacher units (1 and −0.5).
    const x = tf.tensor4d([1, -2], [1, 1, 2, 1]);
    const y = renormalize(x, affine);
    expect(Array.from(y.dataSync())).toEqual([1, -0.5]);
    expect(renormalize(x, undefined)).toBe(x);
    tf.dispose([x, y]);
  });
});

const fashion = { numClasses: 10, channels: 1, normalization: { mean: [0.286], std: [0.353] } };

/** Saves an untrained small-cnn teacher with the given shape and normalisation; returns its model.json. */
async function saveTeacher(numClasses = 10, channels = 1, normalization = { mean: [0], std: [1] }): Promise<string> {
  const dir = path.join(tempRunDir('trickster-teacher-'), 'model');
  const model = buildModel({ name: 'small-cnn', width: 0.25, seed: 9 }, { height: 28, width: 28, channels }, numClasses);
  const shape = { height: 28, width: 28, channels };
  await saveModelToDir(model, dir, { dataset: 'test', classNames: [], inputShape: shape, normalization });
  model.dispose();
  return path.join(dir, 'model.json');
}

describe('distillation teacher', () => {
  it('refuses a teacher whose classes or channels differ from the data, naming the file', async () => {
    expect(() => checkTeacherShape('t/model.json', [null, null, null, 1], [null, 5], fashion)).toThrow(/t\/model\.json outputs 5 classes but the data has 10/);
    expect(() => checkTeacherShape('t/model.json', [null, null, null, 3], [null, 10], fashion)).toThrow(/t\/model\.json takes 3-channel images/);
    const fiveClasses = await saveTeacher(5);
    await expect(loadTeacher(fiveClasses, fashion, () => {})).rejects.toThrow(new RegExp(`${fiveClasses.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} outputs 5 classes`));
    const rgb = await saveTeacher(10, 3, { mean: [0, 0, 0], std: [1, 1, 1] });
    await expect(loadTeacher(rgb, fashion, () => {})).rejects.toThrow(/takes 3-channel images but the data has 1 channels/);
  });

  it('loads a frozen teacher with the map to its normalisation', async () => {
    const file = await saveTeacher();
    const teacher = await loadTeacher(file, fashion, () => {});
    expect(teacher.model.trainableWeights).toHaveLength(0);
    // Teacher trained on raw [0,1] pixels (mean 0, std 1): x_t = x·0.353 + 0.286.
    expect(teacher.affine!.scale[0]).toBeCloseTo(0.353, 9);
    expect(teacher.affine!.shift[0]).toBeCloseTo(0.286, 9);
    teacher.model.dispose();
  });
});


function tapHost(warnings: string[], reports: Record<string, unknown> = {}): PluginHost {
  return {
    hooks: createHooks(),
    logger: { info: () => {}, warn: (m: string) => warnings.push(m) },
    numClasses: fashion.numClasses,
    normalization: fashion.normalization,
    report: (_p: string, k: string, v: unknown) => void (reports[k] = v),
  } as unknown as PluginHost;
}

describe('distillation taps', () => {
  it('replaces the incoming loss by (1 − α)·CE + α·T²·KL against the re-normalised teacher', async () => {
    const file = await saveTeacher();
    const host = tapHost([]);
    const plugin = new DistillationPlugin(optionsSchema.parse({ teacher: file, temperature: 4, alpha: 0.25 }));
    plugin.apply(host);
    await host.hooks.setup.promise({ epochs: 1, stepsPerEpoch: 1 });
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const logits = tf.tensor2d([[1, 2, 0, 0, 0, 0, 0, 0, 0, -1], [0, 0, 3, 0, 0, 0, 0, 0, 0, 0], [0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0]]);
    const targets = tf.oneHot(tf.tensor1d([1, 2, 3], 'int32'), 10).toFloat() as tf.Tensor2D;
    const ce = softCrossEntropy(targets, logits);
    const out = host.hooks.loss.call(ce, { batch: { x, targets }, logits } as unknown as LossContext);
    // By hand: teacher inputs are student inputs mapped back to raw pixels (x·0.353 + 0.286).
    const teacherLogits = plugin.teacher!.apply(tf.add(tf.mul(x, 0.353), 0.286), { training: false }) as tf.Tensor2D;
    const term = distillationTerm(logits, teacherLogits, 4);
    const expected = 0.75 * ce.dataSync()[0]! + 0.25 * term.dataSync()[0]!;
    expect(out.dataSync()[0]).toBeCloseTo(expected, 5);
    expect(term.dataSync()[0]).toBeGreaterThan(0);
    host.hooks.afterStep.call({} as never);
    await host.hooks.afterTrain.promise({ epochs: 1, stepsPerEpoch: 1 });
    expect(plugin.teacher).toBeUndefined();
    tf.dispose([x, logits, targets, ce, out, teacherLogits, term]);
  });

  it('checks the teacher file at validation and warns about alpha 0', async () => {
    const host = tapHost([]);
    new DistillationPlugin(optionsSchema.parse({ teacher: 'no/such/model.json' })).apply(host);
    const ctx = { plugins: ['distillation'], has: () => false, warn: () => {} };
    expect(() => host.hooks.validate.call(ctx)).toThrow(/plugins\.distillation\.teacher: .*no\/such\/model\.json does not exist/);
    const warned: string[] = [];
    const zero = tapHost([]);
    new DistillationPlugin(optionsSchema.parse({ teacher: await saveTeacher(), alpha: 0 })).apply(zero);
    zero.hooks.validate.call({ ...ctx, warn: (m) => warned.push(m) });
    expect(warned).toEqual([expect.stringMatching(/alpha 0/)]);
  });

  it('is switched off by false and names the key path of bad options', async () => {
    const base = { extends: 'baseline' };
    const off = await resolveConfig({ inline: { ...base, plugins: { distillation: false } } });
    expect((await loadPlugins(off.config, off.baseDir)).map((p) => p.name)).not.toContain('distillation');
    const on = await resolveConfig({ inline: { ...base, plugins: { distillation: { teacher: 'm.json' } } } });
    expect((await loadPlugins(on.config, on.baseDir)).find((p) => p.name === 'distillation')).toBeInstanceOf(DistillationPlugin);
    expect(optionsSchema.parse({ teacher: 'm.json' })).toEqual({ teacher: 'm.json', temperature: 5, alpha: 0.5 });
    for (const [options, key] of [
      [{ teacher: 'm.json', temperature: 0 }, 'temperature'],
      [{ teacher: 'm.json', alpha: 1.5 }, 'alpha'],
      [{ temperature: 5 }, 'teacher'],
    ] as const) {
      const bad = await resolveConfig({ inline: { ...base, plugins: { distillation: options } } });
      await expect(loadPlugins(bad.config, bad.baseDir)).rejects.toThrow(new RegExp(`plugins\\.distillation\\.${key}`));
    }
  });

  it('round-trips its state and warns when a resume changes the teacher', () => {
    const warnings: string[] = [];
    const host = tapHost(warnings);
    new DistillationPlugin(optionsSchema.parse({ teacher: 'a/model.json', temperature: 3 })).apply(host);
    const bag = new MapStateBag();
    host.hooks.saveState.call(bag);
    expect(bag.get('distillation')?.json).toEqual({ teacher: path.resolve('a/model.json'), temperature: 3, alpha: 0.5 });
    host.hooks.loadState.call(bag);
    expect(warnings).toEqual([]);
    const other = tapHost(warnings);
    new DistillationPlugin(optionsSchema.parse({ teacher: 'b/model.json' })).apply(other);
    other.hooks.loadState.call(bag);
    expect(warnings).toEqual([expect.stringMatching(/trained with teacher .*a\/model\.json; continuing with .*b\/model\.json/)]);
  });
});

/** Records the incoming (CE) and outgoing loss of the first steps, the tensor count, and the teacher's weights. */
class Probe implements TricksterPlugin {
  readonly name = 'probe';
  readonly incoming: number[] = [];
  readonly outgoing: number[] = [];
  readonly tensors: number[] = [];
  teacherWeights: Record<string, Float32Array> | undefined;
  constructor(private readonly distiller?: DistillationPlugin) {}
  apply(host: PluginHost): void {
    host.hooks.loss.tap({ name: this.name, stage: STAGE.ADD_LOSS_TERM - 1 }, (loss) => (this.incoming.push(loss.dataSync()[0]!), loss));
    host.hooks.loss.tap({ name: this.name, stage: STAGE.ADD_LOSS_TERM + 1 }, (loss) => (this.outgoing.push(loss.dataSync()[0]!), loss));
    host.hooks.afterStep.tap({ name: this.name, stage: 1000 }, () => void this.tensors.push(tf.memory().numTensors));
    host.hooks.afterEpoch.tapPromise({ name: this.name, stage: 1000 }, async () => {
      const teacher = this.distiller?.teacher;
      if (teacher) this.teacherWeights = snapshot(teacher);
    });
  }
}

function snapshot(model: tf.LayersModel): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(allVariables(model)).map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
}

describe('distillation end to end (Fashion-MNIST subset)', () => {
  let teacherFile: string;
  const trainers: { dispose(): void }[] = [];
  afterAll(() => trainers.forEach((t) => t.dispose()));

  beforeAll(async () => {
    // A narrow ResNet-20 teacher trained one epoch on raw pixels (normalize: false), so the student's
    // normalised batches must be mapped back for it.
    const { summary, trainer } = await trainSubset({ model: { name: 'resnet20', width: 0.5 }, data: { limit: 512, normalize: false } });
    trainers.push(trainer);
    teacherFile = path.join(summary.runDir, 'model', 'model.json');
  });

  it('adds the teacher term to the CE of a small-cnn student, leaving the teacher untouched', async () => {
    const plain = new Probe();
    const base = await trainSubset({}, { plugins: [plain] });
    trainers.push(base.trainer);
    const distiller = new DistillationPlugin(optionsSchema.parse({ teacher: teacherFile }));
    const probe = new Probe(distiller);
    const run = await trainSubset({}, { plugins: [distiller, probe] });
    trainers.push(run.trainer);

    // Same seed, same first batch and weights: the CE reaching the tap is the plain run's loss, and
    // the plugin replaces it by 0.5·CE + 0.5·T²·KL with a positive term.
    expect(probe.incoming[0]).toBeCloseTo(plain.outgoing[0]!, 5);
    const term0 = 2 * probe.outgoing[0]! - probe.incoming[0]!;
    expect(term0).toBeGreaterThan(1e-3);
    expect(probe.outgoing.some((l, i) => Math.abs(l - plain.outgoing[i]!) > 1e-3)).toBe(true);
    const report = run.summary.plugins.distillation as { teacher: string; term: number };
    expect(report.teacher).toBe(teacherFile);
    expect(report.term).toBeGreaterThan(0);

    // The teacher ran in inference mode with no gradient: weights and BN statistics as saved.
    const saved = await loadModelFromDir(teacherFile);
    const expected = snapshot(saved);
    saved.dispose();
    expect(Object.keys(probe.teacherWeights!).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, values] of Object.entries(expected)) expect(probe.teacherWeights![name], name).toEqual(values);
    // No tensor leaks from step to step once warmed up.
    expect(new Set(probe.tensors.slice(2)).size).toBe(1);
    expect(distiller.teacher).toBeUndefined();
  });
});
