/**
 * Runs the experiments behind the claims in bench/evidence/claims.yaml and stores their summaries
 * for committing:
 *
 *   npx tsx bench/evidence/run.ts [--claim id ...] [--root DIR] [--results DIR] [--scale k=v,...]
 *
 * Each experiment runs as `node bin/trickster.js ablate|sweep ... --out <root>/<id>-<hash>` (the
 * hash is of its arguments and its resolved config, so another scale or an edited config gets
 * another folder). An experiment whose summary in --results was made by the same arguments and
 * the same resolved config is skipped; otherwise the command runs, and trickster
 * itself skips the finished trials and resumes interrupted ones, so killing this script and
 * running it again continues where it stopped. An experiment with `evalSizes` then evaluates each
 * trial's exported model at those test sizes (`trickster eval --input-size`, metrics evalAt.N).
 * SIGINT/SIGTERM are passed to the running command
 * (which keeps its checkpoints) and nothing is written for an unfinished experiment.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { trialRecords } from '../../app/cli/experiment-run.js';
import { ExperimentDir } from '../../core/experiments/manifest.js';
import { experimentTable } from '../../core/experiments/table.js';
import { formatTable } from '../../core/experiments/table-format.js';
import { argsHash, CLAIMS_FILE, commandLine, configFingerprint, experimentArgs, experimentsFor, loadClaims, REPO_ROOT, type Experiment, type Scale } from './claims.js';
import { evaluateAtSizes } from './eval-sizes.js';
import { RESULTS_DIR, summaryFiles, trialSummaries, writeSummary, type ExperimentSummary } from './summary.js';

/** `k=v,k=v` scale overrides (seeds, epochs, limit, testLimit, replicas, parallel: positive integers). */
export function parseScale(text: string): Partial<Scale> {
  const keys = ['seeds', 'epochs', 'limit', 'testLimit', 'replicas', 'parallel'];
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (!k || !keys.includes(k) || !v || !/^[1-9]\d*$/.test(v)) throw new Error(`--scale ${text}: expected key=positive integer pairs separated by commas, keys ${keys.join(', ')}`);
    out[k] = Number(v);
  }
  return out as Partial<Scale>;
}

/**
 * Whether `resultsDir` holds a summary of this experiment made with `args`, its evaluation sizes
 * and a config that resolves to `fingerprint` (configFingerprint), in which every trial is done.
 */
export function finishedWith(resultsDir: string, experiment: Experiment, args: readonly string[], fingerprint: string): boolean {
  const file = summaryFiles(resultsDir, experiment.id).experiment;
  if (!existsSync(file)) return false;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as ExperimentSummary;
    return JSON.stringify(s.args) === JSON.stringify(args) && JSON.stringify(s.evalSizes) === JSON.stringify(experiment.evalSizes) && s.configFingerprint === fingerprint && s.failed === 0;
  } catch {
    return false;
  }
}

/** Whether every trial of the experiment in `outDir` has an outcome (done, or failed every attempt): the command ran to its end. */
function ranToEnd(outDir: string): boolean {
  const exp = new ExperimentDir(outDir);
  if (!existsSync(exp.manifestFile)) return false;
  const manifest = exp.read();
  return trialRecords(exp, manifest).size === manifest.trials.length;
}

