/**
 * The public register over time: a service whose clock the test moves. A search by identifier finds a published
 * member and nobody else: not a person whose listing ended (performance), not one past the list's publication
 * period though still listed, not a member of a list that is not public; each of those gets exactly the answer a
 * person never listed gets. The statistics' members per list per month follow the same publication rule. No log
 * line names anyone searched for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { publishCatalog } from '../../src/app/catalogs.ts';
import { openContext } from '../../src/app/context.ts';
import { submitRecords } from '../../src/app/records.ts';
import { residentIdCheckCharacter } from '../../src/core/identifiers.ts';
import type { RecordInput } from '../../src/core/record.ts';
import { identifiersIn } from '../../src/http/redact.ts';
import { startService, type RunningService } from '../../src/http/start.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { demoAgencies, demoCatalogInputs, demoPublishedAtMs } from '../support/demo-catalogs.ts';
import { testKeys } from '../support/keys.ts';
import { keepServerOutput } from '../support/server-output.ts';
import { assertError, call } from './support.ts';

/** A valid resident ID of a person born on 1980-01-0n in region 110105 (none is a real person's). */
function person(n: number): string {
  const first17 = `1101051980010${n}00${n}`;
  return first17 + residentIdCheckCharacter(first17);
}

const people = {
  /** court.defaulter.refuses from 2026-03-01: listed until performance (at most 1825 days), published 1095 days. */
  refuser: person(1),
  /** court.defaulter.obstruction from 2026-01-15, for 730 days. */
  obstructor: person(2),
  /** Listed 2026-02-01, performed 2026-05-01: delisted. */
  performer: person(3),
  /** On the rail ban from 2026-03-10, a list this test's catalog does not publish. */
  railBanned: person(4),
  /** Never listed. */
  clean: person(5),
};

const records: Readonly<Record<string, readonly RecordInput[]>> = {
  'city-court': [
    {
      agencyRef: 'C-1',
      subject: people.refuser,
      code: 'court.defaulter.refuses',
      effectiveAt: '2026-03-01T00:00:00Z',
      evidence: 'case file',
    },
    {
      agencyRef: 'C-2',
      subject: people.obstructor,
      code: 'court.defaulter.obstruction',
      effectiveAt: '2026-01-15T00:00:00Z',
      evidence: 'case file',
    },
    {
      agencyRef: 'C-3',
      subject: people.performer,
      code: 'court.defaulter.refuses',
      effectiveAt: '2026-02-01T00:00:00Z',
      evidence: 'case file',
    },
    {
      agencyRef: 'C-4',
      subject: people.performer,
      code: 'court.performance',
      effectiveAt: '2026-05-01T00:00:00Z',
      evidence: 'case file',
    },
  ],
  'railway-police': [
    {
      agencyRef: 'R-1',
      subject: people.railBanned,
      code: 'rail.smoking.bullet_train',
      effectiveAt: '2026-03-10T00:00:00Z',
      evidence: 'case file',
    },
  ],
};

