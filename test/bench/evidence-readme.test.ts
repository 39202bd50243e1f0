import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandLine, experimentArgs, loadClaims, REPO_ROOT } from '../../bench/evidence/claims.js';
import { claimEffect } from '../../bench/evidence/effect.js';
import { END_MARKER, evidenceSection, START_MARKER, writeEvidence } from '../../bench/evidence/readme.js';
import { readSummary, summaryFiles, writeSummary, type TrialSummary } from '../../bench/evidence/summary.js';
import { pairedInterval } from '../../core/experiments/stats.js';
import { tempRunDir } from '../helpers/train-subset.js';

const file = loadClaims();
const ema = file.experiments.find((e) => e.id === 'ema')!;
const emaClaim = file.claims.find((c) => c.id === 'ema')!;

/**
 * A summary of the ema experiment (made by the claims file's command, a sweep over the decay) with
 * these per-seed top-1 values of the EMA weights and of the final weights the plugin reports.
 */
function writeEmaSummary(resultsDir: string, emaTop1: number[], finalTop1: number[], args = experimentArgs(ema), evalSizes?: number[]): void {
  const trial = (variant: string, top1: number, final: number, seed: number): TrialSummary => ({
    variant,
    seed,
    trial: `${variant}-s${seed}`,
    status: 'done',
    metrics: { top1, top5: 1, testLoss: 0.3, inputSize: 28, plugins: { ema: { exported: true, finalWeightsTop1: final } } },
    wallSeconds: 60,
  });
  writeSummary(resultsDir, {
    experiment: { id: 'ema', args, command: commandLine(args), finished: '2026-12-01T00:00:00.000Z', commit: 'abc1234', runSeconds: 600, trialSeconds: 1200, machine: { cpu: 'test', cores: 2, loadAverageAtStart: 0.1 }, trials: 6, failed: 0, ...(evalSizes ? { evalSizes } : {}) },
    trials: [
      ...emaTop1.map((v, i) => trial('plugins.ema.decay=0.99', v - 0.01, finalTop1[i]!, i + 1)),
      ...emaTop1.map((v, i) => trial('plugins.ema.decay=0.995', v, finalTop1[i]!, i + 1)),
    ],
    configs: {},
    tableJson: '{}',
    tableMd: '(table)',
  });
}

function tempReadme(): string {
  const readme = path.join(tempRunDir('evidence-readme-'), 'README.md');
  writeFileSync(readme, `# x\n\n## Evidence\n\n${START_MARKER}\nold text\n${END_MARKER}\n\n## Next\n`);
  return readme;
}

