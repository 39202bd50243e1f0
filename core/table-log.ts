import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One row of a table log: numbers (NaN and ±Infinity allowed), or undefined/null for a missing value. */
export type TableRecord = Record<string, number | null | undefined>;

/**
 * A log kept twice in a run directory: `<name>.jsonl` (one JSON object a line) and `<name>.csv`
 * (a header row of fixed `columns`, comma-separated, the CSVLogger convention of Keras and
 * PyTorch Lightning; a missing value is an empty cell, a non-finite one `nan`, `inf` or `-inf`
 * as Python writes them). The records written so far are kept in memory for live checks.
 */
export class TableLog<R extends TableRecord> {
  readonly records: R[] = [];

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly columns: readonly (keyof R & string)[],
  ) {}

  private get jsonlFile(): string {
    return path.join(this.dir, `${this.name}.jsonl`);
  }

  private get csvFile(): string {
    return path.join(this.dir, `${this.name}.csv`);
  }

  /**
   * Starts (or continues) the log: keeps the records of an existing `<name>.jsonl` that `keep`
   * accepts (a resume drops what was written after its checkpoint; a line cut off mid-write is
   * dropped too) and rewrites both files from them, atomically (tmp + rename).
   */
  open(keep: (record: R) => boolean): void {
    const kept = readJsonl<R>(this.jsonlFile).filter(keep);
    this.records.splice(0, this.records.length, ...kept);
    writeAtomically(this.jsonlFile, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    writeAtomically(this.csvFile, [this.columns.join(','), ...kept.map((r) => this.csvRow(r))].map((l) => `${l}\n`).join(''));
  }

  /** Appends one record to both files (call open first). */
  append(record: R): void {
    this.records.push(record);
    appendFileSync(this.jsonlFile, `${JSON.stringify(record)}\n`);
    appendFileSync(this.csvFile, `${this.csvRow(record)}\n`);
  }

  private csvRow(record: R): string {
    return this.columns.map((c) => csvCell(record[c])).join(',');
  }
}

/** A CSV cell: empty for a missing value, Python's spelling for a non-finite number. */
function csvCell(value: number | null | undefined): string {
  if (value === undefined || value === null) return '';
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(value);
}

/** The objects of a JSON-lines file (none when it does not exist); a line that is not JSON is skipped. */
export function readJsonl<R>(file: string): R[] {
  if (!existsSync(file)) return [];
  const out: R[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as R);
    } catch {
      // A line cut off by a killed process.
    }
  }
  return out;
}

/** Writes a file through a temporary file and a rename, so a reader never sees half of it. */
export function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
