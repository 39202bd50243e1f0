/** (e) The limit: the wasm backend's measured forward conv FLOP rate, turned into training img/s. */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../core/backends/resolve.js';
import { forwardMultiplyAdds, layerCosts } from '../core/models/index.js';
import { benchModel } from './bench-model.js';
import { fashionTensors, INPUT } from './fashion-tensors.js';
import { median } from './stats.js';

/** The forward measurement of one model at one batch size. */
export interface ForwardResult {
  /** Per repeat: conv FLOP rate / (3 × forward FLOPs per image), images/s. */
  readonly limitSamples: number[];
  /** Median GFLOP/s of the model's conv layers run alone (2 × multiply-adds / time). */
  readonly convGflops: number;
  /** Median GFLOP/s of the whole forward pass in inference mode (conv + dense FLOPs / time). */
  readonly forwardGflops: number;
  /** Median inference images/s of the whole forward pass. */
  readonly inferenceImgPerSec: number;
  /** Conv + dense multiply-adds of one forward pass of one image. */
  readonly multiplyAddsPerImage: number;
}

interface ConvCall {
  readonly x: tf.Tensor4D;
  readonly w: tf.Tensor4D;
  readonly strides: number;
  readonly multiplyAdds: number;
}

/** One random input and kernel per Conv2D layer of `net`, at the layer's real input shape. */
function convCalls(net: tf.LayersModel, batch: number): ConvCall[] {
  const costs = new Map(layerCosts(net, INPUT).map((c) => [c.name, c]));
  const calls: ConvCall[] = [];
  for (const layer of net.layers) {
    if (layer.getClassName() !== 'Conv2D') continue;
    const parent = layer.inboundNodes[0]!.inboundLayers[0]!;
    const [, h, w, c] = costs.get(parent.name)!.outputShape;
    const kernel = layer.getWeights()[0]!;
    const strides = (layer.getConfig().strides as number[])[0]!;
    calls.push({
      x: tf.randomNormal([batch, h!, w!, c!]),
      w: tf.randomNormal(kernel.shape as [number, number, number, number]),
      strides,
      multiplyAdds: costs.get(layer.name)!.multiplyAdds,
    });
  }
  return calls;
}

/**
 * Milliseconds per call of `f` in each of `repeats` samples, after one untimed call. A sample
 * averages as many calls as fit in `minSampleMs` (judged from the untimed call), so short passes
 * are not lost in timer and scheduling noise.
 */
function timeRuns(f: () => void, repeats: number, minSampleMs = 250): number[] {
  const t = performance.now();
  f();
  const calls = Math.max(1, Math.ceil(minSampleMs / Math.max(performance.now() - t, 1e-3)));
  const out: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) f();
    out.push((performance.now() - t0) / calls);
  }
  return out;
}

/**
 * Times, on wasm at `batch` images, (1) all conv layers of the model run alone on random inputs
 * of their real shapes and (2) the model's forward pass in inference mode on real images.
 * The limit is the conv FLOP rate divided by 3× the model's forward FLOPs per image: training
 * as fast as the forward convs, with backward costing twice the forward and nothing else costing anything.
 */
export async function measureForward(model: string, batch: number, repeats: number): Promise<ForwardResult> {
  await useBackend('wasm');
  const net = benchModel(model);
  const macs = forwardMultiplyAdds(net, INPUT);
  const calls = convCalls(net, batch);
  const convMacs = calls.reduce((n, c) => n + c.multiplyAdds, 0);
  const convMs = timeRuns(() => {
    for (const c of calls) tf.conv2d(c.x, c.w, c.strides, 'same').dispose();
  }, repeats);
  for (const c of calls) tf.dispose([c.x, c.w]);
  const { x, y } = fashionTensors(batch);
  const fwdMs = timeRuns(() => {
    const logits = net.apply(x, { training: false }) as tf.Tensor;
    logits.dataSync();
    logits.dispose();
  }, repeats);
  tf.dispose([x, y]);
  net.dispose();
  const convGflopsSamples = convMs.map((ms) => (2 * convMacs * batch) / (ms / 1000) / 1e9);
  return {
    limitSamples: convGflopsSamples.map((g) => (g * 1e9) / (3 * 2 * macs)),
    convGflops: median(convGflopsSamples),
    forwardGflops: (2 * macs * batch) / (median(fwdMs) / 1000) / 1e9,
    inferenceImgPerSec: batch / (median(fwdMs) / 1000),
    multiplyAddsPerImage: macs,
  };
}
