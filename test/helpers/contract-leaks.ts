import * as tf from '@tensorflow/tfjs';
import type { TricksterPlugin } from '../../core/plugin.js';
import { contractTrainer } from './contract-run.js';

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
