import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os, { availableParallelism } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../core/errors.js';
import { copyIn, hashTree, runCli, runMain, writeIdxFolder, writeImageFolder, writeIn } from '../helpers/bad-input-files.js';

/**
 * One bad input: `args` of the real CLI, run in a fresh temp folder `dir` (the files a case needs
 * are written there first, by `setup`); `run` is a real run directory made once. The command must
 * fail with `error [code]: ...` on one line matching `says`, exit non-zero (2 for USAGE), and
 * change nothing: neither the run directory nor anything in `dir`.
 */
interface BadInput {
  readonly name: string;
  readonly code: ErrorCode;
  readonly says: RegExp;
  readonly args: (dir: string, run: string) => string[];
  readonly setup?: (dir: string, run: string) => void;
  /** The command may create new files (a new run directory); files that were there stay unchanged. */
  readonly writes?: true;
  /** Run `node bin/trickster.js` as a child process: the failure leaves the backend of its process unusable. */
  readonly child?: true;
}

/** `trickster train` with a small limit, so that a case that wrongly passes stays short. */
const smallTrain = (...args: string[]) => ['train', '--backend', 'wasm', '--progress', 'none', '--limit', '128', '--test-limit', '50', ...args];
/** The same for one epoch. */
const train = (...args: string[]) => smallTrain('--epochs', '1', ...args);
/**
 * `train --config c.yaml` with that YAML in the case folder; `run` smallTrain (no `--epochs 1`) for a
 * config whose training.timeBudget is the bad input, which --epochs would replace.
 */
const withConfig = (yaml: string, run = train): Pick<BadInput, 'args' | 'setup'> => ({
  setup: (dir) => void writeIn(dir, 'c.yaml', yaml),
  args: () => run('--config', 'c.yaml'),
});

