import { describe, expect, it } from 'vitest';
import { checkDistinctAxes, gridPathHints, gridPoints, parseGridFlag, pointName, pointOverrides } from '../../core/experiments/sweep-plan.js';

describe('sweep grids', () => {
  it('a --grid flag is a config path and YAML scalar values', () => {
    expect(parseGridFlag('optimizer.lr=0.05,0.1, 0.2')).toEqual({ path: 'optimizer.lr', values: [0.05, 0.1, 0.2] });
    expect(parseGridFlag('schedule.name=cosine,constant')).toEqual({ path: 'schedule.name', values: ['cosine', 'constant'] });
    expect(parseGridFlag('optimizer.nesterov=true,false')).toEqual({ path: 'optimizer.nesterov', values: [true, false] });
  });

  it('values may be YAML flow mappings, commas inside them do not split: a plugin off, on as configured, and on with options', () => {
    const axis = parseGridFlag('plugins.larc=false,{},{trustCoefficient: 0.001, clip: true}');
    expect(axis).toEqual({ path: 'plugins.larc', values: [false, {}, { trustCoefficient: 0.001, clip: true }] });
    expect(gridPoints([axis]).map(pointName)).toEqual(['plugins.larc=false', 'plugins.larc={}', 'plugins.larc={"trustCoefficient":0.001,"clip":true}']);
    expect(parseGridFlag("data.dir='a,b',c")).toEqual({ path: 'data.dir', values: ['a,b', 'c'] });
    expect(() => parseGridFlag('plugins.larc=false,{trustCoefficient: 0.001')).toThrow(/^--grid plugins.larc=false,\{trustCoefficient: 0.001: a bracket or quote is not closed/);
    expect(() => parseGridFlag('plugins.larc=false,{a: 1}}')).toThrow(/a bracket or quote is not closed/);
    expect(() => parseGridFlag('plugins.larc=false,{a: 1, a: 2}')).toThrow(/value \{a: 1, a: 2\} is not valid YAML/);
  });

  it('malformed, reserved and repeated grids are USAGE errors that say how to write them', () => {
    expect(() => parseGridFlag('optimizer.lr')).toThrow(/^--grid optimizer.lr: expected path=value1,value2,\.\.\./);
    expect(() => parseGridFlag('optimizer..lr=1')).toThrow(/expected path=value1/);
    expect(() => parseGridFlag('optimizer.lr=0.1,,0.2')).toThrow(/an empty value/);
    expect(() => parseGridFlag('optimizer.lr=0.1,0.1')).toThrow(/a value is repeated/);
    expect(() => parseGridFlag('training.seed=1,2')).toThrow(/^--grid training.seed: seeds come from --seeds/);
    expect(() => checkDistinctAxes([parseGridFlag('optimizer.lr=1'), parseGridFlag('optimizer.lr=2')])).toThrow(/--grid optimizer.lr is given twice/);
  });

  it('the points are the cartesian product, first axis slowest, each a partial config and a name', () => {
    const points = gridPoints([parseGridFlag('optimizer.lr=0.05,0.1,0.2'), parseGridFlag('training.batchSize=128,256')]);
    expect(points.map(pointName)).toEqual([
      'optimizer.lr=0.05 training.batchSize=128', 'optimizer.lr=0.05 training.batchSize=256',
      'optimizer.lr=0.1 training.batchSize=128', 'optimizer.lr=0.1 training.batchSize=256',
      'optimizer.lr=0.2 training.batchSize=128', 'optimizer.lr=0.2 training.batchSize=256',
    ]);
    expect(pointOverrides(points[3]!)).toEqual({ optimizer: { lr: 0.1 }, training: { batchSize: 256 } });
  });

  it('an unknown grid path gets a did-you-mean among the paths of the resolved recipe', () => {
    const recipe = { training: { batchSize: 128, epochs: 10 }, schedule: { name: 'cosine', warmup: { epochs: 1 } } };
    expect(gridPathHints([parseGridFlag('training.batchSise=64')], recipe)).toBe(' For training.batchSise: did you mean "training.batchSize"?');
    expect(gridPathHints([parseGridFlag('schedule.warmpu.epochs=2')], recipe)).toBe(' For schedule.warmpu.epochs: did you mean "schedule.warmup.epochs"?');
    expect(gridPathHints([parseGridFlag('training.epochs=2')], recipe)).toBe('');
  });
});