describe('bench/evidence/readme.ts', () => {
  it('without summaries lists every claim as not measured yet, with its command, and a second run changes nothing', () => {
    const results = tempRunDir('evidence-results-');
    const readme = tempReadme();
    expect(writeEvidence(readme, undefined, results)).toBe(true);
    const text = readFileSync(readme, 'utf8');
    for (const c of file.claims) expect(text).toMatch(new RegExp(`\\| ${c.id} \\|.*\\| not measured yet \\| \`npx tsx bench/evidence/run.ts --claim ${c.id}\` \\|`));
    for (const e of file.experiments) expect(text).toContain(commandLine(experimentArgs(e)));
    expect(file.untestable.length).toBeGreaterThan(0);
    for (const u of file.untestable) expect(text).toMatch(new RegExp(`\\| ${u.id} \\|.*\\| not testable here: .*\\| not testable here \\| — \\|`));
    expect(text).toContain('## Next');
    expect(text).not.toContain('old text');
    const mtime = statSync(readme).mtimeMs;
    expect(writeEvidence(readme, undefined, results)).toBe(false);
    expect(statSync(readme).mtimeMs).toBe(mtime);
  });

  it('turns a summary into the paired effect, its interval and the verdict', () => {
    const results = tempRunDir('evidence-results-');
    writeEmaSummary(results, [0.9, 0.91, 0.905], [0.89, 0.902, 0.897]);
    const summaries = new Map([['ema', readSummary(results, 'ema')!]]);
    const effect = claimEffect(emaClaim, summaries);
    const expected = pairedInterval([0.9 - 0.89, 0.91 - 0.902, 0.905 - 0.897]);
    expect(effect.verdict).toBe('reproduced');
    expect(effect.seeds).toEqual([1, 2, 3]);
    expect(effect.interval!.mean).toBeCloseTo(expected.mean, 12);
    expect(effect.interval!.low).toBeCloseTo(expected.low, 12);
    const section = evidenceSection(file, results);
    expect(section).toMatch(/\| ema \|.*\| \+0\.87 \[\+0\.\d\d, \+1\.\d\d\], n = 3 \(per seed \+1\.00 \+0\.80 \+0\.80\) \| reproduced \|/);
    expect(section).toMatch(/\| ema \| `node bin\/trickster\.js sweep .*` \| 0\.04 \| finished 2026-12-01 at commit abc1234: trials 20 min in all, last invocation 10 min wall/);

    writeEmaSummary(results, [0.89, 0.9, 0.895], [0.9, 0.91, 0.904]);
    expect(claimEffect(emaClaim, new Map([['ema', readSummary(results, 'ema')!]])).verdict).toBe('not reproduced');
    writeEmaSummary(results, [0.9, 0.89, 0.905], [0.89, 0.9, 0.904]);
    expect(claimEffect(emaClaim, new Map([['ema', readSummary(results, 'ema')!]])).verdict).toBe('inconclusive');
  });

  it('treats a summary made by another command as not measured yet', () => {
    const results = tempRunDir('evidence-results-');
    writeEmaSummary(results, [0.9, 0.91, 0.905], [0.89, 0.902, 0.897], experimentArgs(ema, { seeds: 2, epochs: 1 }));
    expect(evidenceSection(file, results)).toMatch(/\| ema \|.*not measured yet \(the summary of ema was made by `node bin\/trickster\.js sweep .* --seeds 2 --epochs 1`.*\| not measured yet \|/);
    writeEmaSummary(results, [0.9, 0.91, 0.905], [0.89, 0.902, 0.897], experimentArgs(ema), [32]);
    expect(evidenceSection(file, results)).toMatch(/\| ema \|.*not measured yet \(the summary of ema evaluated its models at sizes 32, the claims file asks for none\).*\| not measured yet \|/);
  });

  it('fails loudly on a malformed summary, naming the file, and leaves the README as it was', () => {
    const results = tempRunDir('evidence-results-');
    writeEmaSummary(results, [0.9, 0.91, 0.905], [0.89, 0.902, 0.897]);
    const readme = tempReadme();
    const before = readFileSync(readme, 'utf8');
    const trials = summaryFiles(results, 'ema').trials;
    writeFileSync(trials, JSON.stringify([{ variant: 'full', seed: 0, status: 'done' }]));
    expect(() => writeEvidence(readme, undefined, results)).toThrow(new RegExp(`${trials.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: malformed summary \\(0\\.seed: .*0\\.trial`));
    writeFileSync(trials, '[{"variant": "full",');
    expect(() => writeEvidence(readme, undefined, results)).toThrow(/trials\.json: not valid JSON/);
    expect(readFileSync(readme, 'utf8')).toBe(before);
  });

  it('refuses a README without the markers', () => {
    const readme = path.join(tempRunDir('evidence-readme-'), 'README.md');
    writeFileSync(readme, '# x\n');
    expect(() => writeEvidence(readme, undefined, tempRunDir('evidence-results-'))).toThrow(/README has no evidence markers/);
  });

  it('the committed README is what the committed summaries generate (regenerating it is a no-op)', () => {
    const copy = path.join(tempRunDir('evidence-readme-'), 'README.md');
    copyFileSync(path.join(REPO_ROOT, 'README.md'), copy);
    expect(writeEvidence(copy)).toBe(false);
  });
});
