import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { buildModel } from './index.js';

const dir = '/usr/share/datasets/fashion-mnist/';
function load(img: string, lab: string) {
  const x = gunzipSync(readFileSync(dir + img)).subarray(16);
  const y = gunzipSync(readFileSync(dir + lab)).subarray(8);
  return { x, y };
}
const backend = process.argv[2] ?? 'wasm';
const opt = process.argv[3] ?? 'adam';

if (backend === 'wasm') {
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: be, attrs }) => {
      const { x, dy } = inputs as any;
      const { strides, pad, dataFormat, dilations, dimRoundingMode, filterShape } = attrs as any;
      const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations ?? 1, pad, dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(dataFormat));
      const vals = tf.tidy(() => {
        const xt = tf.engine().makeTensorFromTensorInfo(x);
        const dyt = tf.engine().makeTensorFromTensorInfo(dy);
        const [kh, kw, ci, co] = filterShape;
        const p = info.padInfo;
        const xp = tf.pad(xt as tf.Tensor4D, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]]);
        const N = x.shape[0], oh = info.outHeight, ow = info.outWidth, sh = info.strideHeight, sw = info.strideWidth;
        const d2 = (dyt as tf.Tensor).reshape([-1, co]);
        const parts: tf.Tensor[] = [];
        for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
          const sl = tf.stridedSlice(xp, [0, i, j, 0], [N, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, ci], [1, sh, sw, 1]);
          parts.push(tf.matMul(sl.reshape([-1, ci]), d2, true, false));
        }
        return tf.stack(parts).reshape([kh, kw, ci, co]).dataSync() as Float32Array;
      });
      return (be as any).makeOutput(filterShape, 'float32', undefined, vals);
    },
  });
}
await tf.setBackend(backend); await tf.ready();
console.log('backend', tf.getBackend());
const train = load('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
const test = load('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz');
const norm = (b: Uint8Array, n: number) => tf.tidy(() => tf.tensor4d(Float32Array.from(b), [n, 28, 28, 1]).div(255).sub(0.286).div(0.353));
const n = 60000;
// shuffle
const idx = Array.from({ length: n }, (_, i) => i);
let s = 42; for (let i = n - 1; i > 0; i--) { s = (s * 1103515245 + 12345) >>> 0; const j = s % (i + 1); [idx[i], idx[j]] = [idx[j]!, idx[i]!]; }
const xs = new Uint8Array(n * 784), ys = new Int32Array(n);
idx.forEach((k, i) => { xs.set(train.x.subarray(k * 784, k * 784 + 784), i * 784); ys[i] = train.y[k]!; });
const width = Number(process.argv[6] ?? 1);
const model = buildModel({ name: 'small-cnn', seed: 1, width }, { height: 28, width: 28, channels: 1 }, 10);
const bs = Number(process.argv[5] ?? 128);
const steps = Math.ceil(n / bs);
const lr0 = Number(process.argv[4] ?? (opt === 'adam' ? 0.003 : 0.1));
const optimizer = opt === 'adam' ? tf.train.adam(lr0) : tf.train.momentum(lr0, 0.9, true);
const t0 = Date.now();
for (let st = 0; st < steps; st++) {
  const lo = st * bs, hi = Math.min(n, lo + bs);
  // linear warmup 5% + cosine? keep: linear decay to 0
  const lr = lr0 * Math.min(1, (st + 1) / (steps * 0.05)) * (1 - st / steps);
  (optimizer as any).learningRate = lr;
  const x = norm(xs.subarray(lo * 784, hi * 784), hi - lo);
  const y = tf.oneHot(tf.tensor1d(ys.subarray(lo, hi), 'int32'), 10);
  const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
  if (st % 100 === 0) console.log(st, loss!.dataSync()[0], ((Date.now() - t0) / 1000).toFixed(1));
  tf.dispose([x, y, loss!]);
}
console.log('train s', (Date.now() - t0) / 1000);
let correct = 0;
for (let lo = 0; lo < 10000; lo += 1000) {
  const x = norm(test.x.subarray(lo * 784, (lo + 1000) * 784), 1000);
  const p = (model.predict(x) as tf.Tensor).argMax(-1).dataSync();
  for (let i = 0; i < 1000; i++) if (p[i] === test.y[lo + i]) correct++;
  x.dispose();
}
console.log(process.argv.slice(2).join(' '), 'test acc', correct / 10000, 'total s', (Date.now() - t0) / 1000);
