import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { finalsTable, readBudgetResult } from '../../bench/fast-recipe/finals-table.js';
import { tempRunDir } from '../helpers/train-subset.js';

const results = path.join(import.meta.dirname, '../../bench/results/fast-recipe');
const lr02 = [1, 2, 3].map((s) => readBudgetResult(path.join(results, `2026-12-03-resnet6-pool-stem-w1-lr0.2-30m-s${s}.json`)));

describe('bench/fast-recipe/finals-table.ts', () => {
  it("the committed lr 0.2 finals give bench/fast-recipe/README.md's row per seed and its mean ± std", () => {
    const lines = finalsTable(lr02).split('\n');
    expect(lines[2]).toBe('| 1 | AMD EPYC family 25 model 17 | 19 | 728 | 622 | 93.37 | 93.39 | 1,845.1 | 3,376 | 103% |');
    // mean of 93.37, 93.06, 92.99 and its sample std; with TTA 93.39, 93.23, 93.18
    expect(lines.at(-1)).toBe('| **mean ± std** |  |  |  |  | **93.14 ± 0.20** | **93.27 ± 0.11** |  |  |  |');
  });

  it('a run the budget keeper revised shows its epochs with the planned ones beside; one run has no mean row', () => {
    const keeper = readBudgetResult(path.join(results, '2026-12-03-resnet6-pool-stem-w1-lr0.2-30m-keeper-s1.json'));
    const lines = finalsTable([keeper]).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('| 1 | AMD EPYC family 25 model 17 | 18 (13) | 498 | 671 | 93.39 | 93.33 | 1,621.1 | 3,034 | 90% |');
  });

  it('a file that is not a run-budget.sh result is an error naming it and the missing field', () => {
    const file = path.join(tempRunDir('finals-table-'), 'other.json');
    writeFileSync(file, JSON.stringify({ command: 'x', cpuSeconds: 1 }));
    expect(() => readBudgetResult(file)).toThrow(`${file}: not a run-budget.sh result (wallSeconds: `);
  });
});
