import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { CLAIMS_FILE, configFingerprint, configPath, experimentArgs, experimentsFor, loadClaims, REPO_ROOT } from '../../bench/evidence/claims.js';
import { planVariants } from '../../bench/evidence/plan.js';
import { finishedWith, parseScale } from '../../bench/evidence/run.js';
import { summaryFiles } from '../../bench/evidence/summary.js';
import { tempRunDir } from '../helpers/train-subset.js';

const SEEDS_DIR = '/work/shared/seeds';

describe('bench/evidence/claims.yaml', () => {
  const file = loadClaims();

  it('plans every experiment with the commands\' own planners, and every variant a claim refers to exists', async () => {
    const variantsOf = new Map<string, string[]>();
    const pluginsOf = new Map<string, string[]>();
    for (const e of file.experiments) {
      expect(existsSync(path.join(REPO_ROOT, configPath(e))), configPath(e)).toBe(true);
      const planned = await planVariants(e);
      for (const v of planned) {
        expect(v.config.training.epochs).toBe(e.scale.epochs);
        expect(v.config.data.limit).toBe(e.scale.limit);
      }
      variantsOf.set(e.id, planned.map((v) => v.name));
      for (const v of planned) pluginsOf.set(`${e.id}/${v.name}`, Object.entries(v.config.plugins).filter(([, o]) => o !== false).map(([k]) => k));
    }
    for (const c of file.claims) {
      for (const ref of [...c.effect.plus, ...c.effect.minus]) {
        expect(variantsOf.get(ref.experiment), `claim ${c.id}: ${ref.experiment}/${ref.variant}`).toContain(ref.variant);
        // A plugin's metric (plugins.NAME.key) needs that plugin on in the variant; otherwise only the summary's test metrics.
        // evalAt.N.key needs N among the experiment's evalSizes.
        const plugin = /^plugins\.([^.]+)\.\w+$/.exec(ref.metric)?.[1];
        const size = /^evalAt\.(\d+)\.(top1|top5|testLoss)$/.exec(ref.metric)?.[1];
        if (plugin) expect(pluginsOf.get(`${ref.experiment}/${ref.variant}`), `claim ${c.id}: ${ref.metric}`).toContain(plugin);
        else if (size) expect(file.experiments.find((e) => e.id === ref.experiment)!.evalSizes, `claim ${c.id}: ${ref.metric}`).toContain(Number(size));
        else expect(['top1', 'top5', 'testLoss']).toContain(ref.metric);
      }
    }
  });

  it('a sweep switches a plugin off and on: the larc grid plans no LARC, then LARC with the config\'s options and each trust coefficient', async () => {
    const larc = file.experiments.find((e) => e.id === 'larc')!;
    expect(experimentArgs(larc)).toContain('plugins.larc=false,{trustCoefficient: 0.001},{trustCoefficient: 0.02}');
    const planned = await planVariants(larc);
    expect(planned.map((v) => [v.name, v.config.plugins.larc])).toEqual([
      ['plugins.larc=false', false],
      ['plugins.larc={"trustCoefficient":0.001}', { trustCoefficient: 0.001, clip: true }],
      ['plugins.larc={"trustCoefficient":0.02}', { trustCoefficient: 0.02, clip: true }],
    ]);
    for (const v of planned) expect(v.config.training.batchSize).toBe(2048);
  });

  it('cites seed files that exist, and the estimates add up to at most 8 hours', () => {
    for (const c of [...file.claims, ...file.untestable]) for (const s of c.seeds) if (existsSync(SEEDS_DIR)) expect(existsSync(path.join(SEEDS_DIR, s)), s).toBe(true);
    const hours = file.experiments.reduce((sum, e) => sum + e.hours, 0);
    expect(hours).toBeGreaterThan(0);
    expect(hours).toBeLessThanOrEqual(8);
  });

  it('builds the ablate/sweep command line from an experiment and a scale', () => {
    const fixres = file.experiments.find((e) => e.id === 'fixres')!;
    expect(experimentArgs(fixres)).toEqual(['ablate', '--config', 'bench/evidence/configs/fixres.yaml', '--only', 'fixres', '--seeds', '3', '--epochs', '10', '--limit', '10000']);
    const sweep = file.experiments.find((e) => e.id === 'resnet-variants')!;
    expect(experimentArgs(sweep, { seeds: 2, epochs: 1, testLimit: 100 })).toEqual([
      'sweep', '--config', 'bench/evidence/configs/resnet-variants.yaml', '--grid', 'model.variant=a,c,d', '--seeds', '2', '--epochs', '1', '--test-limit', '100',
    ]);
  });

  it('picks only the experiments the chosen claims need, and refuses an unknown claim', () => {
    expect(experimentsFor(file, ['larc-1e-3']).map((e) => e.id)).toEqual(['larc']);
    expect(experimentsFor(file, ['batch-size', 'larc-1e-3']).map((e) => e.id)).toEqual(['batch-size', 'larc']);
    expect(experimentsFor(file, []).length).toBe(file.experiments.length);
    expect(() => experimentsFor(file, ['emma'])).toThrow(/--claim emma: no such claim/);
  });

  it('refuses a malformed claims file, naming the problem', () => {
    const raw = parseYaml(readFileSync(CLAIMS_FILE, 'utf8')) as { experiments: Array<Record<string, unknown>>; claims: Array<Record<string, any>> };
    const dir = tempRunDir('evidence-claims-');
    const write = (value: unknown) => {
      const f = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(f, stringifyYaml(value));
      return f;
    };
    const badRef = structuredClone(raw);
    badRef.claims[0]!.effect.plus[0].experiment = 'batch-sise';
    expect(() => loadClaims(write(badRef))).toThrow(/claim batch-size: no experiment "batch-sise"/);
    const noOnly = structuredClone(raw);
    delete noOnly.experiments.find((e) => e.id === 'fixres')!.only;
    expect(() => loadClaims(write(noOnly))).toThrow(/an ablate experiment needs `only`/);
    const badSeed = structuredClone(raw);
    badSeed.claims[0]!.seeds = ['seed-1.txt'];
    expect(() => loadClaims(write(badSeed))).toThrow(/claims\.0\.seeds\.0: a seed file name/);
    const twice = structuredClone(raw);
    twice.claims.push(twice.claims[0]!);
    expect(() => loadClaims(write(twice))).toThrow(/id "batch-size" is used twice/);
  });

  it('parses --scale overrides and refuses bad ones', () => {
    expect(parseScale('seeds=2,epochs=1,limit=256,testLimit=100')).toEqual({ seeds: 2, epochs: 1, limit: 256, testLimit: 100 });
    expect(() => parseScale('epochs=0')).toThrow(/--scale epochs=0: expected key=positive integer/);
    expect(() => parseScale('epoch=1')).toThrow(/keys seeds, epochs/);
  });
});