const cases: BadInput[] = [
  // Configs
  { name: 'a value out of range', code: 'CONFIG_INVALID', says: /training\.evalBatchSize: .*found number 0/, ...withConfig('extends: baseline\ntraining: { evalBatchSize: 0 }\n') },
  { name: 'a value of the wrong type', code: 'CONFIG_INVALID', says: /optimizer\.lr: expected number.*found "fast"/, ...withConfig('extends: baseline\noptimizer: { name: sgd, lr: fast }\n') },
  { name: 'a non-boolean training.syncBatchNorm', code: 'CONFIG_INVALID', says: /training\.syncBatchNorm: expected boolean, received string; found "on"/, ...withConfig('extends: baseline\ntraining: { syncBatchNorm: "on" }\n') },
  { name: 'an unknown key', code: 'CONFIG_INVALID', says: /training: unknown key "batchSise" \(did you mean "batchSize"\?\); remove or fix the spelling/, ...withConfig('extends: baseline\ntraining: { batchSise: 3 }\n') },
  { name: 'an unknown section', code: 'CONFIG_INVALID', says: /\(root\): unknown key "trainng" \(did you mean "training"\?\)/, ...withConfig('extends: baseline\ntrainng: { epochs: 1 }\n') },
  { name: 'an unknown optimizer key', code: 'CONFIG_INVALID', says: /optimizer: unknown key "momentun" \(did you mean "momentum"\?\)/, ...withConfig('extends: baseline\noptimizer: { name: sgd, lr: 0.1, momentun: 0.9 }\n') },
  { name: 'an unknown augmentation', code: 'CONFIG_INVALID', says: /data\.augment: unknown key "flp" \(did you mean "flip"\?\)/, ...withConfig('extends: baseline\ndata: { augment: { flp: true } }\n') },
  { name: 'data.size 0', code: 'CONFIG_INVALID', says: /data\.size: .*found number 0/, ...withConfig('extends: baseline\ndata: { size: 0 }\n') },
  { name: 'validationSplit 1', code: 'CONFIG_INVALID', says: /data\.validationSplit: .*found number 1/, ...withConfig('extends: baseline\ndata: { validationSplit: 1 }\n') },
  { name: 'two problems at once, on one line', code: 'CONFIG_INVALID', says: /training\.evalBatchSize: .*; training: unknown key "x"/, ...withConfig('extends: baseline\ntraining: { evalBatchSize: -1, x: 1 }\n') },
  { name: 'an unknown preset flag', code: 'PRESET_UNKNOWN', says: /unknown preset "basline". Did you mean "baseline"\?/, args: () => train('--preset', 'basline') },
  { name: 'an unknown preset in extends', code: 'PRESET_UNKNOWN', says: /unknown preset "bag-of-trick". Did you mean "bag-of-tricks"\?/, ...withConfig('extends: bag-of-trick\n') },
  { name: 'extends of a missing file', code: 'CONFIG_NOT_FOUND', says: /config file not found: .*\/missing\.yaml/, ...withConfig('extends: ./missing.yaml\n') },
  { name: 'an extends cycle', code: 'CONFIG_INVALID', says: /extends: cycle .*c\.yaml -> .*b\.yaml -> .*c\.yaml/, setup: (dir) => { writeIn(dir, 'c.yaml', 'extends: ./b.yaml\n'); writeIn(dir, 'b.yaml', 'extends: ./c.yaml\n'); }, args: () => train('--config', 'c.yaml') },
  { name: 'extends that is not a string', code: 'CONFIG_INVALID', says: /extends: expected a preset name or file path, found 3/, ...withConfig('extends: 3\n') },
  { name: 'invalid YAML', code: 'CONFIG_INVALID', says: /^cannot read config file \S+\/c\.yaml: missed comma between flow collection entries \(3:12\); fix the syntax there$/, ...withConfig('extends: baseline\ntraining: { epochs: 1\n  batchSize: [\n') },
  { name: 'invalid JSON', code: 'CONFIG_INVALID', says: /^cannot read config file \S+\/c\.json: Expected double-quoted property name in JSON at position 23; fix the syntax there$/, setup: (dir) => void writeIn(dir, 'c.json', '{"extends": "baseline",}'), args: () => train('--config', 'c.json') },
  { name: 'a TypeScript config that does not compile', code: 'CONFIG_INVALID', says: /^cannot read config file \S+\/c\.ts: Transform failed with 1 error: \S+\/c\.ts:1:16: ERROR: /, setup: (dir) => void writeIn(dir, 'c.ts', 'export default {;\n'), args: () => train('--config', 'c.ts') },
  { name: 'a config that is a list', code: 'CONFIG_INVALID', says: /c\.yaml must contain an object \(found an array\)/, ...withConfig('- baseline\n') },
  { name: 'a missing --config file', code: 'CONFIG_NOT_FOUND', says: /config file not found: .*nope\.yaml/, args: () => train('--config', 'nope.yaml') },
  { name: 'an unknown model', code: 'MODEL_UNKNOWN', says: /resnet21/, ...withConfig('extends: baseline\nmodel: { name: resnet21 }\n') },
  { name: 'an unknown plugin', code: 'PLUGIN_UNKNOWN', says: /plugins\.emma: unknown plugin "emma". Did you mean "ema"\?/, ...withConfig('extends: baseline\nplugins: { emma: {} }\n') },
  { name: 'lr-schedule under plugins', code: 'PLUGIN_UNKNOWN', says: /configure it in the "schedule" section/, ...withConfig('extends: baseline\nplugins: { lr-schedule: {} }\n') },
  { name: 'a bad plugin option', code: 'CONFIG_INVALID', says: /plugins\.ema\.decay: .*found number 2/, ...withConfig('extends: baseline\nplugins: { ema: { decay: 2 } }\n') },
  { name: 'a bad schedule option', code: 'CONFIG_INVALID', says: /schedule\.stepSize: .*found number -1/, ...withConfig('extends: baseline\nschedule: { name: step, stepSize: -1 }\n') },
  {
    name: "a distillation teacher missing next to the config file (resolved against the config's folder)",
    code: 'CONFIG_INVALID',
    says: /plugins\.distillation\.teacher: \S+\/conf\/teacher\/model\.json does not exist/,
    setup: (dir) => void writeIn(dir, 'conf/c.yaml', 'extends: distillation\nplugins: { distillation: { teacher: ./teacher/model.json } }\n'),
    args: () => train('--config', 'conf/c.yaml'),
  },
  // Plugin modules
  { name: 'a plugin module that throws on import', code: 'PLUGIN_LOAD_FAILED', says: /^cannot load plugin module \S+\/p\.ts: it throws on import: no GPU here$/, ...pluginCase('throw new Error("no GPU here\\nsecond line");\nexport default 1;\n') },
  { name: 'a plugin class whose constructor throws', code: 'PLUGIN_INVALID', says: /^plugins\.\.\/p\.ts: every must be > 0 \(thrown while making the plugin; check its options\)$/, ...pluginCase('export default class P { name = "p"; constructor(o: { every: number }) { if (!(o.every > 0)) throw new Error("every must be > 0"); } apply() {} }\n', '{ every: 0 }') },
  { name: 'a definePlugin object whose create throws', code: 'PLUGIN_INVALID', says: /^plugins\.\.\/p\.ts: cannot open the log/, ...pluginCase('export default { name: "p", summary: "", schema: { safeParse: (data: unknown) => ({ success: true, data }) }, create() { throw new Error("cannot open the log"); } };\n') },
  { name: 'a plugin module that exports nothing usable', code: 'PLUGIN_INVALID', says: /p\.ts must default-export a plugin class, a factory function or a definePlugin\(\.\.\.\) object; found number/, ...pluginCase('export default 42;\n') },
  { name: 'a plugin module that does not exist', code: 'PLUGIN_UNKNOWN', says: /plugin module \S+\/p\.ts does not exist/, ...pluginCase(null) },
  // Data folders and files
  { name: 'a missing --data folder', code: 'DATA_NOT_FOUND', says: /\/gone \(from the --data flag\) does not exist/, args: (dir) => train('--data', path.join(dir, 'gone')) },
  { name: "a missing data.dir, resolved against the config's folder", code: 'DATA_NOT_FOUND', says: /\/conf\/gone \(from data\.dir in the config\)/, setup: (dir) => void writeIn(dir, 'conf/c.yaml', 'extends: baseline\ndata: { dir: ./gone }\n'), args: () => train('--config', 'conf/c.yaml') },
  { name: 'a folder with no dataset in it', code: 'DATA_NOT_FOUND', says: /holds no dataset trickster recognises/, setup: (dir) => void writeIn(dir, 'd/readme.txt', 'hi'), args: () => train('--data', 'd') },
  { name: 'a truncated IDX file', code: 'DATA_CORRUPT', says: /train-images-idx3-ubyte/, setup: (dir) => void writeIdxFolder(path.join(dir, 'd'), 'truncated'), args: () => train('--data', 'd') },
  { name: 'a damaged gzip IDX file', code: 'DATA_CORRUPT', says: /train-images-idx3-ubyte\.gz is a damaged gzip file/, setup: (dir) => void writeIdxFolder(path.join(dir, 'd'), 'bad-gzip'), args: () => train('--data', 'd') },
  { name: 'a truncated CIFAR-10 batch', code: 'DATA_CORRUPT', says: /data_batch_1\.bin/, setup: (dir) => void writeIn(dir, 'd/data_batch_1.bin', new Uint8Array(3073 + 100)), args: () => train('--data', 'd') },
  { name: 'an image folder with one class', code: 'DATA_CORRUPT', says: /\/d has one class subfolder \(shirts\); a classifier needs at least 2/, setup: (dir) => void writeImageFolder(path.join(dir, 'd'), { shirts: 8 }), args: () => train('--data', 'd') },
  { name: 'an image folder of mixed sizes without data.size', code: 'DATA_CORRUPT', says: /is 12x12 but the dataset's images are 8x8\. .*set data\.size: N in the config/, setup: (dir) => void writeImageFolder(path.join(dir, 'd'), { a: 8, b: 12 }), args: () => train('--data', 'd') },
  { name: 'a .png that is not an image', code: 'DATA_CORRUPT', says: /b\/0\.png is neither a PNG nor a JPEG/, setup: (dir) => { writeImageFolder(path.join(dir, 'd'), { a: 8, b: 8 }); writeIn(dir, 'd/b/0.png', 'not a png'); }, args: () => train('--data', 'd') },
  // Flags
  { name: '--epochs that is not a number', code: 'USAGE', says: /option '--epochs <n>' argument 'many' is invalid\. expected a positive integer, found "many"/, args: () => ['train', '--epochs', 'many'] },
  { name: '--lr 0', code: 'USAGE', says: /--lr <x>.*expected a positive number, found "0"/, args: () => ['train', '--lr', '0'] },
  { name: '--batch-size 1.5', code: 'USAGE', says: /--batch-size <n>.*found "1\.5"/, args: () => ['train', '--batch-size', '1.5'] },
  { name: '--progress bogus', code: 'USAGE', says: /argument 'bogus' is invalid\. Allowed choices are bar, lines, none/, args: () => ['train', '--progress', 'bogus'] },
  { name: '--time-budget with --epochs', code: 'USAGE', says: /--time-budget chooses the number of epochs; drop --epochs \(or --time-budget\)/, args: () => train('--time-budget', '30m') },
  { name: 'a time budget that is no duration', code: 'CONFIG_INVALID', says: /training\.timeBudget: a duration above 0 such as "30m", "2h", "1h30m", "90s", or a number of seconds; found "30x"/, ...withConfig('extends: baseline\ntraining: { timeBudget: 30x }\n', smallTrain) },
  { name: 'a time budget too small for one epoch', code: 'TIME_BUDGET_TOO_SMALL', says: /^training\.timeBudget 1s: not one epoch fits \(the pilot trained \d+ img\/s, so an epoch of 128 images takes ~\d+ s and the run needs ~\d+ s\); raise the budget to at least \d+s or train on fewer images \(data\.limit\)$/, args: () => smallTrain('--time-budget', '1s') },
  { name: 'a time budget with a refit', code: 'CONFIG_INVALID', says: /training\.timeBudget: a refit trains a second run whose length early stopping chooses, so no budget can be planned ahead; drop training\.timeBudget or plugins\.early-stopping\.refit/, ...withConfig('extends: baseline\ntraining: { timeBudget: 30m }\ndata: { validationSplit: 0.2 }\nplugins: { early-stopping: { refit: epochs } }\n', smallTrain) },
  { name: 'sweep --time-budget with --epochs', code: 'USAGE', says: /--time-budget chooses the epochs of every trial; drop --epochs \(or --time-budget\)/, args: (dir) => ['sweep', '--preset', 'baseline', '--time-budget', '30m', '--epochs', '2', '--out', path.join(dir, 'exp')] },
  { name: '--time-budget on a resume', code: 'CONFIG_INVALID', says: /training\.timeBudget: a resume continues the epochs the run planned \(config\.json has them, and no budget\); resume with --resume RUN_DIR alone/, args: (_dir, run) => ['train', '--resume', run, '--time-budget', '30m'] },
  { name: '--replicas 0', code: 'USAGE', says: /--replicas <n>.*expected auto or a positive integer, found "0"/, args: () => ['train', '--replicas', '0'] },
  { name: 'an unknown flag', code: 'USAGE', says: /unknown option '--epoch'/, args: () => ['train', '--epoch', '1'] },
  { name: 'an unknown command', code: 'USAGE', says: /unknown command 'trian' \(Did you mean train\?\)/, args: () => ['trian'] },
  { name: 'eval without --model', code: 'USAGE', says: /required option '--model <file>' not specified/, args: () => ['eval'] },
  { name: 'a backend that is not installed', code: 'BACKEND_UNAVAILABLE', says: /node-gpu.*npm install @tensorflow\/tfjs-node-gpu/, args: () => train('--backend', 'node-gpu') },
  { name: '--batch-size bigger than the limited training set', code: 'CONFIG_INVALID', says: /training\.batchSize: 200 is more than the 128 training images \(data\.limit 128\).*Use --batch-size 128 or less, or raise --limit/, args: () => train('--batch-size', '200', '--out', 'out') },
  // Checkpoints and resuming
  { name: '--resume of a folder that is not a run', code: 'CHECKPOINT_INVALID', says: /not a trickster run directory \(no config\.json\)/, setup: (dir) => void writeIn(dir, 'r/notes.txt', 'hi'), args: () => ['train', '--resume', 'r'] },
  { name: '--out of an existing run without --resume', code: 'RUN_DIR_EXISTS', says: /already holds a run; continue it with --resume \S+, or pass another --out folder/, args: (_, run) => train('--out', run) },
  { name: '--out of an existing run with a time budget (refused before the pilot)', code: 'RUN_DIR_EXISTS', says: /already holds a run; continue it with --resume \S+, or pass another --out folder/, args: (_, run) => ['train', '--backend', 'wasm', '--progress', 'none', '--limit', '128', '--time-budget', '30m', '--out', run] },
  { name: '--resume with other settings than the run', code: 'RESUME_MISMATCH', says: /would not continue the same run: .*optimizer\.lr 0\.05 -> 0\.5.*training\.seed 42 -> 3/, args: (_, run) => ['train', '--resume', run, '--lr', '0.5', '--seed', '3', '--progress', 'none'] },
  { name: '--resume of a truncated checkpoint', code: 'CHECKPOINT_INVALID', says: /checkpoint\.ckpt is truncated/, setup: (dir, run) => truncateSync(path.join(copyIn(dir, 'r', run), 'checkpoint.ckpt'), 3000), args: () => ['train', '--resume', 'r', '--backend', 'wasm', '--progress', 'none'] },
  { name: '--resume of a checkpoint with bad magic bytes', code: 'CHECKPOINT_INVALID', says: /checkpoint\.ckpt is not a trickster checkpoint \(bad magic bytes\)/, setup: (dir, run) => void writeFileSync(path.join(copyIn(dir, 'r', run), 'checkpoint.ckpt'), 'NOTACKPT and more bytes'), args: () => ['train', '--resume', 'r', '--backend', 'wasm', '--progress', 'none'] },
  { name: 'a batch the wasm backend has no memory for', code: 'RESOURCE_EXHAUSTED', says: /^training at batch size 8192 ran out of memory on the wasm backend \((.*out of bounds|could not allocate memory: the wasm heap has no room for \d+ more bytes)\)\. Use a smaller batch \(--batch-size 512\) .*plugins: \{ gradient-accumulation: \{ steps: 16 \} \}$/, writes: true, child: true, args: () => train('--limit', '8192', '--batch-size', '8192', '--replicas', '1', '--out', 'out') },
  { name: 'a training that diverges', code: 'NUMERIC_INSTABILITY', says: /^training diverged at epoch \d+, step \d+: the (gradient|loss) became NaN or infinite .*lower optimizer\.lr.* no model was exported\.$/, writes: true, args: () => train('--lr', '1e6', '--limit', '256', '--epochs', '2', '--out', 'out') },
  // Exported models
  { name: 'eval of a model with non-finite weights', code: 'NUMERIC_INSTABILITY', says: /hold NaN or infinite values/, setup: (dir, run) => { const m = copyIn(dir, 'm', path.join(run, 'model')); writeFileSync(path.join(m, 'weights.bin'), new Uint8Array(new Float32Array(readFileSync(path.join(m, 'weights.bin')).length / 4).fill(NaN).buffer)); }, args: () => ['eval', '--model', 'm/model.json', '--backend', 'wasm'] },
  { name: 'eval of a missing model.json', code: 'MODEL_NOT_FOUND', says: /^--model missing\/model\.json: no such file; pass the model\.json of a trickster train run/, args: () => ['eval', '--model', 'missing/model.json'] },
  { name: 'eval of a run folder instead of its model.json', code: 'MODEL_NOT_FOUND', says: /is a folder, not a model\.json; pass \S+\/model\/model\.json$/, args: (_, run) => ['eval', '--model', run] },
  { name: 'eval of a corrupt model.json', code: 'CHECKPOINT_INVALID', says: /cannot read model \S+model\.json/, setup: (dir, run) => void writeFileSync(path.join(copyIn(dir, 'm', path.join(run, 'model')), 'model.json'), '{"modelTopology": '), args: () => ['eval', '--model', 'm/model.json', '--backend', 'wasm'] },
  { name: 'eval of a model without its trickster.json', code: 'CHECKPOINT_INVALID', says: /trickster\.json.*written next to model\.json by trickster train/, setup: (dir, run) => void rmSync(path.join(copyIn(dir, 'm', path.join(run, 'model')), 'trickster.json')), args: () => ['eval', '--model', 'm/model.json', '--backend', 'wasm'] },
  { name: 'eval on a dataset with other channels', code: 'DATA_CORRUPT', says: /1 channel\(s\), 10 classes\) but the data has 3 channel\(s\) and 2 classes; pass the matching --data folder/, setup: (dir) => void writeImageFolder(path.join(dir, 'd'), { a: 28, b: 28 }), args: (_, run) => ['eval', '--model', path.join(run, 'model', 'model.json'), '--data', 'd', '--backend', 'wasm'] },
  // Predict, TTA and the LR finder
  { name: 'eval --tta of an unknown mode', code: 'USAGE', says: /^--tta rotate: unknown mode; use one of none, flip, flip\+crops$/, args: (_, run) => ['eval', '--model', path.join(run, 'model', 'model.json'), '--tta', 'rotate'] },
  { name: 'predict with a folder that holds no model', code: 'MODEL_NOT_FOUND', says: /^--model m: no model\.json there; pass a run folder, its model\/ folder/, setup: (dir) => void writeIn(dir, 'm/notes.txt', 'hi'), args: () => ['predict', '--model', 'm', 'x.png'] },
  { name: 'predict of a folder without images', code: 'USAGE', says: /^no PNG or JPEG files in imgs; pass image files or folders holding some$/, setup: (dir) => void writeIn(dir, 'imgs/a.txt', 'hi'), args: (_, run) => ['predict', '--model', run, 'imgs'] },
  { name: 'predict with a model with non-finite weights', code: 'NUMERIC_INSTABILITY', says: /hold NaN or infinite values/, setup: (dir, run) => { const m = copyIn(dir, 'm', path.join(run, 'model')); writeFileSync(path.join(m, 'weights.bin'), new Uint8Array(new Float32Array(readFileSync(path.join(m, 'weights.bin')).length / 4).fill(NaN).buffer)); writeImageFolder(path.join(dir, 'd'), { a: 28 }, 1); }, args: () => ['predict', '--model', 'm', 'd', '--backend', 'wasm'] },
  { name: 'lr-find with a start rate above the end rate', code: 'CONFIG_INVALID', says: /^the range test needs 0 < start lr < end lr, got 1 and 0\.1; pass --start-lr and --end-lr accordingly$/, args: () => ['lr-find', '--preset', 'baseline', '--limit', '128', '--start-lr', '1', '--end-lr', '0.1', '--backend', 'wasm'] },
  { name: 'lr-find at a batch the wasm backend has no memory for', code: 'RESOURCE_EXHAUSTED', says: /^training at batch size 8192 ran out of memory on the wasm backend \((.*out of bounds|could not allocate memory: the wasm heap has no room for \d+ more bytes)\)\. Use a smaller batch \(--batch-size 512\) .*plugins: \{ gradient-accumulation: \{ steps: 16 \} \}$/, child: true, args: () => ['lr-find', '--preset', 'baseline', '--limit', '8192', '--batch-size', '8192', '--steps', '2', '--backend', 'wasm'] },
  { name: 'lr-find --apply to a file that is not valid YAML (refused before the test)', code: 'CONFIG_INVALID', says: /^--apply c\.yaml: not valid YAML \(.*\); fix the file or pass another one$/, setup: (dir) => void writeIn(dir, 'c.yaml', 'optimizer: [1, 2\n'), args: () => ['lr-find', '--preset', 'baseline', '--limit', '128', '--apply', 'c.yaml', '--backend', 'wasm'] },
];

