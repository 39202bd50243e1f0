// Datasets by name: the catalog's published checksums, and the download into the cache for real,
// over HTTP from a server on 127.0.0.1 serving the Debian package's Fashion-MNIST files.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedDataset, type NamedDataset } from '../../core/data/datasets/catalog.js';
import { namedDatasetDir } from '../../core/data/datasets/named-dataset.js';
import { findDataDir } from '../../core/data/find-data-dir.js';
import { loadDataset } from '../../core/data/locate.js';
import { DataError } from '../../core/errors.js';
import { deadUrl, startDatasetServer, type DatasetServer } from '../helpers/dataset-server.js';
import { tempDir } from './helpers.js';

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const fashion = namedDataset('fashion-mnist')!;
// MD5s of the Debian package's files: the published files with their gzip headers normalised
// (no file name, a fixed time) by Debian's packaging, so they differ from the published MD5s.
const DEBIAN_MD5: Record<string, string> = {
  'train-images-idx3-ubyte.gz': 'cf8536b0aa1a6ac5fa3f23001093305c',
  'train-labels-idx1-ubyte.gz': '10bea18fdb374794d4bb42e356e600c9',
  't10k-images-idx3-ubyte.gz': 'f78720b4224f21cce2f2ccf2d7a94c9a',
  't10k-labels-idx1-ubyte.gz': '0d30e22e447f3c33dab9ed536400ac01',
};
/** Fashion-MNIST as the catalog has it, minus the system install (so the cache is used), with `md5` per file. */
const fromServer = (md5: (file: string, published: string) => string): NamedDataset => ({
  ...fashion,
  system: undefined,
  files: fashion.files.map((f) => ({ file: f.file, md5: md5(f.file, f.md5) })),
});
const debianFashion = fromServer((file) => DEBIAN_MD5[file]!);

let server: DatasetServer;
beforeAll(async () => {
  server = await startDatasetServer(Object.fromEntries(fashion.files.map((f) => [`fashion-mnist/${f.file}`, join(DEBIAN, f.file)])));
});
afterAll(() => server.close());

/** Runs `fn` expecting a DataError with `code`; returns its message. */
async function failure(fn: () => Promise<unknown>, code: string): Promise<string> {
  const err = await fn().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DataError);
  expect((err as DataError).code).toBe(code);
  return (err as DataError).message;
}

describe('the catalog', () => {
  it("has Fashion-MNIST's MD5s as its README publishes them (the copy in the Debian package)", () => {
    const readme = gunzipSync(readFileSync('/usr/share/doc/dataset-fashion-mnist/README.md.gz')).toString('utf8');
    for (const { file, md5 } of fashion.files) expect(readme).toMatch(new RegExp(`\`${file.replaceAll('.', '\\.')}\`.*\`${md5}\``));
  });
});

