import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { useBackend, type BackendChoice } from '../../core/backends/resolve.js';
import { CheckpointError } from '../../core/errors.js';
import { evaluateExportedModel } from '../../core/evaluate-model.js';
import { readModelMetadata } from '../../core/model-io.js';
import { parseTtaMode, ttaFlipWarning, ttaViewCount, type TtaMode } from '../../core/tta.js';
import { positiveInt } from './parse.js';

/** Refuses a --model that is not an existing file, saying what to pass (the run's model.json when given its folder). */
function checkModelFile(file: string): void {
  const isDir = existsSync(file) && statSync(file).isDirectory();
  if (existsSync(file) && !isDir) return;
  const inRun = path.join(file, 'model', 'model.json');
  const fix = isDir && existsSync(inRun) ? `pass ${inRun}` : 'pass the model.json of a trickster train run (RUN_DIR/model/model.json)';
  throw new CheckpointError(`--model ${file}: ${isDir ? 'is a folder, not a model.json' : 'no such file'}; ${fix}`, 'MODEL_NOT_FOUND');
}

/** Adds `trickster eval`. */
export function addEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate an exported model (RUN_DIR/model/model.json) on a dataset test split')
    .requiredOption('--model <file>', 'model.json written by trickster train')
    .option('--data <dir>', 'dataset folder, or fashion-mnist, mnist, cifar10 (default: $TRICKSTER_DATA, /usr/share/datasets/fashion-mnist, else fashion-mnist)')
    .option('--batch-size <n>', 'evaluation batch size', positiveInt, 500)
    .option('--limit <n>', 'evaluate on n test examples: the subset train --test-limit n evaluated (drawn with the run\'s seed)', positiveInt)
    .option('--backend <name>', 'auto | node-gpu | node | wasm | cpu', 'auto')
    .option('--tta <mode>', 'test-time augmentation: none | flip (original + mirror) | flip+crops (those, each also shifted 2 px 4 ways: 10 views); softmax probabilities averaged', parseTtaMode, 'none' as TtaMode)
    .option('--input-size <n>', 'resize the test images to n x n (bilinear, as in training) instead of the size the model was exported for; only for a model that pools globally (gap head, ResNets)', positiveInt)
    .option('--json', 'print the metrics as one JSON line')
    .action(async (flags: { model: string; data?: string; batchSize: number; limit?: number; backend: BackendChoice; tta: TtaMode; inputSize?: number; json?: boolean }) => {
      checkModelFile(flags.model);
      const meta = readModelMetadata(flags.model);
      const warning = ttaFlipWarning(flags.tta, meta.dataset);
      if (warning) process.stderr.write(`warning: ${warning}\n`);
      const backend = await useBackend(flags.backend);
      process.stdout.write(`trickster: backend ${backend}\n`);
      const inputSize = flags.inputSize ?? meta.inputShape.height;
      const m = await evaluateExportedModel({ modelPath: flags.model, dataDir: flags.data, batchSize: flags.batchSize, limit: flags.limit, tta: flags.tta, inputSize });
      const views = flags.tta === 'none' ? '' : `, tta ${flags.tta}: ${ttaViewCount(flags.tta)} views`;
      process.stdout.write(`top1 ${(100 * m.top1).toFixed(2)}%  top5 ${(100 * m.top5).toFixed(2)}%  loss ${m.loss.toFixed(4)}  (${m.count} images at ${inputSize}px${views})\n`);
      if (flags.json) process.stdout.write(`${JSON.stringify({ top1: m.top1, top5: m.top5, testLoss: m.loss, count: m.count, tta: flags.tta, inputSize })}\n`);
    });
}
