import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { resolveReplicas } from '../../core/parallel/replica-count.js';

const wasm = { backend: 'wasm', batchSize: 128, lossTaps: [] };

describe('resolveReplicas', () => {
  it('auto: two on wasm with two cores or more, one elsewhere or when a loss tap needs the whole batch', () => {
    expect(resolveReplicas('auto', wasm)).toBe(availableParallelism() >= 2 ? 2 : 1);
    expect(resolveReplicas('auto', { ...wasm, backend: 'cpu' })).toBe(1);
    expect(resolveReplicas('auto', { ...wasm, backend: 'tensorflow' })).toBe(1);
    expect(resolveReplicas('auto', { ...wasm, lossTaps: ['distillation'] })).toBe(1);
    expect(resolveReplicas('auto', { ...wasm, batchSize: 1 })).toBe(1);
  });

  it('takes an explicit count on wasm and cpu', () => {
    expect(resolveReplicas(1, { ...wasm, backend: 'tensorflow', lossTaps: ['distillation'] })).toBe(1);
    expect(resolveReplicas(3, { ...wasm, cores: 4 })).toBe(3);
    expect(resolveReplicas(4, { ...wasm, cores: 4, warn: () => expect.unreachable('no warning at the core count') })).toBe(4);
    expect(resolveReplicas(2, { ...wasm, backend: 'cpu' })).toBe(2);
  });

  it('caps a count above the cores at the cores, with one warning saying why', () => {
    const warnings: string[] = [];
    expect(resolveReplicas(64, { ...wasm, cores: 2, warn: (m) => warnings.push(m) })).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^training.replicas: 64 is more than the 2 cores of this machine; .*steps 9x slower than 2 replicas, .*\), so 2 replicas are used\. Set training.replicas to at most 2 or auto\.$/);
    expect(resolveReplicas(3, { ...wasm, cores: 1 })).toBe(1);
  });

  it('refuses counts it cannot honour, saying what to set', () => {
    expect(() => resolveReplicas(2, { ...wasm, backend: 'tensorflow' })).toThrow(ConfigError);
    expect(() => resolveReplicas(2, { ...wasm, backend: 'tensorflow' })).toThrow(/training.replicas: 2 needs the wasm or cpu backend; the tensorflow backend already uses every core/);
    expect(() => resolveReplicas(2, { ...wasm, lossTaps: ['distillation'] })).toThrow(/distillation tap the loss hook. Set training.replicas to 1 or auto/);
    expect(() => resolveReplicas(4, { ...wasm, batchSize: 3, cores: 4 })).toThrow(/training.replicas: 4 is more than training.batchSize \(3\)/);
  });
});
