/**
 * Drives the trainer from code: a config object (extending the baseline preset), a plugin
 * instance added in code, and the same summary the CLI prints with --json.
 * Run: npx tsx examples/programmatic.ts [limit]
 */
import { createTrainer } from '../app/index.js';
import GradNormLogger from './grad-norm-logger.js';

/** Trains small-cnn on a Fashion-MNIST subset and returns the summary and the plugin's norms. */
export async function runExample(limit = 1024, outDir?: string) {
  const logger = new GradNormLogger({ every: 5 });
  const trainer = await createTrainer(
    {
      extends: 'baseline',
      data: { limit, testLimit: 1000 },
      training: { epochs: 1, batchSize: 64 },
    },
    { plugins: [logger], outDir, progress: 'none' },
  );
  try {
    const summary = await trainer.fit();
    return { summary, norms: logger.norms };
  } finally {
    trainer.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { summary } = await runExample(Number(process.argv[2] ?? 1024));
  console.log(JSON.stringify(summary));
}
