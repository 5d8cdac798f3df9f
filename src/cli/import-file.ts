/**
 * `credence import FILE`: records from NDJSON (one JSON object a line) or CSV (a header row naming the fields),
 * streamed in batches through submitRecords. A bad line never stops the good ones: every rejected line is written
 * with its line number and reason to FILE.rejected.ndjson beside the input.
 */
import { createReadStream, createWriteStream, existsSync, unlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { recordsPerBatchMax } from '../core/constants.ts';
import type { RecordInput } from '../core/record.ts';
import type { Problem } from '../core/result.ts';
import type { AppContext } from '../app/context.ts';
import { submitRecords } from '../app/records.ts';
import { UsageError } from './errors.ts';

export interface ImportReport {
  readonly lines: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly rejectedFile?: string;
}

type Line = { readonly line: number; readonly input?: RecordInput; readonly problem?: Problem; readonly raw?: string };

async function* ndjsonLines(path: string): AsyncGenerator<Line> {
  const reader = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of reader) {
    line++;
    if (text.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(text);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield { line, raw: text, problem: { code: 'malformed_line', message: 'a line must be one JSON object' } };
      } else yield { line, input: value as RecordInput };
    } catch {
      yield { line, raw: text, problem: { code: 'malformed_line', message: 'not valid JSON' } };
    }
  }
}

async function* csvLines(path: string): AsyncGenerator<Line> {
  const skipped: Line[] = [];
  const parser = createReadStream(path).pipe(
    parseCsv({
      columns: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      raw: true,
      skip_records_with_error: true,
      on_skip: (error, raw) => {
        skipped.push({
          line: Number(error?.lines ?? 0),
          raw: raw ?? '',
          problem: { code: 'malformed_line', message: error?.message ?? 'malformed CSV line' },
        });
        return undefined;
      },
    }),
  );
  for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    while (skipped.length > 0) yield skipped.shift() as Line;
    yield { line: row.info.lines, input: row.record };
  }
  while (skipped.length > 0) yield skipped.shift() as Line;
}

export async function importFile(
  context: AppContext,
  path: string,
  options: {
    readonly nowMs: number;
    readonly agency?: string;
    /** Records per transaction (recordsPerBatchMax by default). */
    readonly batch?: number;
    readonly onProgress?: (lines: number) => void;
  },
): Promise<ImportReport> {
  if (!existsSync(path)) throw new UsageError('file_not_found', `cannot read ${path}`);
  const format = /\.csv$/i.test(path)
    ? 'csv'
    : /\.(nd)?jsonl?$/i.test(path) || /\.ndjson$/i.test(path)
      ? 'ndjson'
      : undefined;
  if (format === undefined) throw new UsageError('unknown_format', `${path}: give a .ndjson, .jsonl or .csv file`);
  const rejectedFile = `${path}.rejected.ndjson`;
  const batchMax = options.batch ?? recordsPerBatchMax;
  if (existsSync(rejectedFile)) unlinkSync(rejectedFile);
  let out: ReturnType<typeof createWriteStream> | undefined;
  const reject = (line: number, problem: Problem, input: unknown) => {
    out ??= createWriteStream(rejectedFile);
    out.write(
      `${JSON.stringify({ line, code: problem.code, message: problem.message, field: problem.field, input })}\n`,
    );
  };

  let lines = 0;
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  let batch: Line[] = [];
  const flush = async () => {
    const valid = batch.filter((l) => l.input !== undefined);
    const result = await submitRecords(
      context,
      valid.map((l) => l.input as RecordInput),
      {
        nowMs: options.nowMs,
        ...(options.agency === undefined ? {} : { agency: options.agency }),
      },
    );
    accepted += result.accepted;
    duplicates += result.duplicates;
    for (const [i, r] of result.results.entries()) {
      const l = valid[i];
      if (r.status === 'rejected' && l !== undefined) {
        rejected++;
        reject(l.line, r.problem, l.input);
      }
    }
    batch = [];
    options.onProgress?.(lines);
  };
  try {
    for await (const line of format === 'csv' ? csvLines(path) : ndjsonLines(path)) {
      lines++;
      if (line.problem) {
        rejected++;
        reject(line.line, line.problem, line.raw);
        continue;
      }
      batch.push(line);
      if (batch.length >= batchMax) await flush();
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError('malformed_file', `${path}: ${(error as Error).message}`);
  }
  await flush();
  if (out) await new Promise<void>((resolve) => out?.end(resolve));
  return { lines, accepted, duplicates, rejected, ...(rejected > 0 ? { rejectedFile } : {}) };
}
