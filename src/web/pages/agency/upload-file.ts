/**
 * Reading an upload in the browser: CSV with a header row (csv-parse) or NDJSON, each line kept with its line
 * number, a line that cannot be read kept as a problem (it becomes a rejection), and the rejection report written
 * as CSV or NDJSON.
 */
import { parse } from 'csv-parse/browser/esm/sync';
import type { Problem } from '../../../core/result.ts';
import type { I18n } from '../../i18n.ts';

export type UploadFormat = 'CSV' | 'NDJSON';

/** One line of the file: its fields by name, or why it could not be read. */
export type FileLine =
  | { readonly line: number; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly line: number; readonly problem: Problem };

export type ReadFile =
  | { readonly ok: true; readonly format: UploadFormat; readonly lines: readonly FileLine[] }
  | { readonly ok: false; readonly message: string };

/** The columns every file must have; amount, caseRef and agency are optional. */
export const requiredColumns = ['agencyRef', 'subject', 'code', 'effectiveAt', 'evidence'] as const;
const knownColumns = [...requiredColumns, 'amount', 'caseRef', 'agency'];

type Say = I18n['t'];

export function formatOf(name: string, text: string): UploadFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'CSV';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl') || lower.endsWith('.json')) return 'NDJSON';
  return text.trimStart().startsWith('{') ? 'NDJSON' : 'CSV';
}

const unparsable = (line: number, message: string, t: Say): FileLine => ({
  line,
  problem: { code: 'unparsable_line', message: t('agency.upload.unparsable', { message }) },
});

function readNdjson(text: string, t: Say): ReadFile {
  const lines: FileLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    try {
      const value: unknown = JSON.parse(raw);
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        lines.push(unparsable(line, 'not a JSON object', t));
      else lines.push({ line, fields: value as Record<string, unknown> });
    } catch (error) {
      lines.push(unparsable(line, error instanceof Error ? error.message : String(error), t));
    }
  });
  return { ok: true, format: 'NDJSON', lines };
}

interface CsvRow {
  readonly record: readonly string[];
  readonly info: { readonly lines: number };
}

function readCsv(text: string, t: Say): ReadFile {
  const skipped: FileLine[] = [];
  let rows: readonly CsvRow[];
  try {
    // With info, each row comes with the line it ends on; a row that cannot be read is skipped and told.
    rows = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        const line = typeof error?.lines === 'number' ? error.lines : 0;
        skipped.push(unparsable(line, error?.message ?? 'unreadable', t));
      },
    }) as unknown as readonly CsvRow[];
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  const [header, ...body] = rows;
  if (header === undefined) return { ok: true, format: 'CSV', lines: skipped };
  // Column names are matched without regard to case or surrounding space.
  const columns = header.record.map((c) => {
    const name = c.trim();
    return knownColumns.find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
  });
  const missing = requiredColumns.filter((c) => !columns.includes(c));
  if (missing.length > 0) return { ok: false, message: t('agency.upload.columns', { columns: missing.join(', ') }) };
  const lines: FileLine[] = [...skipped];
  for (const row of body) {
    if (row.record.length !== columns.length) {
      lines.push(
        unparsable(
          row.info.lines,
          t('agency.upload.fieldCount', { found: row.record.length, expected: columns.length }),
          t,
        ),
      );
      continue;
    }
    const fields: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      fields[c] = row.record[i] ?? '';
    });
    lines.push({ line: row.info.lines, fields });
  }
  lines.sort((a, b) => a.line - b.line);
  return { ok: true, format: 'CSV', lines };
}

export function readUpload(name: string, text: string, t: Say): ReadFile {
  return formatOf(name, text) === 'NDJSON' ? readNdjson(text, t) : readCsv(text, t);
}

/** One rejected line, as the report gives it. */
export interface Rejection {
  readonly line: number;
  readonly agencyRef: string;
  readonly code: string;
  readonly message: string;
  readonly field: string;
}

const reportColumns = ['line', 'agencyRef', 'code', 'message', 'field'] as const;

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function rejectionsCsv(rejections: readonly Rejection[]): string {
  const rows = rejections.map((r) => reportColumns.map((c) => csvCell(r[c])).join(','));
  return [reportColumns.join(','), ...rows].join('\r\n') + '\r\n';
}

export function rejectionsNdjson(rejections: readonly Rejection[]): string {
  return (
    rejections.map((r) => JSON.stringify(Object.fromEntries(reportColumns.map((c) => [c, r[c]])))).join('\n') + '\n'
  );
}