/** A config `c.yaml` naming the plugin module `./p.ts` (source `module`, none when null) with `options`. */
function pluginCase(module: string | null, options = '{}'): Pick<BadInput, 'args' | 'setup'> {
  return {
    setup: (dir) => {
      writeIn(dir, 'c.yaml', `extends: baseline\nplugins:\n  ./p.ts: ${options}\n`);
      if (module !== null) writeIn(dir, 'p.ts', module);
    },
    args: () => train('--config', 'c.yaml'),
  };
}

let root: string;
let run: string;
let runHashes: Record<string, string>;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'trickster-bad-inputs-'));
  run = path.join(root, 'run');
  const made = await runCli(train('--limit', '256', '--test-limit', '100', '--batch-size', '64', '--out', run), root);
  expect(made.code, made.stderr).toBe(0);
  runHashes = hashTree(run);
  expect(Object.keys(runHashes)).toEqual(expect.arrayContaining(['config.json', 'checkpoint.ckpt', 'model/model.json']));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('bad inputs: one coded line, a non-zero exit, nothing changed', () => {
  it.each(cases)('$name -> $code', async (c) => {
    const dir = mkdtempSync(path.join(root, 'case-'));
    c.setup?.(dir, run);
    const args = c.args(dir, run);
    const before = hashTree(dir);
    const r = await (c.child ? runCli : runMain)(args, dir);
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '));
    expect(lines, r.stderr).toHaveLength(1);
    const [, code, message] = /^error \[([A-Z_]+)\]: (.*)$/.exec(lines[0]!) ?? [];
    expect({ code, exit: r.code }, r.stderr).toEqual({ code: c.code, exit: c.code === 'USAGE' ? 2 : 1 });
    expect(message).toMatch(c.says);
    expect(r.stdout).not.toMatch(/error/i);
    expect(hashTree(run)).toEqual(runHashes);
    const after = hashTree(dir);
    expect(c.writes ? Object.fromEntries(Object.keys(before).map((f) => [f, after[f]])) : after).toEqual(before);
  });
});

