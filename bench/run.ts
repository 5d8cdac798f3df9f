/**
 * `npm run bench [-- NAME [args...]]`: runs every benchmark in bench/ (or the named one), each a program that
 * prints one JSON object on stdout. Runs them one after another so they do not compete for the two cores.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('./', import.meta.url));
const available = readdirSync(folder)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (name !== undefined && !available.includes(name)) {
  process.stderr.write(`bench: unknown benchmark ${name}; available: ${available.join(', ')}\n`);
  process.exit(2);
}
let failed = false;
for (const bench of name === undefined ? available : [name]) {
  process.stderr.write(`bench: ${bench}\n`);
  const result = spawnSync(process.execPath, [`${folder}${bench}.ts`, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
