/**
 * `npm test`: runs every test file, then reads everything the servers under test wrote (log lines, error bodies,
 * metrics pages; test/support/server-output.ts) and fails if any of it holds a personal identifier: a resident ID
 * or a Unified Social Credit Code with a valid check character, or a passport number (the reading the error
 * handler redacts with). Prints what it scanned.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identifiersIn } from '../src/http/redact.ts';

const folder = mkdtempSync(join(tmpdir(), 'credence-test-output-'));
const files = process.argv.slice(2);
const run = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', ...(files.length > 0 ? files : ['src/**/*.test.ts', 'test/**/*.test.ts'])],
  { stdio: 'inherit', env: { ...process.env, CREDENCE_TEST_OUTPUT_DIR: folder } },
);

const found: { kind: string; masked: string; where: string }[] = [];
const scanned: Record<string, number> = {};
for (const name of readdirSync(folder)) {
  for (const line of readFileSync(join(folder, name), 'utf8').split('\n')) {
    if (line === '') continue;
    const { kind, text } = JSON.parse(line) as { kind: string; text: string };
    scanned[kind] = (scanned[kind] ?? 0) + 1;
    for (const { identifier, index } of identifiersIn(text)) {
      // Where it was, with the identifier itself cut short.
      const where = text.slice(Math.max(0, index - 100), index + 8).replaceAll(/\s+/g, ' ');
      found.push({ kind, masked: `${identifier.slice(0, 6)}…`, where });
    }
  }
}
rmSync(folder, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ serverOutputScanned: scanned, identifiersFound: found.length })}\n`);
if (found.length > 0) {
  process.stderr.write(`personal identifiers in server output: ${JSON.stringify(found.slice(0, 20))}\n`);
  process.exit(1);
}
process.exit(run.status ?? 1);
