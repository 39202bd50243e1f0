import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runExample } from '../../examples/programmatic.js';
import { tempRunDir } from '../helpers/train-subset.js';

describe('examples', () => {
  it('programmatic run returns the CLI summary and the custom plugin logged gradient norms', async () => {
    const { summary, norms } = await runExample(256, tempRunDir());
    expect(summary.steps).toBe(4);
    expect(summary.top1).toBeGreaterThan(0.1);
    expect(summary.plugins['grad-norm-logger']).toHaveProperty('lastNorm');
    expect(norms.length).toBe(1);
    expect(norms[0]).toBeGreaterThan(0);
  });

  it('the example config file trains with the plugin named by module path', async () => {
    const out = tempRunDir();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.resolve('bin/trickster.js'), 'train', '--config', 'examples/trickster.config.yaml', '--limit', '768', '--backend', 'wasm', '--out', out, '--progress', 'none', '--json'],
      { maxBuffer: 1 << 24 },
    );
    expect(stdout).toMatch(/step 0: gradient norm \d/);
    expect(stdout).toMatch(/step 10: gradient norm \d/);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary.plugins['grad-norm-logger'].lastNorm).toBeGreaterThan(0);
  });
});
