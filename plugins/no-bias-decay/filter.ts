/**
 * Whether weight decay applies to a variable, from its stable name (`layer/weight`): only the
 * kernels of convolution and dense layers (`stage1_conv/kernel`, `head_dense/kernel`, also
 * `…/depthwise_kernel`), never biases nor batch-norm gamma/beta ("no bias decay", seed 004).
 */
export function decaysVariable(name: string): boolean {
  const weight = name.slice(name.lastIndexOf('/') + 1);
  return weight === 'kernel' || weight.endsWith('_kernel');
}
