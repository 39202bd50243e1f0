import type { Command } from 'commander';
import { useBackend, type BackendChoice } from '../../core/backends/resolve.js';
import { writeReport } from '../report/write-report.js';
import { positiveInt } from './parse.js';

/** Adds `trickster report DIR`. */
export function addReportCommand(program: Command): void {
  program
    .command('report <dir>')
    .description(
      'write DIR/report.html, one self-contained page: for a run its curves, confusion matrix, per-class precision/recall, ' +
        'highest-loss test images, plugins and config; for an experiment folder or a folder of runs, the runs compared',
    )
    .option('--data <dir>', "dataset folder for the test evaluation (default: the one the run read, from run.json)")
    .option('--out <file>', 'where to write the page (default DIR/report.html)')
    .option('--hardest <n>', 'how many highest-loss test images to show', positiveInt, 24)
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu (for the test evaluation)', 'auto')
    .action(async (dir: string, flags: { data?: string; out?: string; hardest: number; backend: BackendChoice }) => {
      await useBackend(flags.backend);
      const written = await writeReport(dir, { dataDir: flags.data, out: flags.out, hardest: flags.hardest });
      const what = written.kind === 'run' ? `run${written.testImages === null ? '' : `, ${written.testImages} test images evaluated`}` : `${written.kind}, ${written.runs} run(s) compared`;
      process.stdout.write(`report (${what}) -> ${written.file}\n`);
    });
}
