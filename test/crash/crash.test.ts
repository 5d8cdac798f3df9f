/**
 * Crash safety, short form: `credence import` and `credence serve` killed with SIGKILL at seeded random points,
 * with every property of test/crash/support.ts checked after each kill and restart. It tries 22 kill points;
 * test/long/crash.ts is the same harness with as many as asked for (200 by default). A failure names the seed and
 * the kill point, which reproduce it as nearly as timing allows.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import {
  createBaseDatabase,
  crashSummary,
  runApiCrashes,
  runImportCrashes,
  runSideBySide,
  Workspace,
} from './support.ts';

const seed = 'crash-short';
const importKills = 8;
const apiKills = 14;

test('records survive SIGKILL during a file import and during API ingestion', async (t) => {
  const started = performance.now();
  const workspace = new Workspace();
  t.after(() => workspace.close());
  const template = workspace.path('template.db');
  const tokens = await createBaseDatabase(template);

  const [imported, ingested] = await runSideBySide(
    workspace,
    () => runImportCrashes(workspace, template, { kills: importKills, lines: 20_000, seed, killsPerCycleMax: 5 }),
    () =>
      runApiCrashes(workspace, template, tokens, {
        kills: apiKills,
        seed,
        windowMs: 1_000,
        killsPerDatabase: 14,
        concurrency: 4,
        people: 2_000,
      }),
  );
  t.diagnostic(JSON.stringify(crashSummary(imported, ingested, performance.now() - started)));
  assert.equal(imported.kills.tried + ingested.kills.tried, importKills + apiKills);
  assert.ok(imported.kills.landed > 0 && ingested.kills.withRequestsInFlight > 0, 'some kills landed mid-work');
});