let folder: string;
let running: RunningService;
let nowMs = Date.parse('2026-06-15T00:00:00Z');
const lines: string[] = [];

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'credence-public-search-'));
  const store = openSqliteStore(join(folder, 'credence.db'), { create: true, keys: testKeys });
  const context = await openContext(store, { keys: testKeys });
  await store.transaction((tx) => tx.putAgencies(demoAgencies()));
  for (const input of demoCatalogInputs()) {
    // The rail ban is not published here: its members are told, not shown.
    const catalog = input as { scheme: { id: string; lists: { id: string; public?: boolean }[] } };
    if (catalog.scheme.id === 'conduct-bans')
      for (const list of catalog.scheme.lists) if (list.id === 'rail-conduct-ban') list.public = false;
    const published = await publishCatalog(context, catalog, { nowMs: demoPublishedAtMs, actor: 'admin' });
    if (!published.ok) throw new Error(published.problem.message);
  }
  for (const [agency, items] of Object.entries(records)) {
    const result = await submitRecords(context, items, { nowMs, agency });
    assert.equal(result.accepted, items.length, JSON.stringify(result.results));
  }
  running = await startService(store, {
    keys: testKeys,
    clock: () => nowMs,
    logStream: {
      write(line: string) {
        lines.push(line);
        keepServerOutput('log', line);
      },
    },
  });
});
after(async () => {
  await running?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

const masked = (id: string) => `${id.slice(0, 6)}********${id.slice(14)}`;
const court = { list: 'court-defaulters', title: { 'zh-CN': '失信被执行人名单', en: 'Court defaulters' } };

async function search(list: string, subject: string) {
  return call(running.app, 'GET', `/v1/public/lists/${list}/members?subject=${subject}`);
}

async function monthly(list: string): Promise<{ months: string[]; members: number[]; now?: number }> {
  const body = (await call(running.app, 'GET', '/v1/public/statistics')).json as {
    membersPerList: Record<string, number>;
    membersPerListMonth: { list: string; month: string; members: number }[];
  };
  const rows = body.membersPerListMonth.filter((m) => m.list === list);
  return {
    months: rows.map((m) => m.month),
    members: rows.map((m) => m.members),
    ...(body.membersPerList[list] === undefined ? {} : { now: body.membersPerList[list] }),
  };
}

test('in June 2026: published members are found; the delisted, the rail-banned and the clean get the same []', async () => {
  const found = await search('court-defaulters', people.refuser);
  assert.equal(found.status, 200, found.text);
  assert.deepEqual(
    (found.json as { members: { subject: string; publishedUntil: string }[] }).members.map((m) => [
      m.subject,
      m.publishedUntil,
    ]),
    [[masked(people.refuser), '2029-02-28T00:00:00.000Z']],
  );
  const none = { status: 200, json: { ...court, members: [] } };
  for (const subject of [people.clean, people.performer, people.railBanned]) {
    const answer = await search('court-defaulters', subject);
    assert.deepEqual({ status: answer.status, json: answer.json }, none, subject);
  }
  // The rail ban is not public: the same 404 for its member as for anyone.
  for (const subject of [people.railBanned, people.clean])
    assertError(await search('rail-conduct-ban', subject), 404, 'unknown_list', 'no public list rail-conduct-ban');
});

test('in June 2026: members per month count published listings at each month’s end, public lists only', async () => {
  const series = await monthly('court-defaulters');
  assert.deepEqual(series.months, [
    '2025-07',
    '2025-08',
    '2025-09',
    '2025-10',
    '2025-11',
    '2025-12',
    '2026-01',
    '2026-02',
    '2026-03',
    '2026-04',
    '2026-05',
    '2026-06',
  ]);
  // The obstructor from January, the performer February to April, the refuser from March.
  assert.deepEqual(series.members, [0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 2, 2]);
  assert.equal(series.now, 2);
  assert.deepEqual(await monthly('rail-conduct-ban'), { months: [], members: [] }, 'no series for a list not public');
});

test('in March 2029: a member still listed but past the publication period is neither shown nor found', async () => {
  // The refuser's listing runs to 2031 (until performance, at most 5 years); its publication ended 2029-02-28.
  nowMs = Date.parse('2029-03-01T00:00:00Z');
  const page = await call(running.app, 'GET', '/v1/public/lists/court-defaulters/members');
  assert.deepEqual(page.json, { ...court, members: [] });
  const answer = await search('court-defaulters', people.refuser);
  assert.deepEqual({ status: answer.status, json: answer.json }, { status: 200, json: { ...court, members: [] } });
  const series = await monthly('court-defaulters');
  assert.equal(series.months[0], '2028-04');
  assert.equal(series.months.at(-1), '2029-03');
  // Published at the end of each month to January 2029; not at February's last instant, nor now.
  assert.deepEqual(series.members, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  assert.equal(series.now, 0);
});

test('no log line names anyone searched for', () => {
  assert.ok(lines.length > 0, 'the service logged its requests');
  assert.deepEqual(
    lines.flatMap((line) => identifiersIn(line)),
    [],
  );
});
