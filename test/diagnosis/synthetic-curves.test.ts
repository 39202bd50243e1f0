import { describe, expect, it } from 'vitest';
import { diagnoseRun, type DiagnosisConfig, type EpochPoint, type RunCurves, type StepPoint } from '../../core/diagnosis/index.js';
import { diagnoseDivergence } from '../../core/diagnosis/divergence.js';
import { diagnoseInitialLr } from '../../core/diagnosis/initial-lr.js';
import { diagnoseLateLr } from '../../core/diagnosis/late-lr.js';
import { diagnoseLrTooLow } from '../../core/diagnosis/lr-too-low.js';
import { diagnoseOverfitting } from '../../core/diagnosis/overfitting.js';
import { diagnosePlateau } from '../../core/diagnosis/plateau.js';
import { diagnoseUnderfitting, smoothingLossFloor } from '../../core/diagnosis/underfitting.js';

const config: DiagnosisConfig = { optimizer: { lr: 0.1, weightDecay: 5e-4 }, schedule: { name: 'constant' }, model: { width: 1 }, training: { epochs: 10 }, plugins: {} };

/** Step lines from a loss function of the step index, 10 lines an epoch, a constant rate unless given. */
function steps(loss: (i: number) => number, n = 40, lr: (i: number) => number = () => 0.1): StepPoint[] {
  return Array.from({ length: n }, (_, i) => ({ epoch: Math.floor(i / 10) + 1, step: 10 * (i + 1), loss: loss(i), lr: lr(i) }));
}

/** Epoch lines from training and validation losses. */
function epochs(train: number[], val?: number[], lr: (e: number) => number = () => 0.1): EpochPoint[] {
  return train.map((t, i) => ({ epoch: i + 1, step: 100 * (i + 1), lr: lr(i), trainLoss: t, ...(val ? { valLoss: val[i]!, valTop1: 0.5 } : {}) }));
}

const curves = (over: Partial<RunCurves>): RunCurves => ({ steps: [], epochs: [], config, divergence: null, finished: true, ...over });
/** A small deterministic wobble (batch noise) of relative size `a`. */
const wobble = (i: number, a = 0.01) => 1 + a * Math.sin(1.7 * i);
/** A healthy curve: a fast fall that keeps going, on a decayed rate. */
const healthySteps = steps((i) => 0.4 + 2 * Math.exp(-i / 6) - 0.005 * i, 40, (i) => (i < 20 ? 0.1 : i < 30 ? 0.01 : 0.001));

describe('initial learning rate too high', () => {
  it('finds a loss that rises in the first epoch and names the step, the rise and a tenth of the rate', () => {
    const d = diagnoseInitialLr(curves({ steps: steps((i) => (i < 5 ? 2.3 * 1.6 ** i : 2.3)) }));
    expect(d?.id).toBe('initial-lr-too-high');
    expect(d?.evidence).toMatch(/training loss 2\.3 at step 10, rose to 15\.07 \(6\.554x\) at step 50/);
    expect(d?.change).toBe('optimizer.lr: 0.1 -> 0.01');
  });
  it('finds a NaN in the first epoch, and a first logged loss that has exploded already', () => {
    expect(diagnoseInitialLr(curves({ steps: steps((i) => (i === 3 ? NaN : 2.3)) }))?.evidence).toMatch(/became NaN at step 40/);
    expect(diagnoseInitialLr(curves({ steps: steps((i) => (i === 0 ? 5e6 : 2.3)) }))?.evidence).toMatch(/5\.00e\+6 at step 10 .* already: exploded/);
  });
  it('does not fire on a falling curve, on a rise below 1.5x, or on a rise after the first epoch', () => {
    expect(diagnoseInitialLr(curves({ steps: healthySteps }))).toBeNull();
    expect(diagnoseInitialLr(curves({ steps: steps((i) => (i === 4 ? 2.3 * 1.4 : 2.3 - 0.01 * i)) }))).toBeNull();
    expect(diagnoseInitialLr(curves({ steps: steps((i) => (i === 25 ? 50 : 2.3 - 0.01 * i)) }))).toBeNull();
  });
  it('reads the epoch curve when there are no step lines', () => {
    expect(diagnoseInitialLr(curves({ epochs: epochs([2.3, 9, 4, 3]) }))?.evidence).toMatch(/at epoch 1, rose to 9 .* at epoch 2/);
  });
});

