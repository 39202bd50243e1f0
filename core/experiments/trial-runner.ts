import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import type { RunSummary } from '../run-summary.js';
import { hasCheckpoint, readRunProgress, type RunProgress } from './run-progress.js';
import type { TrialRunOptions } from './trials.js';
import { inheritAutogroupNice } from './autogroup-nice.js';

/** Set in a trial's environment: bin/trickster.js then stops the run when the process that started it is gone. */
export const STOP_WITH_PARENT_ENV = 'TRICKSTER_STOP_WITH_PARENT';

/** What one attempt at a trial needs: where the CLI is, the trial's config file and run directory, how to run it. */
export interface TrialLaunch {
  /** Path of bin/trickster.js (see tricksterBin). */
  readonly bin: string;
  readonly configFile: string;
  readonly runDir: string;
  readonly run: TrialRunOptions;
  /** Called when the run directory logs another epoch. */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Called with the child's pid once it runs. */
  readonly onStart?: (pid: number) => void;
  /** Aborting kills the child (SIGTERM); its last checkpoint stays for the next attempt. */
  readonly signal?: AbortSignal;
}

/** How an attempt ended: the run summary, or the error line the child printed (or its exit status). */
export type AttemptOutcome =
  | { readonly ok: true; readonly summary: RunSummary; readonly wallSeconds: number }
  | { readonly ok: false; readonly error: string; readonly wallSeconds: number; readonly aborted: boolean };

/**
 * The `train` arguments of the next attempt at a trial: `--resume` when its run directory holds a
 * checkpoint (the run continues exactly), else a fresh run of the config file into the directory.
 * A directory that a killed attempt left without a checkpoint holds no progress: `fresh` is true
 * and the caller removes it first (a new run refuses a folder holding one).
 */
export function trainArgs(launch: Pick<TrialLaunch, 'configFile' | 'runDir' | 'run'>): { args: string[]; fresh: boolean } {
  // --no-report: the experiment's report compares the trials, and their wall times stay training alone.
  const common = ['--json', '--no-report', '--progress', 'none', '--backend', launch.run.backend, ...(launch.run.dataDir ? ['--data', launch.run.dataDir] : [])];
  if (hasCheckpoint(launch.runDir)) return { args: ['train', '--resume', launch.runDir, ...common], fresh: false };
  return { args: ['train', '--config', launch.configFile, '--out', launch.runDir, ...common], fresh: true };
}

/** The last line of `stderr` that is a trickster error (`error [CODE]: ...`), else its last line. */
export function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return [...lines].reverse().find((l) => l.startsWith('error')) ?? lines[lines.length - 1] ?? '';
}

/**
 * Runs one attempt at a trial as a child process, `node bin/trickster.js train ...` (fresh or
 * resumed, see trainArgs), and reads the run summary from the last line of its stdout. The same
 * function serves the local pool and the queue worker (queue/trial-job.ts): it needs only the launch.
 */
export function runTrialAttempt(launch: TrialLaunch): Promise<AttemptOutcome> {
  const { args, fresh } = trainArgs(launch);
  if (fresh && existsSync(launch.runDir)) rmSync(launch.runDir, { recursive: true, force: true });
  const started = Date.now();
  // Its own process group: a Ctrl-C at the terminal reaches the experiment only, which stops the
  // trials itself (through `signal`) and so tells an interruption from a failure. The IPC channel
  // and STOP_WITH_PARENT_ENV make the child stop when this process dies (SIGKILL, OOM) instead of
  // training on as an orphan (bin/trickster.js); its last checkpoint stays for the next attempt.
  // A session of its own is also a scheduling group of its own: it gets this process's nice.
  const child = spawn(process.execPath, [launch.bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
    env: { ...process.env, [STOP_WITH_PARENT_ENV]: '1' },
  });
  if (child.pid !== undefined) {
    inheritAutogroupNice(child.pid);
    launch.onStart?.(child.pid);
  }
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20000)));
  let epochs = readRunProgress(launch.runDir).epochs;
  const poll = setInterval(() => {
    const progress = readRunProgress(launch.runDir);
    if (progress.epochs !== epochs) {
      epochs = progress.epochs;
      launch.onProgress?.(progress);
    }
  }, 1000);
  const abort = () => child.kill('SIGTERM');
  launch.signal?.addEventListener('abort', abort);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(poll);
      launch.signal?.removeEventListener('abort', abort);
      const wallSeconds = (Date.now() - started) / 1000;
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) {
        resolve({ ok: true, summary: JSON.parse(last) as RunSummary, wallSeconds });
        return;
      }
      const status = signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve({ ok: false, error: errorLine(stderr) || `train ended with ${status} and no error message`, wallSeconds, aborted: launch.signal?.aborted ?? false });
    });
  });
}
