import type { Command } from 'commander';
import { diagnoseRun, type Diagnosis } from '../../core/diagnosis/index.js';
import { readRunCurves } from '../../core/diagnosis/read-run.js';

/** The doctor's report as text: what it read, then each finding with its evidence and change. */
export function formatDiagnoses(dir: string, files: readonly string[], counts: { steps: number; epochs: number }, findings: readonly Diagnosis[]): string {
  const head = `trickster doctor ${dir}: ${findings.length} finding(s) from ${counts.steps} step line(s) and ${counts.epochs} epoch line(s) (read ${files.join(', ')})`;
  const body = findings.map((d, i) => `${i + 1}. [${d.id}] ${d.title}\n   evidence: ${d.evidence}\n   change:   ${d.change}`);
  return `${[head, ...body].join('\n')}\n`;
}

/** Adds `trickster doctor`. */
export function addDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('diagnose a run from its logs (steps.jsonl, metrics.jsonl, config.json, divergence.json): learning rate too high or too low, overfitting, underfitting, divergence, plateau; each finding with its evidence and one change to the config')
    .argument('<run-dir>', 'the --out folder of a trickster train run')
    .option('--json', 'print the findings as one JSON object instead of text')
    .action((dir: string, flags: { json?: boolean }) => {
      const { curves, files } = readRunCurves(dir);
      const findings = diagnoseRun(curves);
      const counts = { steps: curves.steps.length, epochs: curves.epochs.length };
      if (flags.json) process.stdout.write(`${JSON.stringify({ runDir: dir, files, ...counts, findings })}\n`);
      else process.stdout.write(formatDiagnoses(dir, files, counts, findings));
    });
}
