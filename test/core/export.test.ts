import { createReadStream, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainSubset } from '../helpers/train-subset.js';
import type { Trainer } from '../../core/trainer.js';

describe('export', () => {
  let server: http.Server;
  let trainer: Trainer;
  let modelDir: string;

  beforeAll(async () => {
    const run = await trainSubset({ data: { limit: 256, testLimit: 100 } });
    trainer = run.trainer;
    modelDir = path.join(run.summary.runDir, 'model');
    // A real static file server on loopback, as a browser app would load the model.
    server = http.createServer((req, res) => {
      const file = path.join(modelDir, path.basename(req.url ?? ''));
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200);
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => {
    server?.close();
    trainer?.dispose();
  });

  it('writes TF.js Layers format that plain tf.loadLayersModel loads, with identical predictions', async () => {
    const { port } = server.address() as AddressInfo;
    const loaded = await tf.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 1);
    const expected = trainer.model.predict(x) as tf.Tensor;
    const actual = loaded.predict(x) as tf.Tensor;
    expect(actual.shape).toEqual([4, 10]);
    // The loaded model's Conv2D layers run tfjs' fused conv (XNNPACK); trickster's run its own SIMD kernel, whose
    // FMA build rounds each multiply-add once: the same logits to float32 rounding, relative to their scale.
    const scale = Math.max(1, tf.max(tf.abs(expected)).dataSync()[0]!);
    expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]! / scale).toBeLessThan(1e-5);
    tf.dispose([x, expected, actual]);
    loaded.dispose();
  });
});
