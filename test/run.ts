/**
 * `npm test`: runs every test file, then reads everything the servers under test wrote (log lines, error bodies,
 * metrics pages; test/support/server-output.ts) and fails if any of it holds a personal identifier: a resident ID
 * or a Unified Social Credit Code with a valid check character, or a passport number. Prints what it scanned.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSubjectId } from '../src/core/identifiers.ts';

const folder = mkdtempSync(join(tmpdir(), 'credence-test-output-'));
const files = process.argv.slice(2);
const run = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', ...(files.length > 0 ? files : ['src/**/*.test.ts', 'test/**/*.test.ts'])],
  { stdio: 'inherit', env: { ...process.env, CREDENCE_TEST_OUTPUT_DIR: folder } },
);

// Not preceded by a point: metrics hold long decimal fractions.
const candidates = /passport:[A-Z]{3}:(?=[A-Z]*[0-9])[A-Z0-9]{5,17}|(?<![0-9A-Z.])[0-9A-Z]{17}[0-9A-Z](?![0-9A-Z])/g;
const found: { kind: string; masked: string; where: string }[] = [];
const scanned: Record<string, number> = {};
for (const name of readdirSync(folder)) {
  for (const line of readFileSync(join(folder, name), 'utf8').split('\n')) {
    if (line === '') continue;
    const { kind, text } = JSON.parse(line) as { kind: string; text: string };
    scanned[kind] = (scanned[kind] ?? 0) + 1;
    for (const [candidate] of text.toUpperCase().replaceAll('PASSPORT:', 'passport:').matchAll(candidates)) {
      if (!parseSubjectId(candidate).ok) continue;
      // Where it was, with the identifier itself cut short.
      const at = text.toUpperCase().indexOf(candidate.toUpperCase());
      const where = text.slice(Math.max(0, at - 100), at + 8).replaceAll(/\s+/g, ' ');
      found.push({ kind, masked: `${candidate.slice(0, 6)}…`, where });
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
