import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../plugins/registry.js';
import { tensorCountsOverSpan } from '../helpers/contract-leaks.js';
import { trainTeacher } from '../helpers/contract-run.js';
import { canonicalConfig, canonicalSettings } from './canonical-settings.js';

/**
 * Plugin contract (c), second half of the built-in plugins (the first: contract-leaks-a): no
 * tensor leaks over 200 optimizer steps of batch 8 (25 steps an epoch, so the span crosses epoch
 * ends, evaluations and checkpoints).
 */
describe('plugin contract: no tensor leaks over 200 optimizer steps', () => {
  const names = builtinPlugins.map((p) => p.name).slice(7);
  let teacher = '';
  beforeAll(async () => {
    if (names.includes('distillation')) teacher = await trainTeacher();
  });
  for (const name of names) {
    it(name, async () => {
      const s = canonicalSettings[name]!;
      const split = ((s.config?.data as { validationSplit?: number } | undefined)?.validationSplit ?? 0);
      const limit = Math.round((200 * (s.microBatchesPerStep ?? 1)) / (1 - split));
      const config = canonicalConfig(name, { teacher, long: true, last: { data: { limit, testLimit: 32 }, training: { batchSize: 8, epochs: 10 } } });
      const { first, later } = await tensorCountsOverSpan(config);
      expect(later).toBe(first);
    });
  }
});
