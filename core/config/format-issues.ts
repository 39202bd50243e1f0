import type { z } from 'zod';
import { didYouMean } from './suggest.js';

/** Renders a value for an error message, short. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array (${JSON.stringify(value).slice(0, 60)})`;
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/**
 * The keys of the object schemas at `path` inside `schema`, looking through defaults, optionals
 * and unions (every alternative's keys); none when the path leads elsewhere.
 */
function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as unknown as { type: string; shape?: Record<string, z.core.$ZodType>; innerType?: z.core.$ZodType; options?: z.core.$ZodType[] };
  if (def.innerType) return knownKeysAt(def.innerType, path);
  if (def.options) return [...new Set(def.options.flatMap((o) => knownKeysAt(o, path)))];
  if (def.type !== 'object' || !def.shape) return [];
  if (path.length === 0) return Object.keys(def.shape);
  const next = def.shape[String(path[0])];
  return next ? knownKeysAt(next, path.slice(1)) : [];
}

/**
 * Turns zod issues into lines that name the key path, what was expected and what was found,
 * e.g. `optimizer.lr: expected a number > 0, found string "fast"`. With the `schema` that was
 * parsed, an unknown key gets a did-you-mean among the keys allowed there.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown, prefix = '', schema?: z.core.$ZodType): string[] {
  return issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      const known = schema ? knownKeysAt(schema, issue.path) : [];
      const keys = issue.keys.map((k) => `"${k}"${didYouMean(k, known).replace(/^ Did you mean (".*")\?$/, ' (did you mean $1?)')}`);
      return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys.join(', ')}; remove or fix the spelling`;
    }
    const found = describeValue(valueAt(input, issue.path));
    return `${path}: ${issue.message.replace(/^Invalid input: /, '')}; found ${found}`;
  });
}
