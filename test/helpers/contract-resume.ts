import { beforeAll, describe, expect, it } from 'vitest';
import type { TricksterPlugin } from '../../core/plugin.js';
import type { RunSummary } from '../../core/trainer.js';
import { canonicalConfig } from '../plugins/canonical-settings.js';
import { contractTrainer, exportedWeights, metricLines, trainTeacher } from './contract-run.js';
import { tempRunDir } from './train-subset.js';

/** Thrown by the kill probe; anything else failing the first leg is a real failure. */
const KILLED = 'contract: killed before epoch 2';

/**
 * The kill: a test plugin that throws in beforeEpoch of the second epoch (0-based 1), after the
 * kernel wrote the checkpoint of epoch 1, as a process killed at that epoch boundary would leave
 * the run directory. (Simulated in-process rather than by SIGKILLing the CLI: same checkpoint,
 * a tenth of the time, and the resumed leg runs through createTrainer like the CLI's --resume.)
 */
function killBeforeSecondEpoch(): TricksterPlugin {
  return {
    name: 'contract-kill',
    apply(host) {
      host.hooks.beforeEpoch.tapPromise('contract-kill', async ({ epoch }) => {
        if (epoch === 1) throw new Error(KILLED);
      });
    },
  };
}

/** Trains `config` in `outDir` (optionally resuming there, optionally killed); returns the summary. */
async function leg(config: Record<string, unknown>, outDir: string, options: { resume?: boolean; kill?: boolean } = {}): Promise<RunSummary> {
  const trainer = await contractTrainer(config, { outDir, resume: options.resume, plugins: options.kill ? [killBeforeSecondEpoch()] : [] });
  try {
    return await trainer.fit();
  } finally {
    trainer.dispose();
  }
}

/**
 * Plugin contract (b): `config` trained straight through, and trained, killed at the boundary of
 * epochs 1 and 2 and resumed in the same run directory, end identical: the same exported weights
 * bytes, steps, epochs, test top-1 and loss, plugin reports, and metrics.jsonl lines but for imgPerSec.
 */
export async function expectResumeIdentical(config: Record<string, unknown>): Promise<void> {
  const straightDir = tempRunDir('trickster-contract-straight-');
  const straight = await leg(config, straightDir);
  const splitDir = tempRunDir('trickster-contract-resumed-');
  await expect(leg(config, splitDir, { kill: true })).rejects.toThrow(KILLED);
  expect(metricLines(splitDir)).toHaveLength(1);
  const resumed = await leg(config, splitDir, { resume: true });
  expect(straight.epochs).toBeGreaterThan(1);
  expect(exportedWeights(splitDir).equals(exportedWeights(straightDir))).toBe(true);
  const pick = (s: RunSummary) => ({ epochs: s.epochs, steps: s.steps, top1: s.top1, testLoss: s.testLoss, stopped: s.stopped, plugins: s.plugins });
  expect(pick(resumed)).toEqual(pick(straight));
  expect(metricLines(splitDir)).toEqual(metricLines(straightDir));
}

/** Declares contract (b) for the built-in plugins `names` (one `it` each); split over two files so vitest's two forks share the work. */
export function describeResumeContract(names: readonly string[]): void {
  describe('plugin contract: killed at an epoch boundary and resumed, a run ends bit-identical', () => {
    let teacher = '';
    beforeAll(async () => {
      if (names.includes('distillation')) teacher = await trainTeacher();
    });
    for (const name of names) {
      it(name, async () => {
        await expectResumeIdentical(canonicalConfig(name, { teacher }));
      });
    }
  });
}
