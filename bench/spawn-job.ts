/** Runs one bench job in a fresh Node process and reads its measurement back. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job, Measurement } from './jobs.js';

/** Marker of the child's result line on stdout. */
export const RESULT_PREFIX = '@@bench-result';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child.ts');

/**
 * Spawns `node --import tsx bench/child.ts <job>` and resolves with its measurement; rejects with
 * the tail of its output when it fails or prints no result (after `timeoutMs`, it is killed).
 */
export function runJob(job: Job, timeoutMs: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) {
        resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as Measurement);
      } else {
        const why = signal ? `killed by ${signal} (time limit ${Math.round(timeoutMs / 1000)} s?)` : `exit code ${code}`;
        reject(new Error(`${why}: ${out.trim().split('\n').slice(-8).join('\n')}`));
      }
    });
  });
}
