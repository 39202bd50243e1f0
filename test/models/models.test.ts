/**
 * Model zoo: output shapes at several resolutions, parameter counts and multiply-add counts,
 * each checked against a count derived by hand from the architecture.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  batchNormLayers,
  buildModel,
  classifierLayer,
  forwardMultiplyAdds,
  knownModels,
  layerCosts,
  parameterCounts,
} from '../../core/models/index.js';
import type { InputShape } from '../../core/models/index.js';
import { CIFAR, MNIST, modelBuilder } from './helpers.js';

const IMAGENET: InputShape = { height: 224, width: 224, channels: 3 };
const build = modelBuilder();

function logitsShape(model: tf.LayersModel, h: number, w: number, c: number, batch = 2): number[] {
  return tf.tidy(() => (model.predict(tf.randomNormal([batch, h, w, c], 0, 1, 'float32', 1)) as tf.Tensor).shape);
}

describe('knownModels', () => {
  it('lists the zoo', () => {
    expect(knownModels().sort()).toEqual(
      ['resnet18', 'resnet6-pool-stem', 'resnet8', 'resnet20', 'resnet32', 'resnet34', 'resnet50', 'resnet56', 'small-cnn'].sort(),
    );
  });
});

describe('output shapes', () => {
  // ImageNet-style nets at full width are cheap to run at 28-36 px; 224 px is never run here.
  // Shapes do not depend on the width: the ImageNet nets run at half width to keep the test fast.
  const widthFor = (name: string) => (['resnet18', 'resnet34', 'resnet50'].includes(name) ? 0.5 : 1);

  it.each(knownModels())('%s: 28x28x1 and 32x32x3 to logits, same model at 36x36 (FixRes)', (name) => {
    const gray = build({ name, seed: 1, width: widthFor(name) }, MNIST, 10);
    expect(gray.inputs[0]!.shape).toEqual([null, null, null, 1]);
    expect(logitsShape(gray, 28, 28, 1)).toEqual([2, 10]);

    const rgb = build({ name, seed: 1, width: widthFor(name) }, CIFAR, 7);
    expect(logitsShape(rgb, 32, 32, 3, 1)).toEqual([1, 7]);
    expect(logitsShape(rgb, 36, 36, 3, 1)).toEqual([1, 7]);
    // Logits, not probabilities: the classifier has no softmax.
    expect(classifierLayer(rgb).getConfig()['activation']).toBe('linear');
  });

  it.each(['a', 'b', 'c', 'd'] as const)('resnet50 variant %s runs on 28x28x1 and odd sizes', (variant) => {
    const m = build({ name: 'resnet50', variant, width: 0.25, seed: 1 }, MNIST);
    expect(logitsShape(m, 28, 28, 1)).toEqual([2, 10]);
    expect(logitsShape(m, 13, 21, 1, 1)).toEqual([1, 10]);
  });

  it.each(['a', 'c', 'd'] as const)('resnet20 variant %s runs on odd sizes', (variant) => {
    const m = build({ name: 'resnet20', variant, seed: 1 }, CIFAR);
    expect(logitsShape(m, 15, 9, 3, 1)).toEqual([1, 10]);
  });

  it('every layer has a readable, unique name', () => {
    for (const name of knownModels()) {
      const m = build({ name, variant: ['small-cnn', 'resnet6-pool-stem'].includes(name) ? undefined : 'd', width: 0.25 }, CIFAR);
      const names = m.layers.map((l) => l.name);
      expect(new Set(names).size).toBe(names.length);
      for (const n of names) expect(n).toMatch(/^(input|stem_[a-z]+\d?|stage\d+_(block\d+_)?[a-z_]+\d?|head_(pool|dense))$/);
      expect(classifierLayer(m).name).toBe('head_dense');
    }
  });
});

describe('parameter counts', () => {
  /*
   * resnet20, width 1, 10 classes, 3-channel input; "trainable" is what PyTorch counts (conv
   * kernels, BN gamma+beta, dense kernel+bias). Convs have no bias.
   *   stem   conv3x3 3→16: 3*3*3*16 = 432, BN 2*16 = 32                                  →     464
   *   stage1 3 blocks × (2 conv3x3 16→16: 2*2304 + 2 BN 2*2*16 = 64)    = 3 * 4,672      →  14,016
   *   stage2 block1: conv 16→32 4,608 + conv 32→32 9,216 + 2 BN 128
   *                  + projection 1x1 16→32: 512 + BN 64                 = 14,528
   *          blocks 2-3: 2 × (2 * 9,216 + 128)                           = 37,120         →  51,648
   *   stage3 block1: conv 32→64 18,432 + conv 64→64 36,864 + 2 BN 256
   *                  + projection 1x1 32→64: 2,048 + BN 128              = 57,728
   *          blocks 2-3: 2 × (2 * 36,864 + 256)                          = 147,968        → 205,696
   *   head   dense 64→10: 640 + 10                                                        →     650
   *   total                                                                                 272,474
   * The widely quoted "0.27M" ResNet-20 (e.g. akamaster/pytorch_resnet_cifar10) uses option A
   * (zero-padded identity shortcuts, no parameters) and has 272,474 - 576 - 2,176 = 269,722.
   * TF.js also stores each BN's moving mean + variance: 2 × 784 BN channels
   * (stem 16, stage1 6*16, stage2 6*32 + 32, stage3 6*64 + 64) = 1,568 non-trainable.
   */
  function cifarResNetTrainable(n: number): number {
    return 464 + n * 4_672 + (14_528 + (n - 1) * 18_560) + (57_728 + (n - 1) * 73_984) + 650;
  }

  it('resnet20: 272,474 trainable + 1,568 BN statistics', () => {
    expect(cifarResNetTrainable(3)).toBe(272_474);
    const m = build({ name: 'resnet20' }, CIFAR, 10);
    expect(parameterCounts(m)).toEqual({ trainable: 272_474, nonTrainable: 1_568, total: 274_042 });
    expect(m.countParams()).toBe(274_042);
  });

  it('resnet32 and resnet56 follow 6n+2 with n = 5 and 9', () => {
    expect(parameterCounts(build({ name: 'resnet32' }, CIFAR)).trainable).toBe(cifarResNetTrainable(5));
    expect(parameterCounts(build({ name: 'resnet56' }, CIFAR)).trainable).toBe(cifarResNetTrainable(9));
    expect(cifarResNetTrainable(9)).toBe(855_770); // "0.85M" in He et al. 2016, table 6
  });

  it('resnet8 (n = 1) follows 6n+2; at width 1.25 it has 121,030 on 28x28x1 (issue 13\'s net size)', () => {
    expect(parameterCounts(build({ name: 'resnet8' }, CIFAR)).trainable).toBe(cifarResNetTrainable(1));
    // Width 1.25: channels 20/40/80, 1 input channel.
    //   stem   conv 1→20: 180, BN 40                                                      →    220
    //   stage1 2 conv 20→20: 2*3,600, 2 BN 80                                              →  7,280
    //   stage2 conv 20→40 7,200 + conv 40→40 14,400 + 2 BN 160 + 1x1 20→40 800 + BN 80    → 22,640
    //   stage3 conv 40→80 28,800 + conv 80→80 57,600 + 2 BN 320 + 1x1 40→80 3,200 + BN 160 → 90,080
    //   head   dense 80→10: 810
    // Without the two projections (PyTorch option A) it would be 121,030 - 4,240 = 116,790 (~117k).
    const m = build({ name: 'resnet8', width: 1.25 }, MNIST);
    expect(parameterCounts(m).trainable).toBe(220 + 7_280 + 22_640 + 90_080 + 810);
    expect(parameterCounts(m).trainable).toBe(121_030);
  });

  it('resnet20 variant d has the same parameters (the average pool has none)', () => {
    expect(parameterCounts(build({ name: 'resnet20', variant: 'd' }, CIFAR)).trainable).toBe(272_474);
  });

  it('small-cnn: 24,058 trainable on 28x28x1', () => {
    // conv 1→16: 144, BN 32; conv 16→32: 4,608, BN 64; conv 32→64: 18,432, BN 128; dense 64*10+10
    expect(parameterCounts(build({ name: 'small-cnn' }, MNIST))).toEqual({
      trainable: 144 + 32 + 4_608 + 64 + 18_432 + 128 + 650,
      nonTrainable: 2 * (16 + 32 + 64),
      total: 24_282,
    });
  });

  it('width multiplies channels', () => {
    // small-cnn width 2 on 28x28x1: convs 1→32, 32→64, 64→128, dense 128→10
    const m = build({ name: 'small-cnn', width: 2 }, MNIST);
    expect(parameterCounts(m).trainable).toBe(288 + 64 + 18_432 + 128 + 73_728 + 256 + 1_290);
  });
});

