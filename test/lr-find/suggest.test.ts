import { describe, expect, it } from 'vitest';
import { DivergenceWatch, SmoothedLoss, smoothLosses } from '../../core/lr-find/smoothing.js';
import { exponentialLr } from '../../core/lr-find/ramp.js';
import { steepSuggestion, suggestionWindow, valleySuggestion, type LrLossPoint } from '../../core/lr-find/suggest.js';

/** A synthetic range-test curve: flat, then a tanh descent centred at 10^centre, then a blow-up past 10^-0.5. */
function syntheticCurve(steps: number, centre: number): LrLossPoint[] {
  return Array.from({ length: steps }, (_, i) => {
    const lr = exponentialLr(i, steps, 1e-7, 10);
    const x = Math.log10(lr);
    const loss = 2.3 - Math.tanh(2 * (x - centre)) + (x > -0.5 ? 30 * (x + 0.5) ** 2 : 0);
    return { lr, loss };
  });
}

describe('smoothing (fastai AvgSmoothLoss)', () => {
  it('is bias-corrected: a constant loss smooths to itself from the first step', () => {
    expect(smoothLosses([2, 2, 2, 2], 0.98)).toEqual([2, 2, 2, 2].map(() => expect.closeTo(2, 12)));
  });

  it('follows avg = beta·avg + (1-beta)·loss divided by 1 - beta^n', () => {
    const s = new SmoothedLoss(0.9);
    expect(s.value).toBeNaN();
    expect(s.add(1)).toBeCloseTo(1, 12);
    // avg = 0.9·0.1 + 0.1·3 = 0.39; / (1 − 0.81) = 2.0526…
    expect(s.add(3)).toBeCloseTo(0.39 / 0.19, 12);
  });

  it('refuses a beta outside [0, 1)', () => {
    expect(() => new SmoothedLoss(1)).toThrow(RangeError);
  });
});

describe('divergence watch', () => {
  it('stops once the smoothed loss exceeds 4x its best, not before', () => {
    const w = new DivergenceWatch(4);
    expect([2, 1, 0.5, 1.9, 2.0].map((v) => w.diverged(v))).toEqual([false, false, false, false, false]);
    expect(w.diverged(2.01)).toBe(true);
  });

  it('stops on a non-finite loss', () => {
    const w = new DivergenceWatch();
    expect(w.diverged(1)).toBe(false);
    expect(w.diverged(NaN)).toBe(true);
    expect(new DivergenceWatch().diverged(Infinity)).toBe(true);
  });
});

describe('exponential ramp', () => {
  it('starts at startLr and multiplies by a constant factor per step', () => {
    expect(exponentialLr(0, 100, 1e-7, 10)).toBeCloseTo(1e-7, 20);
    expect(exponentialLr(50, 100, 1e-6, 1)).toBeCloseTo(1e-3, 12);
    const ratio = exponentialLr(11, 100, 1e-7, 10) / exponentialLr(10, 100, 1e-7, 10);
    expect(ratio).toBeCloseTo(10 ** (8 / 100), 10);
  });
});

describe('suggestions on synthetic curves', () => {
  it('steep finds the steepest descent of a tanh curve centred at 1e-3 (within one step)', () => {
    const curve = syntheticCurve(200, -3);
    const s = steepSuggestion(suggestionWindow(curve, 200))!;
    expect(s.rule).toBe('steep');
    // Steps are 10^(8/200) apart: one step is 0.04 decades.
    expect(Math.abs(Math.log10(s.lr) + 3)).toBeLessThanOrEqual(0.05);
  });

  it('steep moves with the curve (centre 1e-2)', () => {
    const s = steepSuggestion(suggestionWindow(syntheticCurve(200, -2), 200))!;
    expect(Math.abs(Math.log10(s.lr) + 2)).toBeLessThanOrEqual(0.05);
  });

  it('valley: the longest decreasing subsequence, then start + floor(s) + floor(s/2) with s = (end - start)/3', () => {
    const losses = [3, 2.5, 2.8, 2, 1.5, 1, 0.8, 2, 5];
    const points = losses.map((loss, i) => ({ lr: 10 ** (i - 8), loss }));
    // Longest decreasing subsequence: 3, 2.5, 2, 1.5, 1, 0.8 (length 6, ends at index 6): start 0, s = 2, index 3.
    const v = valleySuggestion(points)!;
    expect(v).toEqual({ rule: 'valley', lr: points[3]!.lr, loss: 2, index: 3 });
  });

  it('valley skips a bump inside the descent (a subsequence, not a contiguous run)', () => {
    const losses = [5, 4, 6, 3.5, 3, 2, 1, 9];
    const points = losses.map((loss, i) => ({ lr: 10 ** (i - 8), loss }));
    // 5, 4, 3.5, 3, 2, 1 (length 6, ends at index 6) skips the bump 6 (through it: 6, 3.5, … is only 5 long); start 0, s = 2, index 3.
    expect(valleySuggestion(points)!.index).toBe(3);
  });

  it('valley on a noisy, smoothed synthetic curve lies inside the descent, below the rate of the minimum', () => {
    // Noise of ±0.3 on the raw losses, smoothed as the range test does (beta 0.98).
    const raw = syntheticCurve(200, -3).map((p, i) => ({ lr: p.lr, loss: p.loss + 0.3 * Math.sin(i * 2.1) }));
    const smooth = smoothLosses(raw.map((p) => p.loss));
    const curve = suggestionWindow(raw.map((p, i) => ({ lr: p.lr, loss: smooth[i]! })), 200);
    const v = valleySuggestion(curve)!;
    const minIndex = curve.reduce((m, p, i) => (p.loss < curve[m]!.loss ? i : m), 0);
    expect(v.lr).toBeGreaterThan(1e-4);
    expect(v.lr).toBeLessThan(curve[minIndex]!.lr);
    expect(v.loss).toBeLessThan(3.2);
    expect(v.loss).toBeGreaterThan(curve[minIndex]!.loss);
  });

  it('the window drops the first tenth, the last 5 points and everything from the first NaN', () => {
    const pts = Array.from({ length: 30 }, (_, i) => ({ lr: i + 1, loss: i === 20 ? NaN : 1 }));
    const w = suggestionWindow(pts, 30);
    expect(w[0]!.lr).toBe(4);
    expect(w.at(-1)!.lr).toBe(20);
  });

  it('no suggestion on too short a curve', () => {
    expect(steepSuggestion([{ lr: 1, loss: 1 }])).toBeNull();
    expect(valleySuggestion([])).toBeNull();
  });
});
