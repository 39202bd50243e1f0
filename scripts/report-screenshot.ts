// `npm run report-screenshot`: makes a real run (baseline recipe with a 10% validation split,
// --limit 10000 examples, 2 epochs, on real Fashion-MNIST), which writes its report.html, and saves a
// screenshot of that report taken in headless Chromium to docs/report.png (the one in README).
// Options: --limit N, --epochs N, --out RUN_DIR (default: a fresh temporary folder, removed after).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openInChromium } from '../test/helpers/chromium.js';

const { values } = parseArgs({ options: { limit: { type: 'string', default: '10000' }, epochs: { type: 'string', default: '2' }, out: { type: 'string' }, png: { type: 'string', default: 'docs/report.png' } } });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'trickster-report-shot-'));
const runDir = path.resolve(values.out ?? path.join(tmp, 'baseline'));
const config = path.join(tmp, 'baseline-val.yaml');
writeFileSync(config, 'extends: baseline\ndata: { validationSplit: 0.1 }\n');
const args = ['bin/trickster.js', 'train', '--config', config, '--limit', values.limit!, '--epochs', values.epochs!, '--progress', 'none', '--out', runDir];
process.stdout.write(`$ node ${args.join(' ')}\n`);
execFileSync(process.execPath, args, { stdio: 'inherit' });
const opened = await openInChromium(path.join(runDir, 'report.html'));
try {
  await opened.page.waitForSelector('body[data-charts-ready]');
  if (opened.errors.length) throw new Error(`the report logged errors: ${opened.errors.join('; ')}`);
  await opened.page.screenshot({ path: values.png!, fullPage: true });
  process.stdout.write(`screenshot -> ${values.png}\n`);
} finally {
  await opened.browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
