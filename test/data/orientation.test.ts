// Orientation-sensitive data: MNIST digits get no horizontal flip from a preset, only when the
// user's own config asks; every run names the augmentations it trains with.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../../app/create-trainer.js';
import { isOrientationSensitive } from '../../core/data/orientation.js';
import { tempDir, writeIdx } from './helpers.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

/** A folder called `name` in MNIST's IDX layout with 8 training and 4 test 28x28 images. */
function idxFolder(name: string): string {
  const dir = join(tempDir(), name);
  mkdirSync(dir);
  for (const [split, n] of [['train', 8], ['t10k', 4]] as const) {
    writeIdx(join(dir, `${split}-images-idx3-ubyte`), [n, 28, 28], new Uint8Array(n * 784).fill(7));
    writeIdx(join(dir, `${split}-labels-idx1-ubyte`), [n], Uint8Array.from({ length: n }, (_, i) => i % 10));
  }
  return dir;
}

/** The lines createTrainer logs and the flip the trainer trains with, for `config` on the data in `dir`. */
async function firstLines(config: Record<string, unknown>, dir: string): Promise<{ lines: string[]; flip: boolean }> {
  const lines: string[] = [];
  const trainer = await createTrainer(config, { dataDir: dir, backend: 'cpu', progress: 'none', logger: { info: (m) => lines.push(m), warn: (m) => lines.push(m) } });
  const flip = trainer.config.data.augment.flip;
  trainer.dispose();
  return { lines, flip };
}

describe('orientation-sensitive datasets', () => {
  it('knows MNIST digits from their folder, and Fashion-MNIST as not sensitive', () => {
    expect(isOrientationSensitive(idxFolder('mnist'))).toBe(true);
    expect(isOrientationSensitive(FASHION)).toBe(false);
    expect(isOrientationSensitive(idxFolder('fashion'))).toBe(false);
  });

  it("turns off the preset's flip on MNIST and says so in the first lines", async () => {
    const dir = idxFolder('mnist');
    const { lines, flip } = await firstLines({ extends: 'baseline' }, dir);
    expect(flip).toBe(false);
    expect(lines[0]).toBe('trickster: backend cpu');
    expect(lines[1]).toContain(`no horizontal flip: ${dir} holds digits (MNIST)`);
    expect(lines[2]).toBe('trickster: augmentations: crop {"padding":2}');
  });

  it("keeps the flip the user's own config sets, on MNIST too", async () => {
    const { lines, flip } = await firstLines({ extends: 'baseline', data: { augment: { flip: true } } }, idxFolder('mnist'));
    expect(flip).toBe(true);
    expect(lines).toEqual(['trickster: backend cpu', 'trickster: augmentations: flip, crop {"padding":2}']);
  });

  it('keeps the preset flip on Fashion-MNIST and lists no augmentation when none is on', async () => {
    expect((await firstLines({ extends: 'baseline' }, FASHION)).lines[1]).toBe('trickster: augmentations: flip, crop {"padding":2}');
    const none = await firstLines({ extends: 'baseline', data: { augment: { flip: false, crop: false } } }, FASHION);
    expect(none.lines[1]).toBe('trickster: augmentations: none');
  });
});