describe('bench/evidence: a summary is stale when its config changed', () => {
  it('the fingerprint follows the resolved config (not comments), and finishedWith needs the same fingerprint', async () => {
    const dir = tempRunDir('evidence-fingerprint-');
    const config = path.join(dir, 'ls.yaml');
    const experiment = { ...loadClaims().experiments.find((e) => e.id === 'label-smoothing')!, config };
    writeFileSync(config, 'extends: baseline\nplugins:\n  label-smoothing: { epsilon: 0.1 }\n');
    const first = await configFingerprint(experiment);
    expect(first).toMatch(/^[0-9a-f]{8}$/);
    writeFileSync(config, '# a comment\nextends: baseline\nplugins: { label-smoothing: { epsilon: 0.1 } }\n');
    expect(await configFingerprint(experiment)).toBe(first);
    writeFileSync(config, 'extends: baseline\nplugins:\n  label-smoothing: { epsilon: 0.2 }\n');
    const edited = await configFingerprint(experiment);
    expect(edited).not.toBe(first);

    const args = experimentArgs(experiment);
    const results = path.join(dir, 'results');
    const f = summaryFiles(results, experiment.id);
    mkdirSync(f.dir, { recursive: true });
    const summary = { id: experiment.id, args, command: '', finished: '', commit: '', runSeconds: 1, trialSeconds: 1, machine: { cpu: 'x', cores: 2, loadAverageAtStart: 0 }, trials: 6, failed: 0, configFingerprint: first };
    writeFileSync(f.experiment, JSON.stringify(summary));
    expect(finishedWith(results, experiment, args, first)).toBe(true);
    expect(finishedWith(results, experiment, args, edited)).toBe(false);
    writeFileSync(f.experiment, JSON.stringify({ ...summary, configFingerprint: undefined }));
    expect(finishedWith(results, experiment, args, first)).toBe(false); // a summary from before fingerprints: run again
  });
});