describe('namedDatasetDir', () => {
  it('downloads into the cache, checks each file and loads it; a second call downloads nothing', async () => {
    const cache = tempDir();
    const env = { TRICKSTER_CACHE: cache, TRICKSTER_DOWNLOAD_URL: server.url('ok') };
    const before = server.requests.length;
    const dir = await namedDatasetDir(debianFashion, env);
    expect(dir).toBe(join(cache, 'fashion-mnist'));
    expect(readdirSync(dir).sort()).toEqual(Object.keys(DEBIAN_MD5).sort());
    for (const f of fashion.files) expect(readFileSync(join(dir, f.file)).equals(readFileSync(join(DEBIAN, f.file)))).toBe(true);
    const splits = loadDataset(dir);
    expect([splits.name, splits.train.count, splits.test.count]).toEqual(['fashion-mnist', 60000, 10000]);
    expect(server.requests.length - before).toBe(4);
    await namedDatasetDir(debianFashion, env);
    expect(server.requests.length - before).toBe(4);
  });

  it('refuses files whose MD5 is not the published one and keeps nothing', async () => {
    const cache = tempDir();
    const message = await failure(() => namedDatasetDir({ ...fashion, system: undefined }, { TRICKSTER_CACHE: cache, TRICKSTER_DOWNLOAD_URL: server.url('ok') }), 'DATA_CHECKSUM_MISMATCH');
    expect(message).toContain(`has MD5 ${DEBIAN_MD5['train-images-idx3-ubyte.gz']}, not the published 8d4fb7e6c68d591d4c3dfef9ec88bf0d`);
    expect(readdirSync(join(cache, 'fashion-mnist'))).toEqual([]);
  });

  it('refuses a transfer cut short and keeps nothing', async () => {
    const cache = tempDir();
    const message = await failure(() => namedDatasetDir(debianFashion, { TRICKSTER_CACHE: cache, TRICKSTER_DOWNLOAD_URL: server.url('truncate') }), 'DATA_DOWNLOAD_FAILED');
    expect(message).toMatch(/download of http:\/\/127\.0\.0\.1:\d+\/truncate\/fashion-mnist\/train-images-idx3-ubyte\.gz was cut off/);
    expect(readdirSync(join(cache, 'fashion-mnist'))).toEqual([]);
  });

  it('names the manual route when the server is down or lacks the file, and keeps nothing', async () => {
    const cache = tempDir();
    const dead = await deadUrl();
    const down = await failure(() => namedDatasetDir(namedDataset('mnist')!, { TRICKSTER_CACHE: cache, TRICKSTER_DOWNLOAD_URL: dead }), 'DATA_DOWNLOAD_FAILED');
    expect(down).toMatch(/^cannot download http:\/\/127\.0\.0\.1:\d+\/mnist\/train-images-idx3-ubyte\.gz: ECONNREFUSED; to work offline download .* by hand into /);
    expect(down).toContain(join(cache, 'mnist'));
    const missing = await failure(() => namedDatasetDir(namedDataset('mnist')!, { TRICKSTER_CACHE: cache, TRICKSTER_DOWNLOAD_URL: server.url('ok') }), 'DATA_DOWNLOAD_FAILED');
    expect(missing).toContain('the server answered HTTP 404');
    expect(readdirSync(join(cache, 'mnist'))).toEqual([]);
  });

  it("unpacks CIFAR-10's tarball into the batch files and deletes it", async () => {
    const src = tempDir();
    const cifar = namedDataset('cifar10')!;
    mkdirSync(join(src, 'cifar-10-batches-bin'));
    const record = (label: number) => Buffer.concat([Buffer.from([label]), Buffer.alloc(3072, label * 20)]);
    for (const f of cifar.unpack!.files) writeFileSync(join(src, 'cifar-10-batches-bin', f), f.endsWith('.txt') ? 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n' : Buffer.concat([record(1), record(2)]));
    writeFileSync(join(src, 'cifar-10-batches-bin', 'readme.html'), '<p>not unpacked</p>');
    execFileSync('tar', ['-czf', join(src, 'cifar-10-binary.tar.gz'), '-C', src, 'cifar-10-batches-bin']);
    const archive = readFileSync(join(src, 'cifar-10-binary.tar.gz'));
    const local = await startDatasetServer({ 'cifar10/cifar-10-binary.tar.gz': join(src, 'cifar-10-binary.tar.gz') });
    try {
      const cache = tempDir();
      const spec = { ...cifar, files: [{ file: 'cifar-10-binary.tar.gz', md5: createHash('md5').update(archive).digest('hex') }] };
      const dir = await namedDatasetDir(spec, { TRICKSTER_CACHE: cache, TRICKSTER_DOWNLOAD_URL: local.url('ok') });
      expect(readdirSync(dir).sort()).toEqual([...cifar.unpack!.files].sort());
      const splits = loadDataset(dir);
      expect([splits.train.count, splits.test.count, splits.train.channels]).toEqual([10, 2, 3]);
    } finally {
      await local.close();
    }
  });
});

describe('findDataDir', () => {
  it('takes a known name that is not a folder as a dataset name, a folder first', async () => {
    const cache = tempDir();
    const env = { TRICKSTER_CACHE: cache, TRICKSTER_DOWNLOAD_URL: await deadUrl() };
    // Fashion-MNIST by name is the Debian folder, found before the cache and without a download.
    expect(await findDataDir({ cliDir: 'fashion-mnist', env })).toBe(DEBIAN);
    expect(await findDataDir({ configDir: 'fashion-mnist', baseDir: cache, env })).toBe(DEBIAN);
    await failure(() => findDataDir({ env: { ...env, TRICKSTER_DATA: 'mnist' } }), 'DATA_DOWNLOAD_FAILED');
    // A folder called like a dataset is a folder.
    const configFolder = tempDir();
    mkdirSync(join(configFolder, 'mnist'));
    expect(await findDataDir({ configDir: 'mnist', baseDir: configFolder, env })).toBe(join(configFolder, 'mnist'));
  });
});

describe('trickster train --data NAME', () => {
  it('fails offline with one coded line naming the manual route, and leaves the cache empty', async () => {
    const cache = tempDir();
    const env = { ...process.env, TRICKSTER_CACHE: cache, TRICKSTER_DOWNLOAD_URL: await deadUrl() };
    const err = (await promisify(execFile)(process.execPath, ['bin/trickster.js', 'train', '--data', 'mnist', '--epochs', '1', '--out', join(cache, 'run')], { env }).then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/^error \[DATA_DOWNLOAD_FAILED\]: cannot download http:\/\/127\.0\.0\.1:\d+\/mnist\/train-images-idx3-ubyte\.gz: ECONNREFUSED; to work offline download .* by hand into .*mnist, or pass --data DIR/m);
    expect(err.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(join(cache, 'mnist'))).toEqual([]);
  });
});
