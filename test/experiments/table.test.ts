import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../core/experiments/manifest.js';
import { experimentTable } from '../../core/experiments/table.js';
import { tableCsv, tableJson, tableMarkdown } from '../../core/experiments/table-format.js';
import type { TrialRecord } from '../../core/experiments/trial-record.js';
import type { RunSummary } from '../../core/run-summary.js';

/** A manifest with variants of trial ids `<variant>-<seed>` (trials themselves are not read by tables). */
function manifest(kind: Manifest['kind'], variants: Array<[string, string | null]>, seeds = [1, 2, 3]): Manifest {
  return {
    version: 1, kind, command: 'test', created: '', seeds, trials: [],
    variants: variants.map(([name, reference]) => ({ name, reference, trials: seeds.map((s) => `${name}-${s}`) })),
  };
}

function records(top1: Record<string, Array<number | string>>): Map<string, TrialRecord> {
  const out = new Map<string, TrialRecord>();
  for (const [variant, values] of Object.entries(top1)) {
    values.forEach((v, i) => {
      const id = `${variant}-${i + 1}`;
      out.set(id, typeof v === 'string'
        ? { id, status: 'failed', attempts: 2, wallSeconds: 5, error: v }
        : { id, status: 'done', attempts: 1, wallSeconds: 10 * (i + 1), summary: { top1: v } as RunSummary });
    });
  }
  return out;
}