/** Runs `node bin/trickster.js ...args`, its output passed through; SIGINT/SIGTERM to this process are passed on. Resolves with its exit code. */
function runTrickster(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/trickster.js'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
    });
  });
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Stores the summary of the finished experiment in `outDir` (table, per-trial metrics, each
 * variant's resolved config), after evaluating its models at the experiment's `evalSizes`.
 */
async function storeSummary(experiment: Experiment, args: string[], fingerprint: string, scale: Scale, outDir: string, resultsDir: string, started: { at: number; load: number }): Promise<ExperimentSummary> {
  const exp = new ExperimentDir(outDir);
  const manifest = exp.read();
  const records = trialRecords(exp, manifest);
  const table = experimentTable(manifest, records);
  const evalAt = experiment.evalSizes ? await evaluateAtSizes(outDir, manifest, records, experiment.evalSizes, scale.testLimit) : undefined;
  const trials = trialSummaries(manifest, records, evalAt);
  const configOf = new Map(manifest.trials.map((t) => [t.id, t.config]));
  const configs = Object.fromEntries(manifest.variants.map((v) => [v.name, configOf.get(v.trials[0]!)]));
  const summary: ExperimentSummary = {
    id: experiment.id,
    args,
    command: commandLine(args),
    finished: new Date().toISOString(),
    commit: gitCommit(),
    runSeconds: Math.round((Date.now() - started.at) / 1000),
    trialSeconds: Math.round([...records.values()].reduce((sum, r) => sum + r.wallSeconds, 0)),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, loadAverageAtStart: started.load },
    trials: manifest.trials.length,
    failed: trials.filter((t) => t.status !== 'done').length,
    ...(experiment.evalSizes ? { evalSizes: experiment.evalSizes } : {}),
    configFingerprint: fingerprint,
  };
  writeSummary(resultsDir, { experiment: summary, trials, configs, tableJson: formatTable(table, 'json'), tableMd: formatTable(table, 'md') });
  return summary;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('run.ts')
    .description('run the experiments behind the seed claims (bench/evidence/claims.yaml) and store their summaries for committing; safe to kill and re-run')
    .option('--claim <id>', 'only the experiments this claim needs (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--root <dir>', 'where the experiment folders (run directories) go', path.join(os.homedir(), 'trickster-evidence'))
    .option('--results <dir>', `where the summaries go (default ${path.relative(REPO_ROOT, RESULTS_DIR)}; with --scale, <root>/summaries, so a trial scale never overwrites a committed summary)`)
    .option('--claims <file>', 'claims file', CLAIMS_FILE)
    .option('--scale <k=v,...>', 'override every experiment\'s scale (e.g. seeds=2,epochs=1,limit=256,testLimit=100): for trying the machinery, not for committed results', parseScale)
    .parse(argv, { from: 'user' });
  const opts = program.opts<{ claim?: string[]; root: string; results?: string; claims: string; scale?: Partial<Scale> }>();
  const resultsDir = opts.results ?? (opts.scale ? path.join(opts.root, 'summaries') : RESULTS_DIR);
  const file = loadClaims(opts.claims);
  const experiments = experimentsFor(file, opts.claim ?? []);
  const log = (line: string) => process.stderr.write(`[evidence] ${line}\n`);
  const withFailures: string[] = [];
  for (const experiment of experiments) {
    const scale = { ...experiment.scale, ...opts.scale };
    const args = experimentArgs(experiment, scale);
    const fingerprint = await configFingerprint(experiment);
    if (finishedWith(resultsDir, experiment, args, fingerprint)) {
      log(`${experiment.id}: finished (summary in ${summaryFiles(resultsDir, experiment.id).dir}), skipped`);
      continue;
    }
    // The config's fingerprint is in the folder's name too: an edited config starts afresh instead of meeting the old trials.
    const outDir = path.resolve(opts.root, `${experiment.id}-${argsHash([...args, fingerprint])}`);
    log(`${experiment.id}: ${commandLine(args)} --out ${outDir}  (about ${experiment.hours} h at its own scale)`);
    const started = { at: Date.now(), load: os.loadavg()[0]! };
    const code = await runTrickster([...args, '--out', outDir, '--format', 'json']);
    if (code !== 0 && !ranToEnd(outDir)) {
      log(`${experiment.id}: stopped (exit ${code}); run the same command again to continue it`);
      return code;
    }
    if (experiment.evalSizes) log(`${experiment.id}: evaluating each trial's model at ${experiment.evalSizes.join(', ')} px (trickster eval --input-size)`);
    const summary = await storeSummary(experiment, args, fingerprint, scale, outDir, resultsDir, started);
    log(`${experiment.id}: summary written to ${summaryFiles(resultsDir, experiment.id).dir} (${summary.trials} trials, ${summary.failed} failed, ${summary.runSeconds} s)`);
    if (summary.failed > 0) withFailures.push(experiment.id);
  }
  if (withFailures.length) {
    log(`trials failed in ${withFailures.join(', ')} (listed in their table.md); fix the cause and run the same command again to retry them`);
    return 1;
  }
  log('done; regenerate the README section with: npx tsx bench/evidence/readme.ts');
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`[evidence] error: ${(err as Error).message}\n`);
      process.exit(2);
    },
  );
}
