/**
 * Crash safety, long form: a program, not a test. Kills `credence import` and `credence serve` with SIGKILL at
 * `--kills N` seeded random points (default 200: two fifths during file imports of `--lines L` records, the rest
 * during API ingestion), checking every property of test/crash/support.ts after each kill and restart. Prints one
 * JSON line on stdout (the counts, or the failure with its seed and kill point) and a line per kill point on
 * stderr; exits 1 if any property failed.
 *
 *   node test/long/crash.ts --kills 200 --seed 7
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { KillPoint } from '../crash/support.ts';
import {
  createBaseDatabase,
  crashSummary,
  runApiCrashes,
  runImportCrashes,
  runSideBySide,
  Workspace,
} from '../crash/support.ts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '200' },
    seed: { type: 'string', default: 'crash-long' },
    lines: { type: 'string', default: '50000' },
    'window-ms': { type: 'string', default: '2000' },
  },
});
const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${text}`);
  return n;
};
const kills = positive('kills', values.kills);
const lines = positive('lines', values.lines);
const windowMs = positive('window-ms', values['window-ms']);
const seed = values.seed;
const importKills = Math.round(kills * 0.4);

const started = performance.now();
const workspace = new Workspace();
process.once('SIGINT', () => void workspace.close().then(() => process.exit(130)));
const tried = { import: 0, api: 0 };
const log = (point: KillPoint) => {
  tried[point.phase]++;
  const wal = point.wal.uncommittedFrames > 0 || point.wal.tornBytes > 0 ? ', cut a WAL write' : '';
  process.stderr.write(
    `${point.phase} kill ${point.index}: planned ${point.delayMs} ms after ${point.from}${point.atWalWrite ? ' + next WAL write' : ''}, ` +
      `${point.firedAfterMs === undefined ? 'not sent (the process ended first)' : `sent at ${point.firedAfterMs} ms`}, ` +
      `${point.landed ? 'landed' : 'missed'}${point.requestsInFlight > 0 ? ` with ${point.requestsInFlight} requests in flight` : ''}, ` +
      `records ${point.recordsBefore} -> ${point.recordsAfter}${wal}\n`,
  );
};

let exitCode = 0;
try {
  const template = workspace.path('template.db');
  const tokens = await createBaseDatabase(template);
  const [imported, ingested] = await runSideBySide(
    workspace,
    () => runImportCrashes(workspace, template, { kills: importKills, lines, seed, killsPerCycleMax: 4, onKill: log }),
    () =>
      runApiCrashes(workspace, template, tokens, {
        kills: kills - importKills,
        seed,
        windowMs,
        killsPerDatabase: 20,
        concurrency: 4,
        people: 5_000,
        onKill: log,
      }),
  );
  console.log(JSON.stringify({ ok: true, ...crashSummary(imported, ingested, performance.now() - started) }));
} catch (error) {
  exitCode = 1;
  console.log(
    JSON.stringify({
      ok: false,
      seed,
      failure: error instanceof Error ? error.message : String(error),
      killPointsTried: tried,
      elapsedMs: Math.round(performance.now() - started),
    }),
  );
} finally {
  await workspace.close();
}
process.exitCode = exitCode;
