/**
 * What the servers under test write, kept for the scan that follows the whole test run (test/run.ts): every log
 * line, every error body and every metrics page, appended to one file per test process in CREDENCE_TEST_OUTPUT_DIR.
 * Outside `npm test` (a single file run by hand) nothing is kept.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = process.env.CREDENCE_TEST_OUTPUT_DIR;
const file = folder === undefined || folder === '' ? undefined : join(folder, `${process.pid}.ndjson`);

export type OutputKind = 'log' | 'error' | 'metrics';

export function keepServerOutput(kind: OutputKind, text: string): void {
  if (file !== undefined) appendFileSync(file, `${JSON.stringify({ kind, text })}\n`);
}
