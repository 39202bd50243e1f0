import { describe, expect, it } from 'vitest';
import { excludesZero, mean, pairedInterval, sampleStd, tCritical } from '../../core/experiments/stats.js';

describe('experiment statistics', () => {
  it('mean and sample standard deviation (n − 1) of hand-worked values', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    // squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, / 3, sqrt
    expect(sampleStd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(sampleStd([0.9])).toBeNaN();
    expect(mean([])).toBeNaN();
  });

  it('t quantiles match the published table (NIST/SEMATECH e-Handbook 1.3.6.7.2, upper 0.025 critical values)', () => {
    const table: Array<[number, number]> = [[1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [9, 2.262], [10, 2.228], [30, 2.042], [100, 1.984]];
    for (const [df, t] of table) expect(tCritical(df), `df ${df}`).toBeCloseTo(t, 3);
    expect(tCritical(0)).toBeNaN();
  });

  it('a paired interval of hand-worked differences: mean 2, sd 1, n 3 → 2 ± 4.302653 / √3', () => {
    const ci = pairedInterval([1, 2, 3]);
    expect(ci.mean).toBe(2);
    expect(ci.low).toBeCloseTo(2 - 4.302653 / Math.sqrt(3), 5);
    expect(ci.high).toBeCloseTo(2 + 4.302653 / Math.sqrt(3), 5);
    expect(excludesZero(ci)).toBe(false);
  });

  it("Student's sleep data, paired: the interval R's t.test(group1, group2, paired = TRUE) gives, [−2.4598858, −0.7001142]", () => {
    const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const ci = pairedInterval(group1.map((v, i) => v - group2[i]!));
    expect(ci.mean).toBeCloseTo(-1.58, 10);
    expect(ci.low).toBeCloseTo(-2.4598858, 6);
    expect(ci.high).toBeCloseTo(-0.7001142, 6);
    expect(excludesZero(ci)).toBe(true);
  });

  it('one pair has a mean but no interval (0 degrees of freedom)', () => {
    const ci = pairedInterval([0.01]);
    expect(ci.mean).toBe(0.01);
    expect(ci.low).toBeNaN();
    expect(excludesZero(ci)).toBe(false);
  });
});
