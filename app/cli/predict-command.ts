import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { useBackend, type BackendChoice } from '../../core/backends/resolve.js';
import { TricksterError, UsageError, type ErrorCode } from '../../core/errors.js';
import { loadClassifier, type Prediction } from '../../core/predict/classifier.js';
import { parseTtaMode, ttaFlipWarning, type TtaMode } from '../../core/tta.js';
import { oneLine } from './errors.js';
import { positiveInt } from './parse.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** The files to classify: each argument itself, or for a folder its PNG/JPEG files (recursively, sorted). */
export function expandImageArgs(args: readonly string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return walk(p);
        return e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()) ? [p] : [];
      });
  return args.flatMap((a) => (existsSync(a) && statSync(a).isDirectory() ? walk(a) : [a]));
}

/** One prediction as a line: the file and its top classes with probabilities. */
function predictionLine(p: Extract<Prediction, { ok: true }>): string {
  return `${p.source}  ${p.top.map((c) => `${c.className} ${c.probability.toFixed(4)}`).join('  ')}`;
}

/** Adds `trickster predict`. */
export function addPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('classify PNG/JPEG images with an exported model: the top classes with their probabilities, per image')
    .argument('<images...>', 'image files, or folders of them (searched recursively)')
    .requiredOption('--model <dir>', 'a run folder, its model/ folder, or its model.json (written by trickster train)')
    .option('--top-k <k>', 'classes to print per image', positiveInt, 3)
    .option('--tta <mode>', 'test-time augmentation: none | flip | flip+crops (softmax probabilities averaged over the views)', parseTtaMode, 'none' as TtaMode)
    .option('--batch-size <n>', 'images per forward pass', positiveInt, 64)
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu', 'auto')
    .option('--json', 'print the predictions as one JSON array instead of lines')
    .action(async (images: string[], flags: { model: string; topK: number; tta: TtaMode; batchSize: number; backend: BackendChoice; json?: boolean }) => {
      const files = expandImageArgs(images);
      if (files.length === 0) throw new UsageError(`no PNG or JPEG files in ${images.join(', ')}; pass image files or folders holding some`);
      const backend = await useBackend(flags.backend);
      process.stdout.write(`trickster: backend ${backend}\n`);
      const classifier = await loadClassifier(flags.model);
      const warning = ttaFlipWarning(flags.tta, classifier.metadata.dataset);
      if (warning) process.stderr.write(`warning: ${warning}\n`);
      try {
        const predictions = await classifier.predict(files, { topK: flags.topK, tta: flags.tta, batchSize: flags.batchSize });
        for (const p of predictions) {
          if (!p.ok) process.stderr.write(`error [${p.error.code}]: ${oneLine(p.error.message)}\n`);
          else if (!flags.json) process.stdout.write(`${predictionLine(p)}\n`);
        }
        if (flags.json) process.stdout.write(`${JSON.stringify(predictions)}\n`);
        const failed = predictions.filter((p) => !p.ok);
        if (failed[0] && !failed[0].ok) {
          // Exit 1 through the CLI's error report, with the first failure's code.
          throw new TricksterError(failed[0].error.code as ErrorCode, `${failed.length} of ${predictions.length} image(s) could not be classified (errors above); the others were`);
        }
      } finally {
        classifier.dispose();
      }
    });
}
