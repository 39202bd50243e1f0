import { parse as parseYaml } from 'yaml';
import { didYouMean } from '../config/suggest.js';
import { UsageError } from '../errors.js';

/** One `--grid key=v1,v2,...` axis: a dotted config path and the values it takes. */
export interface GridAxis {
  readonly path: string;
  readonly values: readonly unknown[];
}

/** Config paths a grid may not set, and why. */
const RESERVED: Record<string, string> = {
  'training.seed': 'seeds come from --seeds (every grid point is trained with each of them)',
  extends: 'sweep another preset with its own `trickster sweep --preset`',
};

/**
 * Splits `raw` at the commas outside YAML flow collections and quotes, so `false,{a: 1, b: 2}` is two
 * values; null when a bracket or quote is left open.
 */
function splitValues(raw: string): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '{' || ch === '[') depth += 1;
    else if (ch === '}' || ch === ']') depth -= 1;
    else if (ch === ',' && depth === 0) {
      out.push(raw.slice(start, i).trim());
      start = i + 1;
    }
    if (depth < 0) return null;
  }
  if (quote || depth !== 0) return null;
  out.push(raw.slice(start).trim());
  return out;
}

/**
 * Parses one `--grid` flag, `path=v1,v2,...`: each value is read as YAML (`0.1` a number, `true` a
 * boolean, `cosine` a string, `{trustCoefficient: 0.001, clip: true}` a mapping merged over the
 * config's section; commas inside `{}`/`[]` do not split). So `plugins.NAME=false,{}` sweeps a
 * plugin off and on with the config's options. A malformed flag, a reserved path or a repeated
 * value is a USAGE error.
 */
export function parseGridFlag(flag: string): GridAxis {
  const at = flag.indexOf('=');
  const path = at < 0 ? '' : flag.slice(0, at).trim();
  const raw = at < 0 ? '' : flag.slice(at + 1);
  if (!/^\w[\w-]*(\.\w[\w-]*)*$/.test(path) || raw.trim() === '') {
    throw new UsageError(`--grid ${flag}: expected path=value1,value2,... (e.g. --grid optimizer.lr=0.05,0.1)`);
  }
  if (RESERVED[path]) throw new UsageError(`--grid ${path}: ${RESERVED[path]}`);
  const texts = splitValues(raw);
  if (!texts) throw new UsageError(`--grid ${flag}: a bracket or quote is not closed; write mappings as {key: value, ...}`);
  if (texts.some((t) => t === '')) throw new UsageError(`--grid ${flag}: an empty value; write values separated by single commas`);
  const values = texts.map((t) => {
    try {
      return parseYaml(t) as unknown;
    } catch (err) {
      throw new UsageError(`--grid ${flag}: value ${t} is not valid YAML (${oneLineMessage(err)}); write a scalar or a flow mapping such as {lr: 0.1}`);
    }
  });
  const seen = new Set(texts);
  if (seen.size !== texts.length) throw new UsageError(`--grid ${flag}: a value is repeated; give each value once`);
  return { path, values };
}

function oneLineMessage(err: unknown): string {
  return (err as Error).message.split('\n')[0]!;
}

/** Checks that no path is given by two --grid flags. */
export function checkDistinctAxes(axes: readonly GridAxis[]): void {
  const paths = axes.map((a) => a.path);
  const twice = paths.find((p, i) => paths.indexOf(p) !== i);
  if (twice) throw new UsageError(`--grid ${twice} is given twice; list all its values in one flag`);
}

/** Every combination of one value per axis (the cartesian product), the first axis varying slowest. */
export function gridPoints(axes: readonly GridAxis[]): Array<Array<[string, unknown]>> {
  return axes.reduce<Array<Array<[string, unknown]>>>(
    (points, axis) => points.flatMap((p) => axis.values.map((v) => [...p, [axis.path, v] as [string, unknown]])),
    [[]],
  );
}

/** A grid point as a partial config (`optimizer.lr=0.1` → `{ optimizer: { lr: 0.1 } }`), to apply as overrides. */
export function pointOverrides(point: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of point) {
    const keys = path.split('.');
    let node = out;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1]!] = value;
  }
  return out;
}

/** A grid point's variant name: `optimizer.lr=0.1 training.batchSize=128`. */
export function pointName(point: ReadonlyArray<readonly [string, unknown]>): string {
  return point.map(([p, v]) => `${p}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

/** Every dotted key path of a config object (sections and leaves; arrays are leaves), for did-you-mean on grid paths. */
export function configPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return [p, ...configPaths(v, p)];
  });
}

/** " Did you mean "x"?" for each grid path that is not a path of `config`, joined (empty when all are). */
export function gridPathHints(axes: readonly GridAxis[], config: unknown): string {
  const known = configPaths(config);
  return axes
    .filter((a) => !known.includes(a.path))
    .map((a) => didYouMean(a.path, known).replace(/^ Did you mean/, ` For ${a.path}: did you mean`))
    .join('');
}
