/**
 * The CPU a run's speed was measured on. A virtual machine's os.cpus() model name can be as short
 * as "AMD EPYC", which hides the core's generation and vector extensions (Zen 3 with AVX2, Zen 5
 * with AVX-512), and XNNPACK and libtensorflow pick their code paths by those; so a run records the
 * family, model and vector extensions from /proc/cpuinfo where Linux provides it. (A busy host can
 * still make one machine of the same family slower than another: only img/s shows that.)
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What RunSummary.machine holds: enough to tell two machines with the same model name apart. */
export interface MachineFacts {
  /** os.cpus()[0].model, e.g. "AMD EPYC" or "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz". */
  readonly cpu: string;
  /** x86 CPU family and model numbers (/proc/cpuinfo), e.g. 25 and 1 for an AMD Zen 3 core; null where not readable. */
  readonly cpuFamily: number | null;
  readonly cpuModel: number | null;
  /** The vector extensions the CPU reports, of those in {@link SIMD_FLAGS}; empty where not readable. */
  readonly simd: readonly string[];
  /** Logical cores the process sees. */
  readonly cores: number;
  /** Node.js version. */
  readonly node: string;
}

/** The /proc/cpuinfo flags recorded, in this order: the ones wasm SIMD, XNNPACK and libtensorflow pick code paths by. */
export const SIMD_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'amx_tile'] as const;

/** Family, model and vector flags of the first processor in a /proc/cpuinfo text (nulls and [] for a field it lacks). */
export function parseCpuinfo(text: string): Pick<MachineFacts, 'cpuFamily' | 'cpuModel' | 'simd'> {
  const first = text.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string): string | null => first.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim() ?? null;
  const number = (name: string): number | null => {
    const value = field(name);
    return value !== null && /^\d+$/.test(value) ? Number(value) : null;
  };
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  return { cpuFamily: number('cpu family'), cpuModel: number('model'), simd: SIMD_FLAGS.filter((f) => flags.has(f)) };
}

/** This machine's {@link MachineFacts} (family, model and flags only on Linux, from /proc/cpuinfo). */
export function machineFacts(): MachineFacts {
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // Not Linux (or no procfs): the model name and core count are all there is.
  }
  return { cpu: os.cpus()[0]?.model ?? 'unknown', ...parseCpuinfo(cpuinfo), cores: os.cpus().length, node: process.version };
}

/** One line for logs and tables, e.g. "AMD EPYC (family 25 model 1, avx2) x2": the widest vector extension only. */
export function machineLabel(facts: MachineFacts): string {
  const widest = ['avx512f', 'avx2', 'avx'].find((f) => facts.simd.includes(f));
  const details = [facts.cpuFamily !== null ? `family ${facts.cpuFamily} model ${facts.cpuModel ?? '?'}` : null, widest ?? null].filter((d) => d !== null);
  return `${facts.cpu}${details.length ? ` (${details.join(', ')})` : ''} x${facts.cores}`;
}
