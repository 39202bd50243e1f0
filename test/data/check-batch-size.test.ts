import { describe, expect, it } from 'vitest';
import { checkBatchFits } from '../../core/data/check-batch-size.js';

describe('checkBatchFits', () => {
  it('takes a batch up to the training-set size', () => {
    expect(() => checkBatchFits(256, 256, { validationSplit: 0 })).not.toThrow();
  });

  it('refuses a larger batch, naming both sizes, what cut the set and the fix', () => {
    expect(() => checkBatchFits(230, 512, { limit: 256, validationSplit: 0.1 })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message:
          'training.batchSize: 512 is more than the 230 training images (data.limit 256, validationSplit 0.1 held out), so not one full batch fits and nothing would train. Use --batch-size 230 or less, or raise --limit.',
      }),
    );
    expect(() => checkBatchFits(10, 11, { validationSplit: 0 })).toThrow(/^training.batchSize: 11 is more than the 10 training images, so .* Use --batch-size 10 or less\.$/);
  });
});
