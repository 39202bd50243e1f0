type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Deep-merges a child config layer over its parent. Objects merge key by key, arrays and scalars
 * replace, and a section whose `name` changes (another optimizer, schedule or model) replaces the
 * parent's section whole so stale options of the old choice do not leak into the new one.
 */
export function mergeLayers(parent: Obj, child: Obj): Obj {
  const out: Obj = { ...parent };
  for (const [key, value] of Object.entries(child)) {
    const base = out[key];
    if (isObject(base) && isObject(value) && !(value.name !== undefined && value.name !== base.name)) {
      out[key] = mergeLayers(base, value);
    } else {
      out[key] = value;
    }
  }
  return out;
}
