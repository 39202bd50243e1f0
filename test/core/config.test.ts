import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../core/config/load.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { tempRunDir } from '../helpers/train-subset.js';

function dirWith(files: Record<string, string>): string {
  const dir = tempRunDir('trickster-config-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('config discovery (cosmiconfig)', () => {
  const cases: Record<string, string> = {
    'trickster.config.json': JSON.stringify({ extends: 'baseline', training: { epochs: 3 } }),
    'trickster.config.yaml': 'extends: baseline\ntraining:\n  epochs: 3\n',
    'trickster.config.ts': 'export default { extends: "baseline", training: { epochs: 3 } };\n',
    'trickster.config.js': 'export default { extends: "baseline", training: { epochs: 3 } };\n',
    '.tricksterrc': '{"extends": "baseline", "training": {"epochs": 3}}',
    '.tricksterrc.yaml': 'extends: baseline\ntraining: { epochs: 3 }\n',
    'package.json': JSON.stringify({ name: 'x', type: 'module', trickster: { extends: 'baseline', training: { epochs: 3 } } }),
  };
  for (const [file, text] of Object.entries(cases)) {
    it(`finds ${file}`, async () => {
      const dir = dirWith({ [file]: text });
      const { config, sources } = await resolveConfig({ cwd: dir });
      expect(config.training.epochs).toBe(3);
      expect(config.model.name).toBe('small-cnn');
      expect(sources.at(-1)).toBe(path.join(dir, file));
    });
  }

  it('falls back to the baseline preset when no config exists', async () => {
    const { config, preset } = await resolveConfig({ cwd: dirWith({}) });
    expect(preset).toBe('baseline');
    expect(config.optimizer.name).toBe('sgd');
  });

  it('--config overrides the search, --preset replaces the file extends, overrides apply last', async () => {
    const dir = dirWith({ 'trickster.config.yaml': 'extends: baseline\ntraining: { epochs: 3 }\n', 'other.yaml': 'extends: baseline\ntraining: { epochs: 7 }\n' });
    expect((await resolveConfig({ cwd: dir, configFile: 'other.yaml' })).config.training.epochs).toBe(7);
    const r = await resolveConfig({ cwd: dir, overrides: { training: { epochs: 9 }, optimizer: { lr: 0.5 } } });
    expect(r.config.training.epochs).toBe(9);
    expect(r.config.optimizer.lr).toBe(0.5);
    expect(r.config.optimizer).toMatchObject({ name: 'sgd', momentum: 0.9 });
  });
});

describe('extends', () => {
  it('follows chains of files and built-ins, child wins', async () => {
    const dir = dirWith({
      'base.yaml': 'extends: baseline\noptimizer: { name: sgd, lr: 0.05 }\ntraining: { epochs: 4 }\n',
      'mid.json': JSON.stringify({ extends: './base.yaml', training: { batchSize: 32 } }),
      'trickster.config.yaml': 'extends: ./mid.json\ntraining: { seed: 7 }\n',
    });
    const { config, sources } = await resolveConfig({ cwd: dir });
    expect(config.training).toMatchObject({ epochs: 4, batchSize: 32, seed: 7 });
    expect(config.optimizer.lr).toBe(0.05);
    expect(sources.map((s) => path.basename(s))).toEqual(['baseline.yaml', 'base.yaml', 'mid.json', 'trickster.config.yaml']);
  });

  it('switching the optimizer replaces its section instead of merging stale options', async () => {
    const { config } = await resolveConfig({ inline: { extends: 'baseline', optimizer: { name: 'adamw', lr: 0.001 } } });
    expect(config.optimizer).toEqual({ name: 'adamw', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  });

  it('refuses a cycle', async () => {
    const dir = dirWith({ 'a.yaml': 'extends: ./b.yaml\n', 'b.yaml': 'extends: ./a.yaml\n' });
    await expect(resolveConfig({ cwd: dir, configFile: 'a.yaml' })).rejects.toThrow(/cycle/);
  });
});

describe('config errors name the key path, the expectation and what was found', () => {
  it('wrong type', async () => {
    await expect(resolveConfig({ inline: { extends: 'baseline', optimizer: { lr: 'fast' } } })).rejects.toThrow(
      /optimizer\.lr: expected number, received string; found "fast"/,
    );
  });

  it('out of range and unknown keys', async () => {
    const err = await resolveConfig({ inline: { extends: 'baseline', training: { epochs: 0, batchSise: 3 } } }).catch((e) => e);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/training\.epochs: .*>0.*found number 0/);
    expect(err.message).toMatch(/training: unknown key "batchSise"/);
  });

  it('unknown preset lists the known ones with a did-you-mean', async () => {
    const err = await resolveConfig({ preset: 'baseliné' }).catch((e) => e);
    expect(err.code).toBe('PRESET_UNKNOWN');
    expect(err.message).toMatch(/unknown preset "baseliné". Did you mean "baseline"\? Known presets: .*baseline/);
  });

  it('unknown plugin lists the known ones with a did-you-mean; false switches one off', async () => {
    const { config, baseDir } = await resolveConfig({ inline: { extends: 'baseline', plugins: { 'lr-shedule': {} } } });
    const err = await loadPlugins(config, baseDir).catch((e) => e);
    expect(err.code).toBe('PLUGIN_UNKNOWN');
    expect(err.message).toMatch(/plugins\.lr-shedule: unknown plugin "lr-shedule"/);
    const off = await resolveConfig({ inline: { extends: 'baseline', plugins: { 'not-a-plugin': false } } });
    expect((await loadPlugins(off.config, off.baseDir)).map((p) => p.name)).toEqual(['lr-schedule']);
  });

  it('bad schedule options name the schedule key path', async () => {
    const { config, baseDir } = await resolveConfig({ inline: { extends: 'baseline', schedule: { name: 'step', stepSize: -1 } } });
    await expect(loadPlugins(config, baseDir)).rejects.toThrow(/schedule\.stepSize: .*found number -1/);
  });

  it('a user plugin is loaded by module path relative to the config file', async () => {
    const dir = dirWith({
      'plugins/hello.ts': 'export default class Hello { name = "hello"; constructor(public options: { n: number }) {} apply() {} }\n',
      'trickster.config.yaml': 'extends: baseline\nplugins:\n  ./plugins/hello.ts: { n: 3 }\n',
    });
    const { config, baseDir } = await resolveConfig({ cwd: dir });
    const plugins = await loadPlugins(config, baseDir);
    expect(plugins.map((p) => p.name)).toEqual(['lr-schedule', 'hello']);
    expect((plugins[1] as unknown as { options: { n: number } }).options.n).toBe(3);
  });

  it("options a definition names in pathOptions resolve against the config file's folder, not the current one", async () => {
    const dir = dirWith({
      'plugins/reader.ts':
        'const schema = { safeParse: (data: unknown) => ({ success: true, data }) };\n' +
        'export default { name: "reader", summary: "", schema, pathOptions: ["file"], create: (o: { file: string; label: string }) => ({ name: "reader", options: o, apply() {} }) };\n',
      'conf/trickster.config.yaml': 'extends: baseline\nplugins:\n  ../plugins/reader.ts: { file: ./teacher/model.json, label: ./not-a-path }\n',
    });
    const { config, baseDir } = await resolveConfig({ configFile: path.join(dir, 'conf/trickster.config.yaml') });
    const plugins = await loadPlugins(config, baseDir);
    const { options } = plugins[1] as unknown as { options: { file: string; label: string } };
    expect(options).toEqual({ file: path.join(dir, 'conf/teacher/model.json'), label: './not-a-path' });
  });
});