describe('initial learning rate too high, from the loss a fresh classifier starts from (ln(classes), run.json)', () => {
  const ln10 = Math.log(10);
  // steps.jsonl of a real baseline run (--limit 2560, lr 0.05, a line every 10 steps): the spike is inside the first line's mean.
  const baselineSteps: StepPoint[] = [
    { epoch: 1, step: 10, loss: 5.90394287109375, lr: 0.05 },
    { epoch: 1, step: 20, loss: 2.535198211669922, lr: 0.0005 },
  ];
  it('a first logged window already 1.5x ln(classes) or more: found, naming the window and the reference', () => {
    const d = diagnoseInitialLr(curves({ steps: baselineSteps, initialLoss: ln10 }));
    expect(d?.id).toBe('initial-lr-too-high');
    expect(d?.evidence).toBe('training loss 5.904 at step 10 (epoch 1, lr 0.05), the first logged, is 2.564x the 2.303 (ln(classes)) a fresh classifier starts from: it rose within the first logged window; threshold 1.5x');
    expect(d?.change).toBe('schedule.warmup: { epochs: 1, startFactor: 0.1 }');
    // With a warmup already configured, the change is a lower rate.
    const warm = curves({ steps: baselineSteps, initialLoss: ln10 });
    const withWarmup = { ...warm, config: { ...warm.config, schedule: { ...warm.config.schedule, warmup: { epochs: 1, startFactor: 0.1 } } } };
    expect(diagnoseInitialLr(withWarmup)?.change).toBe('optimizer.lr: 0.1 -> 0.01');
    // Without the reference (a run recorded before it, or a plugin adding a loss term) two lines are too few to tell.
    expect(diagnoseInitialLr(curves({ steps: baselineSteps }))).toBeNull();
    expect(diagnoseInitialLr(curves({ steps: baselineSteps, initialLoss: null }))).toBeNull();
  });
  it('a rise measured from ln(classes) when the first window is above it but below 1.5x', () => {
    const d = diagnoseInitialLr(curves({ steps: steps((i) => [3.0, 3.3, 4.0, 2.9, 2.5][i] ?? 2.2 - 0.01 * i), initialLoss: ln10 }));
    expect(d?.evidence).toMatch(/^training loss 3 at step 10, rose to 4 \(1\.737x the 2\.303 \(ln\(classes\)\) a fresh classifier starts from\) at step 30 /);
    // From the first logged loss alone, 4 is only 1.33x: not found.
    expect(diagnoseInitialLr(curves({ steps: steps((i) => [3.0, 3.3, 4.0, 2.9, 2.5][i] ?? 2.2 - 0.01 * i) }))).toBeNull();
  });
  it('no false alarm: a healthy start (first window at or below ln(classes)), a first epoch line below 1.5x, or lines from epoch 2 on (a resumed log)', () => {
    expect(diagnoseInitialLr(curves({ steps: healthySteps, initialLoss: ln10 }))).toBeNull();
    expect(diagnoseInitialLr(curves({ steps: steps((i) => 2.25 * wobble(i, 0.05) - 0.02 * i), initialLoss: ln10 }))).toBeNull();
    expect(diagnoseInitialLr(curves({ epochs: epochs([1.1, 0.7, 0.6]), initialLoss: ln10 }))).toBeNull();
    expect(diagnoseInitialLr(curves({ steps: steps((i) => 4 - 0.01 * i).map((p) => ({ ...p, epoch: p.epoch + 1 })), initialLoss: ln10 }))).toBeNull();
  });
});

describe('late learning rate too high', () => {
  const fastThenFlat = steps((i) => (i < 10 ? 2.3 - 0.17 * i : 0.6) * wobble(i, 0.005));
  it('finds a fast drop then a flat loss at an undecayed rate; the change is a cosine schedule', () => {
    const d = diagnoseLateLr(curves({ steps: fastThenFlat }));
    expect(d?.id).toBe('late-lr-too-high');
    expect(d?.evidence).toMatch(/while the lr is still 0\.1 at step 400/);
    expect(d?.change).toBe('schedule: { name: cosine }');
  });
  it('does not fire once the rate was decayed, when the loss keeps falling, or live under a schedule yet to decay', () => {
    expect(diagnoseLateLr(curves({ steps: steps((i) => (i < 10 ? 2.3 - 0.17 * i : 0.6), 40, (i) => (i < 20 ? 0.1 : 0.01)) }))).toBeNull();
    expect(diagnoseLateLr(curves({ steps: healthySteps }))).toBeNull();
    expect(diagnoseLateLr(curves({ steps: fastThenFlat, finished: false, config: { ...config, schedule: { name: 'multistep' } } }))).toBeNull();
  });
});

