import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { EmaPlugin } from '../../plugins/ema/index.js';
import { GradientAccumulationPlugin } from '../../plugins/gradient-accumulation/index.js';
import { LrSchedulePlugin } from '../../plugins/lr-schedule/index.js';

/** The error a constructor throws, for assertions on its class, code and message. */
function thrown(make: () => unknown): ConfigError {
  try {
    make();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the constructor to throw');
}

describe('plugin constructors validate their options (plugins made in code are checked too)', () => {
  it('new EmaPlugin({ decay: 2 }) is CONFIG_INVALID naming plugins.ema.decay, what was expected and found', () => {
    const err = thrown(() => new EmaPlugin({ decay: 2 }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(/^invalid options for plugin "ema":\n  plugins\.ema\.decay: .*expected.*<1.*; found number 2$/);
  });

  it('an unknown key of gradient-accumulation is named with the fix', () => {
    const err = thrown(() => new GradientAccumulationPlugin({ step: 4 } as never));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('plugins.gradient-accumulation: unknown key "step"; remove or fix the spelling');
  });

  it('the schedule is named by its config section', () => {
    const err = thrown(() => new LrSchedulePlugin({ name: 'multistep', milestones: [6], fractions: [0.5] }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('schedule: give either milestones (epochs) or fractions (of the training length), not both');
  });

  it('valid options are taken with their defaults filled in', () => {
    expect(() => new EmaPlugin({ decay: 0.5 })).not.toThrow();
    expect(() => new GradientAccumulationPlugin()).not.toThrow();
  });
});
