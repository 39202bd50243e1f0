/** The cost of the NaN/Inf watch (core/numeric-guard.ts) per training step, on the model's real gradient shapes. */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../core/backends/resolve.js';
import { NumericGuard } from '../core/numeric-guard.js';
import { trainableVariables } from '../core/variables.js';
import { benchModel } from './bench-model.js';

/**
 * Times `steps` calls of what the trainer adds to each micro-batch when training.checkFinite is on
 * (guard.observe on a loss and one gradient per trainable variable, then guard.poll, which starts
 * an asynchronous read every 16 steps and checks the previous one), `repeats` times on wasm.
 * Returns images/s as if a step did nothing else, so (a)'s img/s over it is the watch's share of a step.
 */
export async function measureNumericGuard(model: string, batch: number, steps: number, repeats: number): Promise<number[]> {
  await useBackend('wasm');
  const net = benchModel(model);
  const grads = Object.fromEntries(Object.entries(trainableVariables(net)).map(([name, v]) => [name, tf.randomNormal(v.shape)]));
  const loss = tf.scalar(2.3);
  const rates: number[] = [];
  for (let r = 0; r < repeats + 1; r++) {
    const guard = new NumericGuard();
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      guard.observe(loss, grads, { epoch: 0, step: s, lr: 0.1 });
      await guard.poll();
    }
    await guard.settle();
    const seconds = (performance.now() - t0) / 1000;
    guard.dispose();
    if (r > 0) rates.push((steps * batch) / seconds); // the first repeat warms up
  }
  tf.dispose([loss, ...Object.values(grads)]);
  net.dispose();
  return rates;
}
