import { replacedAlternatives } from './exclusive-keys.js';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Deep-merges a child config layer over its parent. Objects merge key by key, arrays and scalars
 * replace, and a section whose `name` changes (another optimizer, schedule or model) replaces the
 * parent's section whole so stale options of the old choice do not leak into the new one. Keys
 * that are alternatives to each other (./exclusive-keys.ts) replace the parent's alternative:
 * a child's `schedule.milestones` drops the parent's `schedule.fractions`. `section` is the dotted
 * path of the layers being merged (empty at the root).
 */
export function mergeLayers(parent: Obj, child: Obj, section = ''): Obj {
  const out: Obj = { ...parent };
  for (const key of replacedAlternatives(section, Object.keys(child))) delete out[key];
  for (const [key, value] of Object.entries(child)) {
    const base = out[key];
    if (isObject(base) && isObject(value) && !(value.name !== undefined && value.name !== base.name)) {
      out[key] = mergeLayers(base, value, section ? `${section}.${key}` : key);
    } else {
      out[key] = value;
    }
  }
  return out;
}
