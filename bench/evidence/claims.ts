import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { resolveConfig } from '../../core/config/load.js';

/** bench/evidence/ (this folder): where claims.yaml and configs/ live. */
export const EVIDENCE_DIR = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (commands run from there, config paths are shown relative to it). */
export const REPO_ROOT = path.resolve(EVIDENCE_DIR, '../..');
/** The committed claims file. */
export const CLAIMS_FILE = path.join(EVIDENCE_DIR, 'claims.yaml');

const scaleSchema = z
  .object({
    seeds: z.number().int().min(1),
    epochs: z.number().int().min(1),
    limit: z.number().int().min(1).optional(),
    testLimit: z.number().int().min(1).optional(),
    replicas: z.number().int().min(1).optional(),
    parallel: z.number().int().min(1).optional(),
  })
  .strict();
/** How large an experiment is run: seeds, epochs, train/test limits, replicas per trial, trials at once. */
export type Scale = z.infer<typeof scaleSchema>;

const experimentSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    kind: z.enum(['ablate', 'sweep']),
    config: z.string().min(1),
    only: z.array(z.string().min(1)).min(1).optional(),
    grid: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()])).min(2)).optional(),
    scale: scaleSchema,
    /** After training, evaluate every trial's exported model at these test input sizes (`trickster eval --input-size`); metrics `evalAt.N.top1`. */
    evalSizes: z.array(z.number().int().min(1)).min(1).optional(),
    hours: z.number().positive(),
  })
  .strict()
  .refine((e) => (e.kind === 'ablate' ? e.only !== undefined && e.grid === undefined : e.grid !== undefined && e.only === undefined), {
    message: 'an ablate experiment needs `only` (and no grid), a sweep needs `grid` (and no only)',
  });
/** One experiment of the claims file: an ablate or sweep command at a scale, and the test sizes its models are evaluated at afterwards. */
export type Experiment = z.infer<typeof experimentSchema>;

const refSchema = z.object({ experiment: z.string().min(1), variant: z.string().min(1), metric: z.string().min(1).default('top1') }).strict();
/** One measured value of a claim's effect: a variant's metric (a path in the run summary) in an experiment. */
export type EffectRef = z.infer<typeof refSchema>;

const claimSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    seeds: z.array(z.string().regex(/^\d{3}_[0-9a-f]{16}\.txt$/, 'a seed file name such as 001_4bc7ec0b087016a3.txt')).min(1),
    statement: z.string().min(1),
    ours: z.string().min(1),
    effect: z.object({ plus: z.array(refSchema).min(1), minus: z.array(refSchema).min(1) }).strict(),
    predicts: z.enum(['positive', 'negative']),
  })
  .strict();
/** One claim of a seed: its statement, the effect that measures it and the sign the seed predicts. */
export type Claim = z.infer<typeof claimSchema>;

const untestableSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    seeds: claimSchema.shape.seeds,
    statement: z.string().min(1),
    why: z.string().min(1),
  })
  .strict();
/** A claim of a seed that no experiment at this scale can test, with the reason (shown as its README row). */
export type UntestableClaim = z.infer<typeof untestableSchema>;

const claimsFileSchema = z
  .object({ experiments: z.array(experimentSchema).min(1), claims: z.array(claimSchema).min(1), untestable: z.array(untestableSchema).default([]) })
  .strict();
/** The parsed claims file. */
export type ClaimsFile = z.infer<typeof claimsFileSchema>;

/** Claim effects' experiments that are not in the file, and repeated ids: problems zod cannot see. */
function crossCheck(file: ClaimsFile): string[] {
  const problems: string[] = [];
  const ids = file.experiments.map((e) => e.id);
  const claimIds = [...file.claims, ...file.untestable].map((c) => c.id);
  for (const list of [ids, claimIds]) for (const id of list.filter((x, i) => list.indexOf(x) !== i)) problems.push(`id "${id}" is used twice`);
  for (const c of file.claims) {
    for (const ref of [...c.effect.plus, ...c.effect.minus]) {
      if (!ids.includes(ref.experiment)) problems.push(`claim ${c.id}: no experiment "${ref.experiment}" (experiments: ${ids.join(', ')})`);
    }
  }
  return problems;
}

/** Reads and validates a claims file; a malformed one throws an Error naming every problem. */
export function loadClaims(file = CLAIMS_FILE): ClaimsFile {
  const parsed = claimsFileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const problems = crossCheck(parsed.data);
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
  return parsed.data;
}

/** The experiments the given claims need (all when `claimIds` is empty), in file order; an unknown claim id throws. */
export function experimentsFor(file: ClaimsFile, claimIds: readonly string[]): Experiment[] {
  for (const id of claimIds) {
    if (!file.claims.some((c) => c.id === id)) throw new Error(`--claim ${id}: no such claim; claims: ${file.claims.map((c) => c.id).join(', ')}`);
  }
  const chosen = file.claims.filter((c) => claimIds.length === 0 || claimIds.includes(c.id));
  const needed = new Set(chosen.flatMap((c) => [...c.effect.plus, ...c.effect.minus].map((r) => r.experiment)));
  return file.experiments.filter((e) => needed.has(e.id));
}

/** The experiment's config file, relative to the repository root (as the command line shows it). */
export function configPath(experiment: Experiment): string {
  return path.relative(REPO_ROOT, path.resolve(EVIDENCE_DIR, experiment.config));
}

/** `trickster` arguments of an experiment at `scale` (its own unless overridden), without --out. */
export function experimentArgs(experiment: Experiment, scale: Scale = experiment.scale): string[] {
  const args = [experiment.kind, '--config', configPath(experiment)];
  if (experiment.only) args.push('--only', experiment.only.join(','));
  for (const [key, values] of Object.entries(experiment.grid ?? {})) args.push('--grid', `${key}=${values.join(',')}`);
  args.push('--seeds', String(scale.seeds), '--epochs', String(scale.epochs));
  if (scale.limit !== undefined) args.push('--limit', String(scale.limit));
  if (scale.testLimit !== undefined) args.push('--test-limit', String(scale.testLimit));
  if (scale.replicas !== undefined) args.push('--replicas', String(scale.replicas));
  if (scale.parallel !== undefined) args.push('--parallel', String(scale.parallel));
  return args;
}

/** The shell command that runs an experiment (as README shows it). */
export function commandLine(args: readonly string[]): string {
  return ['node bin/trickster.js', ...args.map((a) => (/^[\w./,=:+-]+$/.test(a) ? a : `'${a}'`))].join(' ');
}

/**
 * Short hash of the experiment's config as trickster resolves it (its file, every file and preset
 * it extends, the defaults): an edit that changes what trains changes it; a comment does not.
 */
export async function configFingerprint(experiment: Experiment): Promise<string> {
  const { config } = await resolveConfig({ configFile: path.resolve(EVIDENCE_DIR, experiment.config) });
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 8);
}

/** Short hash of an experiment's arguments (run.ts adds the config fingerprint): its run folder's suffix, so another scale or config never continues this one's folder. */
export function argsHash(args: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 8);
}
