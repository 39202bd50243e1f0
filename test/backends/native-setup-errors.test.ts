import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRunDir } from '../helpers/train-subset.js';

/** A PATH folder holding only `tools` (name → real executable), and a python3 that always succeeds when `fakePython`. */
function pathWith(tools: Record<string, string>, fakePython = false): string {
  const dir = path.join(tempRunDir('trickster-native-path-'), 'bin');
  mkdirSync(dir);
  for (const [name, target] of Object.entries(tools)) symlinkSync(target, path.join(dir, name));
  if (fakePython) writeFileSync(path.join(dir, 'python3'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return dir;
}

/** Runs `npm run native:setup`'s script with `env`; returns exit code and stderr, and whether it wrote its prefix. */
function setup(env: Record<string, string>) {
  const prefix = path.join(tempRunDir('trickster-native-prefix-'), 'native');
  const result = spawnSync(process.execPath, ['scripts/native-setup.mjs'], { encoding: 'utf8', env: { ...process.env, TRICKSTER_NATIVE_DIR: prefix, ...env } });
  return { code: result.status, stderr: result.stderr.trim(), wrote: existsSync(prefix) };
}

describe('npm run native:setup: a missing prerequisite is one line saying what to install, before anything is written', () => {
  it('python3 with pip', () => {
    const run = setup({ PATH: pathWith({}) });
    expect(run).toEqual({ code: 1, stderr: expect.stringMatching(/^native:setup: python3 with pip is needed .*apt-get install -y python3-pip\)$/), wrote: false });
  });

  it('g++ and make', () => {
    const run = setup({ PATH: pathWith({}, true) });
    expect(run).toEqual({ code: 1, stderr: expect.stringMatching(/^native:setup: g\+\+ is needed to build the tfjs-node binding; .*apt-get install -y g\+\+ make\)$/), wrote: false });
  });

  it("Node's C headers", () => {
    const run = setup({ npm_config_nodedir: tempRunDir('trickster-no-headers-') });
    expect(run).toEqual({ code: 1, stderr: expect.stringMatching(/^native:setup: Node's C headers are not in .*include\/node; install them .*npm_config_nodedir/), wrote: false });
  });
});
