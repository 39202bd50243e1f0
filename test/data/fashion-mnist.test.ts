import { beforeAll, describe, expect, it } from 'vitest';
import { loadIdxDataset } from '../../core/data/idx.js';
import { DEFAULT_DATA_DIR, detectFormat } from '../../core/data/locate.js';
import { channelStats } from '../../core/data/normalize.js';
import type { DatasetSplits } from '../../core/data/types.js';

// Needs the Debian package dataset-fashion-mnist (.ci/run installs it).
describe('real Fashion-MNIST', () => {
  let ds: DatasetSplits;
  beforeAll(() => {
    ds = loadIdxDataset(DEFAULT_DATA_DIR);
  });

  it('is detected as IDX and named fashion-mnist', () => {
    expect(detectFormat(DEFAULT_DATA_DIR)).toBe('idx');
    expect(ds.name).toBe('fashion-mnist');
  });

  it('has 60000 train and 10000 test images of 28x28x1', () => {
    expect(ds.train).toMatchObject({ count: 60000, height: 28, width: 28, channels: 1, numClasses: 10 });
    expect(ds.test).toMatchObject({ count: 10000, height: 28, width: 28, channels: 1 });
    expect(ds.train.images.length).toBe(60000 * 784);
    expect(ds.test.labels.length).toBe(10000);
  });

  it('labels the first training image 9 = Ankle boot', () => {
    expect(ds.train.labels[0]).toBe(9);
    expect(ds.train.classNames[9]).toBe('Ankle boot');
  });

  it('has the known channel statistics', () => {
    const { mean, std } = channelStats(ds.train);
    expect(mean[0]).toBeCloseTo(0.286, 3);
    expect(std[0]).toBeCloseTo(0.353, 3);
  });
});
