import type { TricksterConfig } from '../config/schema.js';
import { AdamW } from './adamw.js';
import { Sgd } from './sgd.js';
import type { Optimizer } from './types.js';

/** Builds the optimizer the config's `optimizer` section names. */
export function createOptimizer(options: TricksterConfig['optimizer']): Optimizer {
  switch (options.name) {
    case 'sgd':
      return new Sgd({ momentum: options.momentum, dampening: options.dampening, nesterov: options.nesterov });
    case 'adamw':
      return new AdamW({ beta1: options.beta1, beta2: options.beta2, eps: options.eps });
  }
}
