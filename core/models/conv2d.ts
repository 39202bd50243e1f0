/**
 * tfjs-layers' Conv2D whose backward pass computes only the gradients something needs.
 *
 * The stock layer runs `tf.fused.conv2d`, whose gradient is one custom function that always
 * computes both the input and the filter gradient. For the first conv of a network the input is
 * the data, so its gradient (a full Conv2DBackpropInput, ~9 ms of a ~136 ms small-cnn step on
 * wasm, measured) is thrown away. A bias-free conv with a linear activation (every conv of the zoo:
 * batch norm follows) is exactly `tf.conv2d`, whose registered gradient computes each input's
 * gradient only when the tape needs it. Serialisation is unchanged: the class reports the stock
 * class name, so exported models load with plain `tf.loadLayersModel`.
 */
import * as tf from '@tensorflow/tfjs';

type LayerArgs = Parameters<typeof tf.layers.conv2d>[0];
type Kwargs = Record<string, unknown>;

/** The stock layer's fields this class reads (public in tfjs-layers' JS, untyped in its .d.ts). */
interface StockFields {
  kernel: tf.LayerVariable;
  useBias: boolean;
  activation: { getClassName(): string };
  strides: [number, number];
  padding: 'same' | 'valid';
  dataFormat: string;
  dilationRate: [number, number];
}

/** tfjs-layers' own class, from the serialization registry (the package does not export it). */
const StockConv2D = tf.serialization.SerializationMap.getMap().classNameMap['Conv2D']![0] as unknown as {
  new (args: LayerArgs): tf.layers.Layer;
};

/** Conv2D that runs as plain `tf.conv2d` when it has no bias and a linear activation; see the file comment. */
export class LazyGradientConv2D extends StockConv2D {
  /** The stock name, so the serialised model is a plain tfjs-layers model. */
  static className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as StockFields;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (self.useBias || self.activation.getClassName() !== 'linear' || self.dataFormat !== 'channelsLast' || x.rank !== 4) {
      return super.call(inputs, kwargs);
    }
    return tf.conv2d(x as tf.Tensor4D, self.kernel.read() as tf.Tensor4D, self.strides, self.padding, 'NHWC', self.dilationRate);
  }
}

/** A conv layer with the stock arguments whose backward pass skips unneeded gradients. */
export function lazyGradientConv2d(args: LayerArgs): tf.layers.Layer {
  return new LazyGradientConv2D(args);
}