describe('learning rate too low', () => {
  it('finds a slow steady fall (noise and all) and suggests ten times the rate', () => {
    const d = diagnoseLrTooLow(curves({ steps: steps((i) => (2.3 - 0.004 * i) * wobble(i)) }));
    expect(d?.id).toBe('lr-too-low');
    expect(d?.change).toBe('optimizer.lr: 0.1 -> 1');
  });
  it('does not fire on a fast fall, a flat noisy curve, or a curve that rose', () => {
    expect(diagnoseLrTooLow(curves({ steps: healthySteps }))).toBeNull();
    expect(diagnoseLrTooLow(curves({ steps: steps((i) => 2.3 * wobble(i, 0.03)) }))).toBeNull();
    expect(diagnoseLrTooLow(curves({ steps: steps((i) => (i === 2 ? 3 : 2.3 - 0.004 * i)) }))).toBeNull();
  });
});

describe('overfitting', () => {
  const train = [1.2, 0.8, 0.6, 0.45, 0.35, 0.28];
  it('finds validation loss rising off its low while training loss falls and the gap widens', () => {
    const d = diagnoseOverfitting(curves({ epochs: epochs(train, [1.25, 0.9, 0.8, 0.82, 0.88, 0.95]) }));
    expect(d?.id).toBe('overfitting');
    expect(d?.evidence).toMatch(/validation loss lowest at epoch 3 \(0\.8\), 0\.95 at epoch 6 \(\+18\.7%/);
    expect(d?.change).toMatch(/early-stopping/);
  });
  it('with early stopping on, suggests twice the weight decay', () => {
    const d = diagnoseOverfitting(curves({ epochs: epochs(train, [1.25, 0.9, 0.8, 0.82, 0.88, 0.95]), config: { ...config, plugins: { 'early-stopping': {} } } }));
    expect(d?.change).toBe('optimizer.weightDecay: 5.00e-4 -> 0.001');
  });
  it('does not fire while validation loss still falls, on a rise under 5%, or without a validation split', () => {
    expect(diagnoseOverfitting(curves({ epochs: epochs(train, [1.25, 0.9, 0.8, 0.7, 0.65, 0.6]) }))).toBeNull();
    expect(diagnoseOverfitting(curves({ epochs: epochs(train, [1.25, 0.9, 0.8, 0.81, 0.82, 0.83]) }))).toBeNull();
    expect(diagnoseOverfitting(curves({ epochs: epochs(train) }))).toBeNull();
  });
});

describe('underfitting', () => {
  it('finds training and validation loss both high and flat, and suggests a wider model', () => {
    const d = diagnoseUnderfitting(curves({ epochs: epochs([2.0, 1.9, 1.89, 1.885, 1.884], [2.0, 1.95, 1.94, 1.94, 1.939]) }));
    expect(d?.id).toBe('underfitting');
    expect(d?.change).toBe('model.width: 1 -> 2');
  });
  it('does not fire when the loss is low, still falling, or the flatness is a slow steady fall (too low a rate)', () => {
    expect(diagnoseUnderfitting(curves({ epochs: epochs([2.0, 0.9, 0.6, 0.59, 0.589], [2.0, 0.95, 0.7, 0.69, 0.69]) }))).toBeNull();
    expect(diagnoseUnderfitting(curves({ epochs: epochs([2.0, 1.8, 1.6, 1.45, 1.3]) }))).toBeNull();
    const slow = steps((i) => (2.3 - 0.004 * i) * wobble(i));
    expect(diagnoseUnderfitting(curves({ steps: slow, epochs: epochs([2.28, 2.24, 2.2, 2.16]) }))).toBeNull();
  });
  it('counts the training loss above the floor label smoothing sets: a smoothed run flat at 0.75 is not underfitting', () => {
    // The entropy of the smoothed target, eps 0.1 over 10 classes: -0.91 ln 0.91 - 9 (0.01 ln 0.01) = 0.0858 + 0.4145.
    const smoothed = { ...config, plugins: { 'label-smoothing': { epsilon: 0.1 } } };
    expect(smoothingLossFloor(curves({ config: smoothed, initialLoss: Math.log(10) }))).toBeCloseTo(0.500288, 5);
    expect(smoothingLossFloor(curves({ config: smoothed, initialLoss: null }))).toBe(0);
    expect(smoothingLossFloor(curves({ initialLoss: Math.log(10) }))).toBe(0);
    // A 26-epoch cosine run of resnet6-pool-stem with eps 0.1 and no validation split (epochs 1-6; doctor flagged it at epoch 6).
    const run = epochs([1.15, 0.93, 0.85, 0.7792, 0.765, 0.7517]);
    expect(diagnoseUnderfitting(curves({ epochs: run, config: smoothed, initialLoss: Math.log(10) }))).toBeNull();
    const hard = diagnoseUnderfitting(curves({ epochs: run, initialLoss: Math.log(10) }));
    expect(hard?.title).toBe('underfitting: training loss high and flat (no validation split)');
    expect(hard?.evidence).toMatch(/still 0\.65\d* of the first logged training loss 1\.15 \(high/);
  });
});

describe('plateau', () => {
  it('finds three epochs without a 1% improvement at one rate, and suggests reduce-lr-on-plateau', () => {
    const d = diagnosePlateau(curves({ epochs: epochs([1, 0.7, 0.6, 0.6, 0.6, 0.6], [1, 0.8, 0.7, 0.699, 0.701, 0.7]) }));
    expect(d?.id).toBe('plateau');
    expect(d?.evidence).toMatch(/validation loss best 0\.7 at epoch 3; epochs 4-6/);
    expect(d?.change).toBe('plugins: { reduce-lr-on-plateau: { patience: 2, factor: 0.1 } }');
  });
  it('does not fire when the rate changed within the stretch, on two flat epochs, on a rising loss, or with reduce-lr-on-plateau on', () => {
    expect(diagnosePlateau(curves({ epochs: epochs([1, 0.7, 0.6, 0.5, 0.4, 0.3], [1, 0.8, 0.7, 0.75, 0.8, 0.85]) }))).toBeNull();
    const flat = epochs([1, 0.7, 0.6, 0.6, 0.6, 0.6], [1, 0.8, 0.7, 0.699, 0.701, 0.7], (e) => (e < 4 ? 0.1 : 0.01));
    expect(diagnosePlateau(curves({ epochs: flat }))).toBeNull();
    expect(diagnosePlateau(curves({ epochs: epochs([1, 0.7, 0.6, 0.6, 0.6]) }))).toBeNull();
    const caught = epochs([1, 0.7, 0.6, 0.6, 0.6, 0.6]);
    expect(diagnosePlateau(curves({ epochs: caught, config: { ...config, plugins: { 'reduce-lr-on-plateau': {} } } }))).toBeNull();
  });
});

describe('divergence', () => {
  const record = { code: 'NUMERIC_INSTABILITY' as const, message: 'training diverged at epoch 3', epochsCompleted: 2, step: 230, lr: 0.1 };
  it('reports the divergence record; after a calm first epoch at a constant rate, the change is a cosine schedule', () => {
    const d = diagnoseDivergence(curves({ divergence: record, steps: healthySteps.slice(0, 20), epochs: epochs([1.5, 0.9]) }));
    expect(d?.evidence).toMatch(/NUMERIC_INSTABILITY after 2 finished epoch\(s\), at step 230 \(lr 0\.1\): training diverged at epoch 3/);
    expect(d?.change).toBe('schedule: { name: cosine }');
  });
  it('in the first epoch (or after an exploding one) the change is a tenth of the rate', () => {
    expect(diagnoseDivergence(curves({ divergence: { ...record, epochsCompleted: 0 } }))?.change).toBe('optimizer.lr: 0.1 -> 0.01');
    expect(diagnoseDivergence(curves({ divergence: record, epochs: epochs([3e12, 5]) }))?.change).toBe('optimizer.lr: 0.1 -> 0.01');
  });
  it('finds a NaN training loss without a record, and nothing on finite curves', () => {
    expect(diagnoseDivergence(curves({ steps: steps((i) => (i === 33 ? NaN : 1)) }))?.evidence).toMatch(/NaN or infinite at epoch 4, step 340/);
    expect(diagnoseDivergence(curves({ steps: healthySteps, epochs: epochs([1.5, 0.9, 0.6, 0.5]) }))).toBeNull();
  });
});

describe('diagnoseRun', () => {
  it('says healthy, with what it read, when no check applies', () => {
    const found = diagnoseRun(curves({ steps: healthySteps, epochs: epochs([1.5, 0.9, 0.6, 0.5], [1.6, 1.0, 0.7, 0.6], (e) => (e < 2 ? 0.1 : 0.01)) }));
    expect(found.map((d) => d.id)).toEqual(['healthy']);
    expect(found[0]!.evidence).toMatch(/training loss 1\.5 -> 0\.5 over 4 epoch\(s\)/);
  });
  it('reports every finding the curves support, in order', () => {
    const found = diagnoseRun(curves({ steps: steps((i) => (i < 5 ? 2.3 * 1.6 ** i : NaN)), divergence: null }));
    expect(found.map((d) => d.id)).toEqual(['divergence', 'initial-lr-too-high']);
  });
});
