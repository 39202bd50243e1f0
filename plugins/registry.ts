import { ema } from './ema/index.js';
import { lrSchedule } from './lr-schedule/index.js';
import { preciseBn } from './precise-bn/index.js';
import { swa } from './swa/index.js';
import { earlyStopping } from './early-stopping/index.js';
import { gradientAccumulation } from './gradient-accumulation/index.js';
import { larc } from './larc/index.js';
import { reduceLrOnPlateau } from './reduce-lr-on-plateau/index.js';
import { distillation } from './distillation/index.js';
import { fixres } from './fixres/index.js';
import { labelSmoothing } from './label-smoothing/index.js';
import { mixupCutmix } from './mixup-cutmix/index.js';
import { randomErasing } from './random-erasing/index.js';
import { noBiasDecay } from './no-bias-decay/index.js';
import { flooding } from './flooding/index.js';
import type { PluginDefinition } from '../core/plugin-definition.js';

/** Every built-in plugin, by the name a config uses. */
export const builtinPlugins: readonly PluginDefinition[] = [lrSchedule, ema, swa, preciseBn, gradientAccumulation, larc, earlyStopping, reduceLrOnPlateau, fixres, distillation, labelSmoothing, mixupCutmix, randomErasing, noBiasDecay, flooding];

/** The built-in plugin called `name`, if there is one. */
export function findBuiltinPlugin(name: string): PluginDefinition | undefined {
  return builtinPlugins.find((p) => p.name === name);
}
