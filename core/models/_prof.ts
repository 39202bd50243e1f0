import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from './index.js';
const backend = process.argv[2] ?? 'wasm';
const name = process.argv[3] ?? 'small-cnn';
const width = Number(process.argv[4] ?? 1);
// same shim
tf.registerKernel({
  kernelName: 'Conv2DBackpropFilter', backendName: 'wasm',
  kernelFunc: ({ inputs, backend: be, attrs }) => {
    const { x, dy } = inputs as any;
    const { strides, pad, dataFormat, dilations, dimRoundingMode, filterShape } = attrs as any;
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations ?? 1, pad, dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(dataFormat));
    const vals = tf.tidy(() => {
      const xt = tf.engine().makeTensorFromTensorInfo(x); const dyt = tf.engine().makeTensorFromTensorInfo(dy);
      const [kh, kw, ci, co] = filterShape; const p = info.padInfo;
      const xp = tf.pad(xt as tf.Tensor4D, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]]);
      const N = x.shape[0], oh = info.outHeight, ow = info.outWidth, sh = info.strideHeight, sw = info.strideWidth;
      const d2 = (dyt as tf.Tensor).reshape([-1, co]); const parts: tf.Tensor[] = [];
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
        const sl = tf.stridedSlice(xp, [0, i, j, 0], [N, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, ci], [1, sh, sw, 1]);
        parts.push(tf.matMul(sl.reshape([-1, ci]), d2, true, false));
      }
      return tf.stack(parts).reshape([kh, kw, ci, co]).dataSync() as Float32Array;
    });
    return (be as any).makeOutput(filterShape, 'float32', undefined, vals);
  },
});
await tf.setBackend(backend); await tf.ready();
const model = buildModel({ name, seed: 1, width }, { height: 28, width: 28, channels: 1 }, 10);
const opt = tf.train.adam(1e-3);
const x = tf.randomNormal([128, 28, 28, 1]); const y = tf.oneHot(tf.tensor1d(Array.from({ length: 128 }, (_, i) => i % 10), 'int32'), 10);
const step = () => { const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true); l!.dataSync(); l!.dispose(); };
for (let i = 0; i < 3; i++) step();
let t = Date.now(); for (let i = 0; i < 5; i++) step(); console.log('train step ms', (Date.now() - t) / 5);
t = Date.now(); for (let i = 0; i < 5; i++) tf.tidy(() => { (model.apply(x, { training: true }) as tf.Tensor).dataSync(); }); console.log('fwd train-mode ms', (Date.now() - t) / 5);
t = Date.now(); for (let i = 0; i < 5; i++) tf.tidy(() => { (model.predict(x) as tf.Tensor).dataSync(); }); console.log('predict ms', (Date.now() - t) / 5);
const prof = await tf.profile(() => step());
const agg = new Map<string, number>();
for (const k of prof.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
console.log([...agg].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${k}: ${v.toFixed(1)}`).join('\n'));