describe('multiply-adds', () => {
  it('small-cnn at 28x28x1 matches the hand computation', () => {
    // 'same' convs, output positions × kernel × in × out:
    //   conv1 28*28 * 3*3*1  * 16 =   112,896
    //   conv2 14*14 * 3*3*16 * 32 =   903,168   (after 2x2 max pool)
    //   conv3  7*7  * 3*3*32 * 64 =   903,168
    //   dense 64 * 10             =       640
    const expected = 112_896 + 903_168 + 903_168 + 640;
    expect(expected).toBe(1_919_872);
    const m = build({ name: 'small-cnn' }, MNIST);
    expect(forwardMultiplyAdds(m, MNIST)).toBe(expected);
    const costs = layerCosts(m, MNIST);
    expect(costs.find((c) => c.name === 'stage3_conv')).toMatchObject({ outputShape: [1, 7, 7, 64], multiplyAdds: 903_168 });
  });

  it('resnet20 at 32x32x3 and 28x28x1', () => {
    // 32x32x3: stem 32*32*27*16 = 442,368; stage1 6 convs * 32*32*144*16 = 14,155,776;
    // stage2 16*16*(144*32 + 5*288*32 + 16*32) = 13,107,200; stage3 8*8*(288*64 + 5*576*64 + 32*64)
    // = 13,107,200; dense 640. He et al. quote ~41M for ResNet-20.
    const m3 = build({ name: 'resnet20' }, CIFAR);
    expect(forwardMultiplyAdds(m3, CIFAR)).toBe(442_368 + 14_155_776 + 13_107_200 + 13_107_200 + 640);
    // 28x28x1: stem 28*28*9*16 = 112,896; stage1 6 * 28*28*144*16 = 10,838,016;
    // stage2 14*14*(144*32 + 5*288*32 + 16*32) = 10,035,200; stage3 7*7*(...) = 10,035,200; dense 640
    const m1 = build({ name: 'resnet20' }, MNIST);
    expect(forwardMultiplyAdds(m1, MNIST)).toBe(112_896 + 10_838_016 + 10_035_200 + 10_035_200 + 640);
    expect(forwardMultiplyAdds(m1, MNIST)).toBe(31_021_952);
  });

  it('resnet8 width 1.25 at 28x28x1: 14,567,520 multiply-adds, one block per stage', () => {
    // stem 784*9*20 = 141,120; stage1 2 * 784*180*20 = 5,644,800;
    // stage2 196*(180*40 + 360*40 + 20*40) = 4,390,400; stage3 49*(360*80 + 720*80 + 40*80) = 4,390,400;
    // dense 800
    const m = build({ name: 'resnet8', width: 1.25 }, MNIST);
    expect(forwardMultiplyAdds(m, MNIST)).toBe(141_120 + 5_644_800 + 4_390_400 + 4_390_400 + 800);
    expect(forwardMultiplyAdds(m, MNIST)).toBe(14_567_520);
    const convs = m.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name);
    expect(convs).toEqual([
      'stem_conv',
      'stage1_block1_conv1', 'stage1_block1_conv2',
      'stage2_block1_conv1', 'stage2_block1_conv2', 'stage2_block1_shortcut_conv',
      'stage3_block1_conv1', 'stage3_block1_conv2', 'stage3_block1_shortcut_conv',
    ]);
    expect(layerCosts(m, MNIST).find((c) => c.name === 'stage3_block1_out')?.outputShape).toEqual([1, 7, 7, 80]);
  });

  it('scales with resolution (FixRes) and rejects a wrong channel count', () => {
    const m = build({ name: 'small-cnn' }, MNIST);
    // 56x56 has 4x the positions of 28x28 in every conv; the dense layer is unchanged.
    expect(forwardMultiplyAdds(m, { height: 56, width: 56, channels: 1 })).toBe(4 * (1_919_872 - 640) + 640);
    expect(() => forwardMultiplyAdds(m, CIFAR)).toThrow(/expects 1 input channels/);
  });

});

