import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { machineFacts, machineLabel, parseCpuinfo } from '../../core/machine.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/cpuinfo/${name}`, import.meta.url), 'utf8');

describe('machine facts (RunSummary.machine)', () => {
  it('reads family, model and the vector flags of the first processor', () => {
    // A Zen 3 KVM guest whose model name is only "AMD EPYC": AVX2 and FMA, no AVX-512.
    expect(parseCpuinfo(fixture('amd-epyc-zen3-kvm.txt'))).toEqual({ cpuFamily: 25, cpuModel: 1, simd: ['sse4_2', 'avx', 'avx2', 'fma'] });
  });

  it('lists AVX-512 and AMX where the flags name them, in the fixed order', () => {
    // Format of /proc/cpuinfo; family 6 model 143 is Intel's Sapphire Rapids, flag names as the Linux kernel prints them.
    const text = 'processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz\n' +
      'flags\t\t: fpu sse4_2 amx_tile avx512_vnni avx2 avx512f fma avx avx512bw avx512vl avx512_bf16 amx_int8\n\nprocessor\t: 1\ncpu family\t: 99\n';
    expect(parseCpuinfo(text)).toEqual({ cpuFamily: 6, cpuModel: 143, simd: ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'amx_tile'] });
  });

  it('gives nulls and no flags for a text without those fields (no procfs, another architecture)', () => {
    expect(parseCpuinfo('')).toEqual({ cpuFamily: null, cpuModel: null, simd: [] });
    expect(parseCpuinfo('processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd\nCPU part\t: 0xd0c\n')).toEqual({ cpuFamily: null, cpuModel: null, simd: [] });
  });

  it('describes this machine: the os module\'s model and cores, /proc/cpuinfo\'s family where Linux has it', () => {
    const facts = machineFacts();
    expect(facts.cpu).toBe(os.cpus()[0]!.model);
    expect(facts.cores).toBe(os.cpus().length);
    expect(facts.node).toBe(process.version);
    const family = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8').match(/^cpu family\s*:\s*(\d+)/m) : null;
    expect(facts.cpuFamily).toBe(family ? Number(family[1]) : null);
  });

  it('labels a machine by its widest vector extension, and by what it knows', () => {
    const zen3 = { cpu: 'AMD EPYC', cores: 2, node: 'v20.20.2', ...parseCpuinfo(fixture('amd-epyc-zen3-kvm.txt')) };
    expect(machineLabel(zen3)).toBe('AMD EPYC (family 25 model 1, avx2) x2');
    expect(machineLabel({ ...zen3, simd: ['avx2', 'avx512f'] })).toBe('AMD EPYC (family 25 model 1, avx512f) x2');
    expect(machineLabel({ ...zen3, cpuFamily: null, cpuModel: null, simd: [] })).toBe('AMD EPYC x2');
  });
});
