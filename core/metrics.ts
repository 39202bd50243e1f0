import * as tf from '@tensorflow/tfjs';
import type { EvalMetrics } from './contexts.js';
import { softCrossEntropyPerExample } from './losses.js';

/**
 * Accumulates loss and top-1/top-5 counts on the device, batch by batch, and reads them back
 * once at the end, so evaluation does not stall on every batch.
 */
export class MetricAccumulator {
  private sums: tf.Tensor1D = tf.zeros([3]);
  private count = 0;

  /** Adds one batch of logits and their integer labels. */
  add(logits: tf.Tensor2D, labels: tf.Tensor1D): void {
    const next = tf.tidy(() => {
      const classes = logits.shape[1];
      const targets = tf.oneHot(tf.cast(labels, 'int32'), classes).toFloat() as tf.Tensor2D;
      const loss = tf.sum(softCrossEntropyPerExample(targets, logits));
      const k = Math.min(5, classes);
      const top = tf.topk(logits, k).indices;
      const hits = tf.equal(top, tf.cast(tf.expandDims(labels, 1), 'int32')).toFloat();
      const top1 = tf.sum(hits.slice([0, 0], [-1, 1]));
      const top5 = tf.sum(hits);
      // kept: add() may run inside a caller's tidy, and the running sums outlive it.
      return tf.keep(tf.add(this.sums, tf.stack([loss, top1, top5])) as tf.Tensor1D);
    });
    this.sums.dispose();
    this.sums = next;
    this.count += labels.shape[0];
  }

  /** Mean loss, top-1 and top-5 accuracy over everything added; releases the device sums. */
  async result(): Promise<EvalMetrics> {
    const [loss, top1, top5] = await this.sums.data();
    this.sums.dispose();
    const n = Math.max(this.count, 1);
    return { loss: loss / n, top1: top1 / n, top5: top5 / n, count: this.count };
  }
}