describe('ImageNet ResNets at full width (built once, never run)', () => {
  const models: Record<string, tf.LayersModel> = {};
  beforeAll(() => {
    models['resnet18'] = buildModel({ name: 'resnet18' }, IMAGENET, 1000);
    models['resnet50'] = buildModel({ name: 'resnet50' }, IMAGENET, 1000);
    models['resnet50d'] = buildModel({ name: 'resnet50', variant: 'd' }, IMAGENET, 1000);
  });
  afterAll(() => {
    for (const m of Object.values(models)) m.dispose();
  });

  it('parameters match torchvision (option-B projections); 50d adds the deep stem', () => {
    // torchvision.models.resnet18(): 11,689,512; resnet50(): 25,557,032 (1000 classes, trainable).
    expect(parameterCounts(models['resnet18']!).trainable).toBe(11_689_512);
    expect(parameterCounts(models['resnet50']!).trainable).toBe(25_557_032);
    // Deep stem: 3*3*3*32 + 3*3*32*32 + 3*3*32*64 = 28,512 weights and BN 2*(32+32+64) = 256,
    // replacing 7*7*3*64 = 9,408 and BN 128: +19,232. The D shortcut (avg pool) adds nothing.
    expect(parameterCounts(models['resnet50d']!).trainable).toBe(25_557_032 + 28_512 + 256 - 9_408 - 128);
  });

  it('multiply-adds at 224x224 match the papers', () => {
    // He et al. 2016 table 1: ResNet-18 1.8e9, ResNet-50 3.8e9 multiply-adds (variant a).
    expect(forwardMultiplyAdds(models['resnet18']!, IMAGENET) / 1e9).toBeCloseTo(1.81, 2);
    const r50a = forwardMultiplyAdds(models['resnet50']!, IMAGENET);
    expect(r50a / 1e9).toBeCloseTo(3.86, 2);
    // ResNet-50-D vs A, exactly:
    // - stride moved from the 1x1 to the 3x3 conv (B): the first 1x1 of stages 2-4 now runs at the
    //   input resolution, e.g. stage 2: (56*56 - 28*28) * 256 * 128 = 77,070,336, same for 3 and 4;
    // - deep stem (C): 112*112 * (3*3*3*32 + 3*3*32*32 + 3*3*32*64 - 7*7*3*64) = 12,544 * 19,104;
    // - avg-pool shortcut (D): the 1x1 conv has the same output positions either way.
    expect(forwardMultiplyAdds(models['resnet50d']!, IMAGENET)).toBe(r50a + 3 * 77_070_336 + 12_544 * 19_104);
  });
});

describe('layer helpers', () => {
  it('batchNormLayers and classifierLayer', () => {
    const m = build({ name: 'resnet20' }, CIFAR, 10);
    // stem 1 + 9 blocks × 2 + 2 projection shortcuts
    expect(batchNormLayers(m)).toHaveLength(21);
    const dense = classifierLayer(m);
    expect(dense.getClassName()).toBe('Dense');
    expect(dense.getConfig()['units']).toBe(10);
  });
});
