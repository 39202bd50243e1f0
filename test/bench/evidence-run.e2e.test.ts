import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { CLAIMS_FILE, REPO_ROOT } from '../../bench/evidence/claims.js';
import { evidenceSection } from '../../bench/evidence/readme.js';
import { loadClaims } from '../../bench/evidence/claims.js';
import { summaryFiles } from '../../bench/evidence/summary.js';
import { tempRunDir } from '../helpers/train-subset.js';

// One claim's experiment at a tiny scale: label smoothing ablated (full + base, which -label-smoothing shares), 2 seeds, one trial at a time.
const TINY = { seeds: 2, epochs: 1, limit: 256, testLimit: 100, parallel: 1 };
const SCALE = Object.entries(TINY).map(([k, v]) => `${k}=${v}`).join(',');

interface Outcome {
  code: number | null;
  stderr: string;
}

/** Runs `tsx bench/evidence/run.ts ...args`; with `killWhen`, sends it SIGTERM once that returns true (checked every 100 ms). */
function runner(args: string[], killWhen?: () => boolean): Promise<Outcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bench/evidence/run.ts'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const watch = killWhen
    ? setInterval(() => {
        if (killWhen()) {
          clearInterval(watch!);
          child.kill('SIGTERM');
        }
      }, 100)
    : undefined;
  return new Promise((resolve) => child.on('close', (code) => (clearInterval(watch), resolve({ code, stderr }))));
}

/** The result files of the experiment folders under `root`, with their text and modification time. */
function resultFiles(root: string): Map<string, { text: string; mtime: number }> {
  const out = new Map<string, { text: string; mtime: number }>();
  if (!existsSync(root)) return out;
  for (const exp of readdirSync(root)) {
    const dir = path.join(root, exp, 'results');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) out.set(path.join(dir, f), { text: readFileSync(path.join(dir, f), 'utf8'), mtime: statSync(path.join(dir, f)).mtimeMs });
  }
  return out;
}

describe('bench/evidence/run.ts', () => {
  it('runs a claim\'s experiment, continues it after a kill, stores a summary the README generator turns into a row, then skips it', { timeout: 900_000 }, async () => {
    const dir = tempRunDir('evidence-run-');
    const root = path.join(dir, 'runs');
    const results = path.join(dir, 'results');
    const args = ['--claim', 'label-smoothing', '--scale', SCALE, '--root', root, '--results', results];

    const first = await runner(args, () => resultFiles(root).size >= 1);
    expect(first.code, first.stderr).not.toBe(0);
    expect(first.stderr).toMatch(/\[evidence\] label-smoothing: stopped \(exit \d+\); run the same command again to continue it/);
    expect(existsSync(summaryFiles(results, 'label-smoothing').experiment)).toBe(false);
    const before = resultFiles(root);
    expect(before.size).toBeGreaterThanOrEqual(1);
    expect(before.size).toBeLessThan(4);
    expect(readdirSync(root)).toHaveLength(1);

    const second = await runner(args);
    expect(second.code, second.stderr).toBe(0);
    const [, done] = /\n4 trials: (\d+) done/.exec(second.stderr)!.map(Number);
    expect(done).toBe(before.size);
    for (const [file, { text, mtime }] of before) {
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(statSync(file).mtimeMs).toBe(mtime);
    }
    expect(resultFiles(root).size).toBe(4);

    const f = summaryFiles(results, 'label-smoothing');
    const trials = JSON.parse(readFileSync(f.trials, 'utf8')) as Array<{ variant: string; seed: number; status: string; metrics: { top1: number } }>;
    expect(trials.map((t) => `${t.variant}/${t.seed}/${t.status}`).sort()).toEqual(['-label-smoothing/1/done', '-label-smoothing/2/done', 'base/1/done', 'base/2/done', 'full/1/done', 'full/2/done']);
    expect(Object.keys(JSON.parse(readFileSync(f.configs, 'utf8')))).toEqual(['full', 'base', '-label-smoothing']);
    expect(readFileSync(f.tableMd, 'utf8')).toMatch(/^\| variant \| vs \| n \| top-1 % \|/);
    const table = JSON.parse(readFileSync(f.tableJson, 'utf8')) as { rows: Array<{ variant: string; top1BySeed: number[] }> };
    const top1 = (v: string) => table.rows.find((r) => r.variant === v)!.top1BySeed;
    const experiment = JSON.parse(readFileSync(f.experiment, 'utf8')) as { args: string[]; failed: number; trialSeconds: number };
    expect(experiment.failed).toBe(0);
    const records = [...resultFiles(root).values()].map((r) => JSON.parse(r.text) as { wallSeconds: number });
    expect(experiment.trialSeconds).toBe(Math.round(records.reduce((sum, r) => sum + r.wallSeconds, 0)));
    expect(experiment.args).toEqual(['ablate', '--config', 'bench/evidence/configs/label-smoothing.yaml', '--only', 'label-smoothing', '--seeds', '2', '--epochs', '1', '--limit', '256', '--test-limit', '100', '--parallel', '1']);

    // The generator reads it when the claims file's experiment has this scale (a copy of the claims file with it).
    const raw = parseYaml(readFileSync(CLAIMS_FILE, 'utf8')) as { experiments: Array<{ id: string; config: string; scale: unknown }> };
    const exp = raw.experiments.find((e) => e.id === 'label-smoothing')!;
    exp.scale = TINY;
    exp.config = path.join(REPO_ROOT, 'bench/evidence', exp.config);
    const claims = path.join(dir, 'claims.yaml');
    writeFileSync(claims, stringifyYaml(raw));
    const section = evidenceSection(loadClaims(claims), results);
    const diffs = [0, 1].map((i) => top1('full')[i]! - top1('-label-smoothing')[i]!);
    const pp = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)}`;
    const row = section.split('\n').find((l) => l.startsWith('| label-smoothing |'))!;
    expect(row).toContain(`${pp((diffs[0]! + diffs[1]!) / 2)} [`);
    expect(row).toContain(`n = 2 (per seed ${diffs.map(pp).join(' ')})`);
    expect(row).toMatch(/\| (reproduced|not reproduced|inconclusive) \| `npx tsx bench\/evidence\/run\.ts --claim label-smoothing` \|$/);
    expect(section.split('\n').find((l) => l.startsWith('| ema |'))).toContain('| not measured yet |');

    // Run again, now without --results: with --scale the summaries are looked for (and would be written) under <root>/summaries, never in the committed folder.
    cpSync(results, path.join(root, 'summaries'), { recursive: true });
    const third = await runner(['--claim', 'label-smoothing', '--scale', SCALE, '--root', root]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain(`[evidence] label-smoothing: finished (summary in ${path.join(root, 'summaries', 'label-smoothing')}), skipped`);
    expect(third.stderr).not.toMatch(/trials:/);
  });
});
