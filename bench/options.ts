/**
 * Bench settings from flags and environment variables (flags win):
 *
 *   --quick                 BENCH_QUICK=1          fewer steps, smaller stock-cpu batches (~4 min)
 *   --repeats N             BENCH_REPEATS          interleaved rounds, one timed window per configuration each (>= 3, default 3)
 *   --warmup N              BENCH_WARMUP           untimed steps before the first window
 *   --steps N|m=N,..        BENCH_STEPS            steps per window, for all or per model
 *   --cpu-batch N|m=N,..    BENCH_CPU_BATCH        batch of the stock cpu model.fit (b)
 *   --models a,b            BENCH_MODELS           default small-cnn,resnet20
 *   --no-cpu                BENCH_NO_CPU=1         skip (b)
 *   --no-torch              BENCH_NO_TORCH=1       skip (f)
 *   --out FILE              BENCH_OUT              JSON output (default bench/results/latest.json)
 *   --job-timeout S         BENCH_JOB_TIMEOUT_S    kill a configuration after S seconds (default 900)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Everything run.ts needs to plan the measurements. */
export interface BenchOptions {
  readonly mode: 'quick' | 'full';
  readonly models: string[];
  /** Training batch of every configuration except the stock cpu one. */
  readonly batch: number;
  readonly repeats: number;
  readonly warmup: number;
  /** Steps per timed window, per model. */
  readonly steps: Record<string, number>;
  /** Batch of the stock cpu model.fit, per model (batch 128 takes minutes to hours per step there). */
  readonly cpuBatch: Record<string, number>;
  /** Repeats of the forward/conv timing (cheap, so more than `repeats`). */
  readonly forwardRepeats: number;
  /** Batches per repeat of the data-pipeline-only measurement. */
  readonly pipelineBatches: number;
  readonly cpu: boolean;
  readonly torch: boolean;
  readonly out: string;
  readonly jobTimeoutMs: number;
}

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
// Warm-up 6: the replica thread of (a) reaches its speed later than a single instance (with 2
// warm-up steps and 8-step windows, small-cnn (a) measured 1586 img/s; with 10 and 16, 1920).
const FULL = { steps: { 'small-cnn': 16, resnet20: 3 }, cpuBatch: { 'small-cnn': 16, resnet20: 2 }, warmup: 6, forwardRepeats: 10, pipelineBatches: 40 };
const QUICK = { steps: { 'small-cnn': 3, resnet20: 1 }, cpuBatch: { 'small-cnn': 8, resnet20: 1 }, warmup: 1, forwardRepeats: 5, pipelineBatches: 20 };

/** The usage text (the comment above, as printed by --help). */
export const USAGE = `npm run bench -- [--quick] [--repeats N] [--warmup N] [--steps N|model=N,...] [--cpu-batch N|model=N,...]
                 [--models small-cnn,resnet20] [--no-cpu] [--no-torch] [--out FILE] [--job-timeout S]
Environment: BENCH_QUICK=1 BENCH_REPEATS BENCH_WARMUP BENCH_STEPS BENCH_CPU_BATCH BENCH_MODELS BENCH_NO_CPU=1
             BENCH_NO_TORCH=1 BENCH_OUT BENCH_JOB_TIMEOUT_S BENCH_PYTHON (flags win over the environment)`;

function positiveInt(name: string, text: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${text}"`);
  return n;
}

/** `N` for every model, or `model=N,model=N` overriding the defaults of those models. */
function perModel(name: string, text: string, defaults: Record<string, number>): Record<string, number> {
  if (!text.includes('=')) {
    const n = positiveInt(name, text);
    return Object.fromEntries(Object.keys(defaults).map((m) => [m, n]));
  }
  const out = { ...defaults };
  for (const part of text.split(',')) {
    const [model, value] = part.split('=');
    out[model!.trim()] = positiveInt(`${name} ${model}`, value ?? '');
  }
  return out;
}

/** Parses `argv` (without node and script) and `env`; throws with a message on a bad value. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | 'help' {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--quick' || arg === '--no-cpu' || arg === '--no-torch') {
      flags.set(arg, '1');
      continue;
    }
    const [key, inline] = arg.split(/=(.*)/s, 2);
    const known = ['--repeats', '--warmup', '--steps', '--cpu-batch', '--models', '--out', '--job-timeout'];
    if (!known.includes(key!)) throw new Error(`unknown option ${arg}\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value`);
    flags.set(key!, value);
  }
  const get = (flag: string, envName: string): string | undefined => flags.get(flag) ?? (env[envName] || undefined);
  const quick = get('--quick', 'BENCH_QUICK') === '1';
  const base = quick ? QUICK : FULL;
  const models = (get('--models', 'BENCH_MODELS') ?? 'small-cnn,resnet20').split(',').map((m) => m.trim()).filter(Boolean);
  const stepDefaults = Object.fromEntries(models.map((m) => [m, (base.steps as Record<string, number>)[m] ?? base.steps.resnet20]));
  const cpuDefaults = Object.fromEntries(models.map((m) => [m, (base.cpuBatch as Record<string, number>)[m] ?? base.cpuBatch.resnet20]));
  const steps = get('--steps', 'BENCH_STEPS');
  const cpuBatch = get('--cpu-batch', 'BENCH_CPU_BATCH');
  const repeats = get('--repeats', 'BENCH_REPEATS');
  const warmup = get('--warmup', 'BENCH_WARMUP');
  const timeout = get('--job-timeout', 'BENCH_JOB_TIMEOUT_S');
  return {
    mode: quick ? 'quick' : 'full',
    models,
    batch: 128,
    repeats: repeats === undefined ? 3 : positiveInt('--repeats', repeats, 3),
    warmup: warmup === undefined ? base.warmup : positiveInt('--warmup', warmup),
    steps: steps === undefined ? stepDefaults : perModel('--steps', steps, stepDefaults),
    cpuBatch: cpuBatch === undefined ? cpuDefaults : perModel('--cpu-batch', cpuBatch, cpuDefaults),
    forwardRepeats: base.forwardRepeats,
    pipelineBatches: base.pipelineBatches,
    cpu: get('--no-cpu', 'BENCH_NO_CPU') !== '1',
    torch: get('--no-torch', 'BENCH_NO_TORCH') !== '1',
    out: path.resolve(get('--out', 'BENCH_OUT') ?? path.join(BENCH_DIR, 'results', 'latest.json')),
    jobTimeoutMs: 1000 * (timeout === undefined ? 900 : positiveInt('--job-timeout', timeout)),
  };
}
