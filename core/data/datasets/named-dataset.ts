import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import { cacheDir } from './cache-dir.js';
import type { NamedDataset } from './catalog.js';
import { downloadFile } from './download-file.js';
import { readTarGz } from './untar.js';

/** Where the files of `dataset` come from: $TRICKSTER_DOWNLOAD_URL/NAME (tests, mirrors), else the official location. */
function downloadBase(dataset: NamedDataset, env: NodeJS.ProcessEnv = process.env): string {
  const base = env['TRICKSTER_DOWNLOAD_URL'];
  return base ? `${base.replace(/\/+$/, '')}/${dataset.name}` : dataset.url;
}

/** The files a dataset's folder holds once it is ready. */
function finalFiles(dataset: NamedDataset): readonly string[] {
  return dataset.unpack ? dataset.unpack.files : dataset.files.map((f) => f.file);
}

/** How to get the dataset without trickster downloading it, for error messages. */
function manualRoute(dataset: NamedDataset, dir: string, base: string): string {
  const urls = dataset.files.map((f) => `${base}/${f.file}`).join(' ');
  const unpack = dataset.unpack ? ` and unpack ${dataset.unpack.files.join(', ')} from its ${dataset.unpack.folder}/ folder` : '';
  const system = dataset.system ? `run \`${dataset.system.install}\`, or ` : '';
  return `to work offline ${system}download ${urls} by hand into ${dir}${unpack}, or pass --data DIR naming a folder that holds the files`;
}

/**
 * The folder holding `dataset`, ready to load: its system-wide install when there is one, else its
 * folder in the cache (cacheDir()/NAME), downloading what is missing first (each file checked
 * against its published MD5 and moved into place only when complete). Throws DATA_DOWNLOAD_FAILED
 * or DATA_CHECKSUM_MISMATCH with the manual alternative; a failure leaves no partial file behind.
 */
export async function namedDatasetDir(dataset: NamedDataset, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (dataset.system && existsSync(join(dataset.system.dir, finalFiles(dataset)[0]!))) return dataset.system.dir;
  const dir = join(cacheDir(env), dataset.name);
  if (finalFiles(dataset).every((f) => existsSync(join(dir, f)))) return dir;
  mkdirSync(dir, { recursive: true });
  const base = downloadBase(dataset, env);
  const manual = manualRoute(dataset, dir, base);
  for (const { file, md5 } of dataset.files) {
    if (!existsSync(join(dir, file))) await downloadFile(`${base}/${file}`, join(dir, file), md5, manual);
  }
  if (dataset.unpack) unpackArchive(dataset, join(dir, dataset.files[0]!.file), dir);
  return dir;
}

/** Writes the members `dataset.unpack` names from `archive` into `dir` (each atomically), then deletes the archive. */
function unpackArchive(dataset: NamedDataset, archive: string, dir: string): void {
  const { folder, files } = dataset.unpack!;
  const members = readTarGz(archive, new Set(files.map((f) => `${folder}/${f}`)));
  const missing = files.filter((f) => !members.has(`${folder}/${f}`));
  if (missing.length) {
    rmSync(archive, { force: true });
    throw new DataError(`${archive} lacks ${missing.map((f) => `${folder}/${f}`).join(', ')}; it was deleted, run again to download it anew`);
  }
  for (const f of files) {
    const tmp = join(dir, `${f}.${process.pid}.tmp`);
    writeFileSync(tmp, members.get(`${folder}/${f}`)!);
    renameSync(tmp, join(dir, f));
  }
  rmSync(archive);
}
