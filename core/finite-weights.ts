import * as tf from '@tensorflow/tfjs';
import { NumericError } from './errors.js';
import { allVariables } from './variables.js';

/** Names of the model's weights (stable names) that hold a NaN or an infinite value. */
export async function nonFiniteWeights(model: tf.LayersModel): Promise<string[]> {
  const bad: string[] = [];
  for (const [name, v] of Object.entries(allVariables(model))) {
    const finite = tf.tidy(() => tf.all(tf.isFinite(v)));
    if (!(await finite.data())[0]) bad.push(name);
    finite.dispose();
  }
  return bad;
}

/** Throws NUMERIC_INSTABILITY naming the weights of `model` that are NaN or infinite; `what` says what is refused and how to fix it. */
export async function assertFiniteWeights(model: tf.LayersModel, what: string): Promise<void> {
  const bad = await nonFiniteWeights(model);
  if (bad.length === 0) return;
  const names = `${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ` (and ${bad.length - 3} more)` : ''}`;
  throw new NumericError(`weights ${names} hold NaN or infinite values; ${what}`);
}