describe('experiment tables', () => {
  const ablation = manifest('ablation', [['full', null], ['base', 'full'], ['-a', 'full'], ['-b', 'full'], ['+a', 'base']]);
  const table = experimentTable(ablation, records({
    full: [0.9, 0.91, 0.92], base: [0.85, 0.86, 0.86], '-a': [0.88, 0.89, 0.9], '-b': [0.905, 0.905, 0.925], '+a': [0.86, 0.87, 0.87],
  }));

  it('per variant: mean ± sample std over seeds, paired per-seed differences from its reference and a 95% t interval', () => {
    const a = table.rows.find((r) => r.variant === '-a')!;
    expect(a.mean).toBeCloseTo(0.89, 12);
    expect(a.std).toBeCloseTo(0.01, 12);
    expect(a.diffs.map((d) => +d.toFixed(6))).toEqual([-0.02, -0.02, -0.02]);
    expect(a.delta!.mean).toBeCloseTo(-0.02, 12);
    expect(a.delta!.high - a.delta!.low).toBeCloseTo(0, 12); // identical differences: sd 0
    expect(a.significant).toBe(true);
    const b = table.rows.find((r) => r.variant === '-b')!;
    // diffs +0.005 +-0.005 +0.005: mean 0.001667, sd 0.005774, half width 4.302653 * 0.005774 / √3
    expect(b.delta!.mean).toBeCloseTo(0.005 / 3, 10);
    expect(b.delta!.high - b.delta!.mean).toBeCloseTo((4.302653 * 0.0057735) / Math.sqrt(3), 5);
    expect(b.significant).toBe(false);
    expect(table.rows.find((r) => r.variant === '+a')!.diffs.map((d) => +d.toFixed(6))).toEqual([0.01, 0.01, 0.01]);
    expect(a.wallSeconds).toBe(20);
  });

  it('ablation rows: full first, then by the effect of what they change (−Δ for leave-one-out and base, +Δ for add-one-in)', () => {
    expect(table.rows.map((r) => r.variant)).toEqual(['full', 'base', '-a', '+a', '-b']);
  });

  it('a sweep compares every point with the best one, best first, and says so', () => {
    const sweep = experimentTable(manifest('sweep', [['lr=0.1', null], ['lr=0.2', null], ['lr=0.4', null]]), records({
      'lr=0.1': [0.8, 0.82, 0.81], 'lr=0.2': [0.85, 0.86, 0.84], 'lr=0.4': [0.7, 0.72, 0.71],
    }));
    expect(sweep.rows.map((r) => [r.variant, r.reference])).toEqual([['lr=0.2', null], ['lr=0.1', 'lr=0.2'], ['lr=0.4', 'lr=0.2']]);
    expect(sweep.referenceNote).toMatch(/grid point with the best mean test top-1 \(lr=0\.2\), chosen after seeing the test results: .* must not choose a recipe; give the trials a validation split/);
    expect(sweep.selectedOn).toBe('test');
  });

  it('a sweep whose trials had a validation split chooses its best point on validation top-1, never on test', () => {
    // lr=0.2 has the best test top-1 but lr=0.1 the best validation top-1: the validation split decides.
    const val: Record<string, number[]> = { 'lr=0.1': [0.84, 0.85, 0.86], 'lr=0.2': [0.8, 0.81, 0.82], 'lr=0.4': [0.7, 0.7, 0.7] };
    const recs = records({ 'lr=0.1': [0.8, 0.82, 0.81], 'lr=0.2': [0.85, 0.86, 0.84], 'lr=0.4': [0.7, 0.72, 0.71] });
    for (const [id, r] of recs) {
      if (r.status !== 'done') continue;
      const [variant, seed] = [id.slice(0, id.lastIndexOf('-')), Number(id.slice(id.lastIndexOf('-') + 1))];
      recs.set(id, { ...r, summary: { ...r.summary, validation: { top1: val[variant]![seed - 1]!, top5: 1, loss: 0.5, count: 1000 } } });
    }
    const sweep = experimentTable(manifest('sweep', [['lr=0.1', null], ['lr=0.2', null], ['lr=0.4', null]]), recs);
    expect(sweep.selectedOn).toBe('validation');
    expect(sweep.rows.map((r) => [r.variant, r.reference])).toEqual([['lr=0.1', null], ['lr=0.2', 'lr=0.1'], ['lr=0.4', 'lr=0.1']]);
    expect(sweep.rows[0]!.valMean).toBeCloseTo(0.85, 12);
    expect(sweep.referenceNote).toBe('Δ: paired test difference from the grid point with the best mean validation top-1 (lr=0.1); the test split chose nothing');
    const md = tableMarkdown(sweep);
    expect(md.split('\n')[0]).toBe('| variant | vs | n | val top-1 % | val Δ pp | val 95% CI | top-1 % | Δ pp | 95% CI | per-seed Δ | wall s | sig |');
    expect(md).toContain('| lr=0.1 |  | 3 | 85.00 |  |  | 81.00 ± 1.00 |');
    // lr=0.2 − lr=0.1 on validation: −0.04 on every seed (sd 0); on test +0.05, +0.04, +0.03.
    expect(md).toContain('| lr=0.2 | lr=0.1 | 3 | 81.00 | -4.00 | [-4.00, -4.00] * | 85.00 ± 1.00 | +4.00 |');
    expect(tableCsv(sweep).split('\n')[1]!.endsWith(',85.0000,,,,')).toBe(true);
    expect(tableCsv(sweep).split('\n')[2]!.endsWith(',81.0000,-4.0000,-4.0000,-4.0000,true')).toBe(true);
    // One trial without validation metrics (a point run without the split): the choice falls back to test, and says so.
    const mixed = new Map(recs);
    const r = mixed.get('lr=0.4-1')!;
    if (r.status === 'done') mixed.set('lr=0.4-1', { ...r, summary: { ...r.summary, validation: null } });
    expect(experimentTable(manifest('sweep', [['lr=0.1', null], ['lr=0.2', null], ['lr=0.4', null]]), mixed).selectedOn).toBe('test');
  });

  it('an ablation whose trials had a validation split gives the paired validation Δ and orders its rows by it, not by test', () => {
    // -a costs 2 points of test top-1 but nothing on validation; -b costs nothing on test but 3 points of validation.
    const recs = records({ full: [0.9, 0.91, 0.92], '-a': [0.88, 0.89, 0.9], '-b': [0.9, 0.91, 0.92] });
    const val: Record<string, number[]> = { full: [0.9, 0.9, 0.9], '-a': [0.9, 0.91, 0.89], '-b': [0.87, 0.87, 0.87] };
    for (const [id, r] of recs) {
      if (r.status !== 'done') continue;
      const [variant, seed] = [id.slice(0, id.lastIndexOf('-')), Number(id.slice(id.lastIndexOf('-') + 1))];
      recs.set(id, { ...r, summary: { ...r.summary, validation: { top1: val[variant]![seed - 1]!, top5: 1, loss: 0.5, count: 1000 } } });
    }
    const t = experimentTable(manifest('ablation', [['full', null], ['-a', 'full'], ['-b', 'full']]), recs);
    expect(t.selectedOn).toBe('validation');
    expect(t.rows.map((r) => r.variant)).toEqual(['full', '-b', '-a']);
    const b = t.rows.find((r) => r.variant === '-b')!;
    expect(b.valDiffs.map((d) => +d.toFixed(6))).toEqual([-0.03, -0.03, -0.03]);
    expect(b.valSignificant).toBe(true);
    expect(b.significant).toBe(false);
    const a = t.rows.find((r) => r.variant === '-a')!;
    // validation diffs 0, +0.01, −0.01: mean 0, sd 0.01, half width 4.302653 · 0.01 / √3
    expect(a.valDelta!.mean).toBeCloseTo(0, 12);
    expect(a.valDelta!.high).toBeCloseTo((4.302653 * 0.01) / Math.sqrt(3), 5);
    expect(a.valSignificant).toBe(false);
    expect(t.referenceNote).toMatch(/on the validation split \(val Δ: the one to judge tricks by; rows in its order\)/);
    // Without the split the test Δ orders the rows, and the note says the table must not choose tricks.
    const noVal = experimentTable(manifest('ablation', [['full', null], ['-a', 'full'], ['-b', 'full']]), records({ full: [0.9, 0.91, 0.92], '-a': [0.88, 0.89, 0.9], '-b': [0.9, 0.91, 0.92] }));
    expect([noVal.selectedOn, noVal.rows.map((r) => r.variant)]).toEqual(['test', ['full', '-a', '-b']]);
    expect(noVal.referenceNote).toMatch(/on the test split: it describes this ablation, it must not choose tricks/);
  });

  it('failed and missing trials are counted and listed, never dropped silently', () => {
    const t = experimentTable(manifest('ablation', [['full', null], ['-a', 'full']]), records({ full: [0.9, 0.91, 'error [NUMERIC_INSTABILITY]: loss NaN'], '-a': [0.88, 0.89] }));
    const a = t.rows.find((r) => r.variant === '-a')!;
    expect([a.n, a.trials, a.diffs.length]).toEqual([2, 3, 2]);
    const md = tableMarkdown(t);
    expect(md).toContain('| full |  | 2/3 | 90.50 ± 0.71 |');
    expect(md).toContain('- failed: full-3: error [NUMERIC_INSTABILITY]: loss NaN');
    expect(tableCsv(t).split('\n')[1]).toBe('full,,2,3,90.5000,0.7071,,,,false,90.0000 91.0000 NA,,15.0,1,,,,,');
  });

  it('markdown marks intervals that exclude zero; JSON keeps fractions and writes NaN as null', () => {
    const md = tableMarkdown(table).split('\n');
    expect(tableMarkdown(experimentTable({ ...ablation, offMeans: { a: 'plugins.a: false', b: 'schedule.warmup removed' } }, new Map()))).toMatch(/\nOff means: a: plugins\.a: false; b: schedule\.warmup removed\.$/);
    expect(md[0]).toBe('| variant | vs | n | top-1 % | Δ pp | 95% CI | per-seed Δ | wall s | sig |');
    expect(md.find((l) => l.startsWith('| -a |'))).toBe('| -a | full | 3 | 89.00 ± 1.00 | -2.00 | [-2.00, -2.00] | -2.00 -2.00 -2.00 | 20 | * |');
    const json = JSON.parse(tableJson(experimentTable(manifest('ablation', [['full', null]], [1]), records({ full: [0.9] })))) as { rows: Array<{ std: number | null; mean: number }> };
    expect(json.rows[0]).toMatchObject({ mean: 0.9, std: null });
  });

  it('trials under a time budget get an epochs column: the mean epochs each variant trained', () => {
    const budgeted = records({ full: [0.9, 0.91], '-a': [0.88, 0.89] });
    const epochsOf: Record<string, number> = { 'full-1': 20, 'full-2': 21, '-a-1': 30, '-a-2': 30 };
    for (const [id, r] of budgeted) if (r.status === 'done') budgeted.set(id, { ...r, summary: { ...r.summary, epochs: epochsOf[id]!, timeBudget: { budget: '10m' } } as unknown as RunSummary });
    const t = experimentTable(manifest('ablation', [['full', null], ['-a', 'full']], [1, 2]), budgeted);
    expect(t.timeBudget).toBe(true);
    const md = tableMarkdown(t).split('\n');
    expect(md[0]).toBe('| variant | vs | n | top-1 % | Δ pp | 95% CI | per-seed Δ | epochs | wall s | sig |');
    expect(md.find((l) => l.startsWith('| full |'))).toContain('| 20.5 | 15 |');
    expect(md.find((l) => l.startsWith('| -a |'))).toContain('| 30.0 | 15 |');
    expect(md.join('\n')).toContain("epochs: mean over seeds of what each trial's time budget let it train;");
    // Without a budget the column stays out (the table above).
    expect(table.timeBudget).toBe(false);
  });
});
