/**
 * A rebuild in parts (app/rebuild.ts `parts`, as `credence rebuild --threads N` runs it, here in one thread) replays
 * each subject once and finds and repairs what one replay of all does; a part that fails fails the rebuild, which
 * then claims nothing (no rebuild.completed event).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openContext, type AppContext } from '../../src/app/context.ts';
import { createDemo } from '../../src/app/demo.ts';
import { rebuild, replay, type ReplayPage } from '../../src/app/rebuild.ts';
import { readDemoFiles } from '../../src/cli/files.ts';
import type { Store } from '../../src/store/ports.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { testKeys } from '../support/keys.ts';

const nowMs = Date.parse('2026-11-22T00:00:00Z');
let folder: string;
let store: Store;
let context: AppContext;

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'credence-rebuild-'));
  store = openSqliteStore(join(folder, 'credence.db'), { create: true, keys: testKeys });
  context = await openContext(store, { keys: testKeys });
  await createDemo(context, { people: 1200, seed: 'rebuild', ...readDemoFiles() });
});

after(async () => {
  await store.close();
  rmSync(folder, { recursive: true, force: true });
});

const partsOf = (of: number) => Array.from({ length: of }, (_, index) => replay(context, { index, of }));

const rebuildEvents = async () =>
  (await store.auditEvents(0, 1_000_000)).filter((e) => e.kind === 'rebuild.completed').length;

/** Every derived subject's derivation emptied at the given positions of the store's order (tampering). */
async function tamper(positions: readonly number[]): Promise<string[]> {
  const subjects: string[] = [];
  for await (const page of store.scanSubjectRecords(50)) subjects.push(...page.map((p) => p.subject.key));
  const chosen = positions.map((i) => subjects[Math.floor((i * (subjects.length - 1)) / 100)] ?? assert.fail());
  await store.transaction((tx) =>
    tx.putDerivations(chosen.map((subject) => ({ subject, kind: 'person', entries: [], grades: [], listings: [] }))),
  );
  return chosen;
}

test('a rebuild in parts replays every subject once and finds every difference, as one replay of all does', async () => {
  const whole = await rebuild(context, { verify: true, nowMs });
  assert.equal(whole.differences, 0);
  assert.ok(whole.subjects > 300, `${whole.subjects} subjects`);
  for (const count of [2, 3, 8]) {
    const parted = await rebuild(context, { verify: true, nowMs, parts: partsOf(count) });
    assert.deepEqual(parted, whole, `${count} parts`);
  }

  const tampered = await tamper([0, 50, 100]);
  const found = await rebuild(context, { verify: true, nowMs, parts: partsOf(3) });
  assert.equal(found.differences, 3);
  assert.deepEqual(found.sample.map((s) => s.subject).sort(), [...tampered].sort());
  assert.ok(found.sample.every((s) => s.problem === 'different'));

  const events = await rebuildEvents();
  const repaired = await rebuild(context, { verify: false, nowMs, parts: partsOf(3) });
  assert.equal(repaired.subjects, whole.subjects);
  assert.equal(await rebuildEvents(), events + 1);
  assert.equal((await rebuild(context, { verify: true, nowMs })).differences, 0, 'every part was repaired');
});

test('a part that fails fails the rebuild, which records no rebuild.completed event and stops the other parts', async () => {
  const events = await rebuildEvents();
  let read = 0;
  async function* counted(): AsyncIterable<ReplayPage> {
    for await (const page of replay(context, { index: 0, of: 2 })) {
      read++;
      yield page;
    }
  }
  async function* failing(): AsyncIterable<ReplayPage> {
    yield { subjects: 0, records: 0, differing: [] };
    throw new Error('the disk went away');
  }
  await assert.rejects(rebuild(context, { verify: false, nowMs, parts: [counted(), failing()] }), /the disk went away/);
  assert.equal(await rebuildEvents(), events);
  assert.ok(read >= 1);
});

test("a part read in this thread lets the pages of other threads' parts in as it goes, not only once it ends", async () => {
  // Part 0 as this thread reads it (each page at once, as SQLite's synchronous reads give them); part 1 as a worker's
  // pages arrive (each a message, after a turn of the event loop).
  async function* here(): AsyncIterable<ReplayPage> {
    for (let i = 0; i < 50; i++) yield { subjects: 1, records: 0, differing: [] };
  }
  async function* posted(): AsyncIterable<ReplayPage> {
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      yield { subjects: 1_000, records: 0, differing: [] };
    }
  }
  let herePagesBeforeFirstPosted: number | undefined;
  const report = await rebuild(context, {
    verify: true,
    nowMs,
    parts: [here(), posted()],
    onProgress: (subjects) => {
      if (subjects >= 1_000 && herePagesBeforeFirstPosted === undefined) herePagesBeforeFirstPosted = subjects % 1_000;
    },
  });
  assert.equal(report.subjects, 50 * 1_001);
  assert.ok((herePagesBeforeFirstPosted ?? 50) < 10, `${herePagesBeforeFirstPosted} of 50 pages first`);
});