describe('the fixes at work on good inputs', () => {
  it('data.size trains on an image folder of two sizes', async () => {
    const dir = mkdtempSync(path.join(root, 'size-'));
    writeImageFolder(path.join(dir, 'imgs'), { a: 20, b: 12 }, 5);
    writeIn(dir, 'c.yaml', 'extends: baseline\ndata: { dir: ./imgs, size: 16 }\n');
    const r = await runMain(['train', '--config', 'c.yaml', '--epochs', '1', '--batch-size', '4', '--backend', 'wasm', '--progress', 'none', '--out', 'out', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'out/model/trickster.json'), 'utf8')).inputShape).toMatchObject({ height: 16, width: 16, channels: 3 });
  });

  it("the distillation teacher is found next to the config file, not in the current folder", async () => {
    const dir = mkdtempSync(path.join(root, 'teacher-'));
    copyIn(dir, 'conf/teacher', path.join(run, 'model'));
    writeIn(dir, 'conf/c.yaml', 'extends: distillation\nplugins: { distillation: { teacher: ./teacher/model.json } }\n');
    const r = await runMain(train('--config', 'conf/c.yaml', '--out', 'out'), dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`distillation: teacher ${path.join(dir, 'conf/teacher/model.json')}`);
  });

  it('--replicas above the cores is capped at them with one warning', async () => {
    const dir = mkdtempSync(path.join(root, 'replicas-'));
    const r = await runMain(train('--replicas', '64', '--batch-size', '64', '--out', 'out', '--json'), dir);
    expect(r.code, r.stderr).toBe(0);
    const cores = availableParallelism();
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).replicas).toBe(Math.min(64, cores));
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: training.replicas'));
    expect(warnings).toEqual(cores < 64 ? [expect.stringMatching(/64 is more than the \d+ cores .*steps 9x slower.*so \d+ replicas are used/)] : []);
  });
});
