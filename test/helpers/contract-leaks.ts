import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TricksterPlugin } from '../../core/plugin.js';
import { canonicalConfig, canonicalSettings } from '../plugins/canonical-settings.js';
import { contractTrainer, trainTeacher } from './contract-run.js';

/** Optimizer steps between the two samples of the tensor count. */
export const LEAK_SPAN = 200;

/**
 * Plugin contract (c): trains `config` and samples tf.memory().numTensors in afterStep, after every
 * other tap, right after the first optimizer step of the second epoch (one-time allocations such as
 * momentum slots, EMA shadows or SWA's average exist by then) and LEAK_SPAN optimizer steps later.
 * Returns both counts; the run must be long enough to reach the second, and stops at the end of
 * that epoch.
 */
export async function tensorCountsOverSpan(config: Record<string, unknown>): Promise<{ first: number; later: number; from: number }> {
  let from: number | undefined;
  let seen = 0;
  const counts = new Map<number, number>();
  const probe: TricksterPlugin = {
    name: 'contract-leak-probe',
    apply(host) {
      host.hooks.afterStep.tap({ name: 'contract-leak-probe', stage: 10_000 }, ({ epoch }) => {
        const { step } = host.position;
        if (step === seen) return; // a micro-batch whose optimizer step is held
        seen = step;
        if (from === undefined && epoch >= 1) from = step;
        if (step === from || step === from! + LEAK_SPAN) counts.set(step, tf.memory().numTensors);
      });
      // Both samples taken: end the run at this epoch's end instead of training on.
      host.hooks.shouldStop.tap('contract-leak-probe', () =>
        from !== undefined && counts.has(from + LEAK_SPAN) ? { plugin: 'contract-leak-probe', reason: 'both samples taken' } : undefined,
      );
    },
  };
  const trainer = await contractTrainer(config, { plugins: [probe] });
  try {
    await trainer.fit();
  } finally {
    trainer.dispose();
  }
  if (from === undefined || !counts.has(from + LEAK_SPAN)) throw new Error(`the run ended before step ${(from ?? 0) + LEAK_SPAN}; lengthen it`);
  return { first: counts.get(from)!, later: counts.get(from + LEAK_SPAN)!, from };
}

/**
 * Declares contract (c) for the built-in plugins `names` (one `it` each): no tensor leak over
 * LEAK_SPAN optimizer steps of batch 8 (25 steps an epoch, so the span crosses epoch ends,
 * evaluations and checkpoints). Split over two files so vitest's two forks share the work.
 */
export function describeLeakContract(names: readonly string[]): void {
  describe('plugin contract: no tensor leaks over 200 optimizer steps', () => {
    let teacher = '';
    beforeAll(async () => {
      if (names.includes('distillation')) teacher = await trainTeacher();
    });
    for (const name of names) {
      it(name, async () => {
        const s = canonicalSettings[name]!;
        const split = (s.config?.data as { validationSplit?: number } | undefined)?.validationSplit ?? 0;
        const limit = Math.round((LEAK_SPAN * (s.microBatchesPerStep ?? 1)) / (1 - split));
        const config = canonicalConfig(name, { teacher, long: true, last: { data: { limit, testLimit: 32 }, training: { batchSize: 8, epochs: 10 } } });
        const { first, later } = await tensorCountsOverSpan(config);
        expect(later).toBe(first);
      });
    }
  });
}
