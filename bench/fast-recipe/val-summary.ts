/**
 * Issue 13, fast recipe, step 3: validation top-1 per epoch of the candidate sweeps
 * (bench/fast-recipe/val/*.yaml run by `trickster sweep`), as one table and one JSON. Reads each
 * experiment folder's manifest.json and every trial's metrics.jsonl (validation metrics per epoch)
 * and steps.csv (wall seconds since the start, logged every 10 steps: the epoch's time is that of
 * its last logged step, up to 9 steps early). The test split is not read: selection is on
 * validation only.
 *
 *   npx tsx bench/fast-recipe/val-summary.ts --out bench/results/fast-recipe/val-compare.json EXP_DIR...
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';

interface EpochRow { epoch: number; valTop1: number; valLoss: number; seconds: number | null }

const opts = new Command('val-summary.ts')
  .argument('<experiments...>', 'sweep experiment folders')
  .requiredOption('--out <file>', 'result JSON')
  .parse(process.argv);
const experiments = opts.args;
const out = opts.opts<{ out: string }>().out;

const readLines = (file: string): string[] => readFileSync(file, 'utf8').trim().split('\n').filter((l) => l.length > 0);

/** Per epoch: validation top-1 and loss, and the wall seconds at the epoch's last logged step. */
function epochsOf(trialDir: string): EpochRow[] {
  const metrics = readLines(path.join(trialDir, 'metrics.jsonl')).map((l) => JSON.parse(l) as { epoch: number; valTop1: number; valLoss: number });
  const [header, ...rows] = readLines(path.join(trialDir, 'steps.csv'));
  const cols = header!.split(',');
  const steps = rows.map((r) => r.split(',').map(Number)).map((v) => ({ epoch: v[cols.indexOf('epoch')]!, time: v[cols.indexOf('time')]! }));
  return metrics.map((m) => ({
    epoch: m.epoch,
    valTop1: m.valTop1,
    valLoss: m.valLoss,
    seconds: steps.filter((s) => s.epoch === m.epoch).at(-1)?.time ?? null,
  }));
}

const trials = experiments.flatMap((dir) => {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    command: string;
    created: string;
    trials: { id: string; seed: number; config: { model: { name: string; width: number } } }[];
  };
  return manifest.trials.map((t) => ({
    experiment: path.basename(dir),
    command: manifest.command,
    started: manifest.created,
    model: `${t.config.model.name} w${t.config.model.width}`,
    seed: t.seed,
    epochs: epochsOf(path.join(dir, 'trials', t.id)),
  }));
});

const models = [...new Set(trials.map((t) => t.model))];
const pct = (x: number) => (100 * x).toFixed(2);
const maxEpoch = Math.max(...trials.map((t) => t.epochs.length));
console.log(`| model | seeds | ${Array.from({ length: maxEpoch }, (_, i) => `val top-1 epoch ${i + 1} (mean; per seed)`).join(' | ')} | wall s at last epoch (per seed) |`);
console.log(`|---|---|${'---|'.repeat(maxEpoch)}---|`);
for (const model of models) {
  const ts = trials.filter((t) => t.model === model);
  const cells = Array.from({ length: maxEpoch }, (_, e) => {
    const vals = ts.map((t) => t.epochs[e]?.valTop1).filter((v): v is number => v !== undefined);
    return vals.length ? `${pct(vals.reduce((a, b) => a + b, 0) / vals.length)} (${vals.map(pct).join(', ')})` : '-';
  });
  const secs = ts.map((t) => t.epochs.at(-1)?.seconds?.toFixed(0) ?? '-').join(', ');
  console.log(`| ${model} | ${ts.map((t) => t.seed).join(', ')} | ${cells.join(' | ')} | ${secs} |`);
}
const result = {
  what: 'validation top-1 per epoch of bench/fast-recipe/val/*.yaml sweeps (20,000 training images, 20% held out as validation, stratified; test split not read); seconds = wall clock at the epoch\'s last logged step (every 10 steps) on the shared machine',
  date: new Date().toISOString(),
  trials,
};
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out}`);
