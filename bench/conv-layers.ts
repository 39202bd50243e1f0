/** Conv layer shapes timed by bench/conv-filter-grad.ts and bench/conv-input-grad.ts. */
/** One conv layer shape to time, NHWC, 'same' padding. */
export interface ConvLayer {
  /** Models (and how many of their convs) with this shape. */
  usedBy: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
}

/** The training batch of the bench models. */
export const N = 128;
/** Every conv layer shape of small-cnn, resnet20, resnet8 (width 1.25) and resnet6-pool-stem (width 1) on 28x28x1 inputs, then a few of other models. */
export const CONV_LAYERS: ConvLayer[] = [
  { usedBy: 'small-cnn stage1, resnet20 stem', x: [N, 28, 28, 1], filter: [3, 3, 1, 16], stride: 1 },
  { usedBy: 'small-cnn stage2', x: [N, 14, 14, 16], filter: [3, 3, 16, 32], stride: 1 },
  { usedBy: 'small-cnn stage3', x: [N, 7, 7, 32], filter: [3, 3, 32, 64], stride: 1 },
  { usedBy: 'resnet20 stage1 (6)', x: [N, 28, 28, 16], filter: [3, 3, 16, 16], stride: 1 },
  { usedBy: 'resnet20 stage2 conv1', x: [N, 28, 28, 16], filter: [3, 3, 16, 32], stride: 2 },
  { usedBy: 'resnet20 stage2 shortcut', x: [N, 28, 28, 16], filter: [1, 1, 16, 32], stride: 2 },
  { usedBy: 'resnet20 stage2 (5)', x: [N, 14, 14, 32], filter: [3, 3, 32, 32], stride: 1 },
  { usedBy: 'resnet20 stage3 conv1', x: [N, 14, 14, 32], filter: [3, 3, 32, 64], stride: 2 },
  { usedBy: 'resnet20 stage3 shortcut', x: [N, 14, 14, 32], filter: [1, 1, 32, 64], stride: 2 },
  { usedBy: 'resnet20 stage3 (5)', x: [N, 7, 7, 64], filter: [3, 3, 64, 64], stride: 1 },
  { usedBy: 'resnet8 stem', x: [N, 28, 28, 1], filter: [3, 3, 1, 20], stride: 1 },
  { usedBy: 'resnet8 stage1 (2)', x: [N, 28, 28, 20], filter: [3, 3, 20, 20], stride: 1 },
  { usedBy: 'resnet8 stage2 conv1', x: [N, 28, 28, 20], filter: [3, 3, 20, 40], stride: 2 },
  { usedBy: 'resnet8 stage2 shortcut', x: [N, 28, 28, 20], filter: [1, 1, 20, 40], stride: 2 },
  { usedBy: 'resnet8 stage2 conv2', x: [N, 14, 14, 40], filter: [3, 3, 40, 40], stride: 1 },
  { usedBy: 'resnet8 stage3 conv1', x: [N, 14, 14, 40], filter: [3, 3, 40, 80], stride: 2 },
  { usedBy: 'resnet8 stage3 shortcut', x: [N, 14, 14, 40], filter: [1, 1, 40, 80], stride: 2 },
  { usedBy: 'resnet8 stage3 conv2', x: [N, 7, 7, 80], filter: [3, 3, 80, 80], stride: 1 },
  { usedBy: 'resnet6-pool-stem stage1 conv1', x: [N, 14, 14, 24], filter: [3, 3, 24, 48], stride: 1 },
  { usedBy: 'resnet6-pool-stem stage1 shortcut', x: [N, 14, 14, 24], filter: [1, 1, 24, 48], stride: 1 },
  { usedBy: 'resnet6-pool-stem stage1 conv2', x: [N, 14, 14, 48], filter: [3, 3, 48, 48], stride: 1 },
  { usedBy: 'resnet6-pool-stem stage2 conv1', x: [N, 14, 14, 48], filter: [3, 3, 48, 96], stride: 2 },
  { usedBy: 'resnet6-pool-stem stage2 shortcut', x: [N, 14, 14, 48], filter: [1, 1, 48, 96], stride: 2 },
  { usedBy: 'resnet6-pool-stem stage2 conv2', x: [N, 7, 7, 96], filter: [3, 3, 96, 96], stride: 1 },
  // Beyond the four models: RGB input, an ImageNet-style 7x7 stride-2 stem, bottleneck 1x1s, wide 3x3.
  { usedBy: 'RGB 32x32 first conv', x: [N, 32, 32, 3], filter: [3, 3, 3, 16], stride: 1 },
  { usedBy: 'resnet18 stem at 64px, batch 32', x: [32, 64, 64, 3], filter: [7, 7, 3, 64], stride: 2 },
  { usedBy: 'resnet50 1x1 256->64, batch 32', x: [32, 16, 16, 256], filter: [1, 1, 256, 64], stride: 1 },
  { usedBy: 'resnet50 1x1 64->256, batch 32', x: [32, 16, 16, 64], filter: [1, 1, 64, 256], stride: 1 },
  { usedBy: '3x3 256->256 at 4x4, batch 32', x: [32, 4, 4, 256], filter: [3, 3, 256, 256], stride: 1 },
];
