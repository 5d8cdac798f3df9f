/** Notices are committed with (and only with) the effects they tell of, and say what a person needs to object. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDemo } from '../../src/app/demo.ts';
import { renderNotice } from '../../src/core/notices.ts';
import { openContext } from '../../src/app/context.ts';
import { retractRecord, submitRecords } from '../../src/app/records.ts';
import { testKeys } from '../support/keys.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/ports.ts';
import { demoAgencies, demoCatalogInputs } from '../support/demo-catalogs.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dayMs = 86_400_000;
const nowMs = Date.parse('2026-11-22T00:00:00Z');
const person = '11010519491231002X';
const other = '360426199101010071';
const caseRef = '(2026)京01执7号';

const court = (agencyRef: string, code: string, effectiveAt: string, subject = person) => ({
  agency: 'city-court',
  agencyRef,
  subject,
  code,
  effectiveAt,
  evidence: `judgment ${agencyRef}`,
  caseRef,
});

describe('notices', () => {
  let t: TestContext;
  before(async () => {
    t = await openTestContext();
  });
  after(() => t.close());

  test('a listing commits with an adverse notice that says what, why, until when and how to object', async () => {
    await submitRecords(t.context, [court('N-1', 'court.defaulter.refuses', '2026-11-01T00:00:00Z')], { nowMs });
    const notices = (await t.context.store.noticesOf(person, 10)).map((n) => renderNotice(t.context.catalogs, n));
    const listing = notices.find((n) => n.kind === 'listing.started');
    assert.ok(listing, 'a listing.started notice');
    assert.equal(listing.adverse, true);
    assert.equal(listing.scheme, 'court-defaulters');
    assert.equal(listing.version, 1);
    assert.equal(listing.code, 'court.defaulter.refuses');
    assert.equal(listing.evidence, 'judgment N-1');
    assert.match(listing.legalBasis, /法释〔2017〕7号/);
    assert.equal(listing.objectionDeadlineMs, nowMs + 15 * dayMs);
    assert.equal(listing.untilMs, Date.parse('2026-11-01T00:00:00Z') + 1825 * dayMs);
    assert.deepEqual(
      listing.measures.map((m) => m.measure),
      ['high-consumption-restrictions', 'joint-sanctions-defaulters', 'visa-consequences'],
    );
    assert.match(
      listing.text.en,
      /You are on the list "Court defaulters" from 2026-11-01, until the obligation is performed/,
    );
    assert.match(listing.text.en, /You may object until 2026-12-07 \(15 days\)/);
    assert.match(listing.text['zh-CN'], /如有异议，请于2026-12-07前（15日内）提出/);
    const grade = notices.find((n) => n.kind === 'grade.changed');
    assert.equal(grade?.adverse, true);
    assert.deepEqual([grade?.details.from, grade?.details.to], ['A', 'D']);
  });

  test('performance ends the listing with a positive notice and no objection deadline', async () => {
    await submitRecords(t.context, [court('N-2', 'court.performance', '2026-11-10T00:00:00Z')], { nowMs });
    const [ended] = (await t.context.store.noticesOf(person, 10)).filter((n) => n.kind === 'listing.ended');
    assert.ok(ended);
    assert.equal(ended.adverse, false);
    assert.equal(ended.objectionDeadlineMs, undefined);
    assert.match(renderNotice(t.context.catalogs, ended).text.en, /ended on 2026-11-10/);
  });

  test('a backdated record tells of the later record it doubles', async () => {
    const warning = (agencyRef: string, effectiveAt: string) => ({
      agency: 'traffic-police',
      agencyRef,
      subject: other,
      code: 'traffic.warning',
      effectiveAt,
      evidence: agencyRef,
    });
    await submitRecords(t.context, [warning('W-2', '2026-10-01T00:00:00Z')], { nowMs });
    await submitRecords(t.context, [warning('W-1', '2026-09-01T00:00:00Z')], { nowMs });
    const kinds = (await t.context.store.noticesOf(other, 10)).map((n) => [n.kind, n.details.points]);
    assert.deepEqual(kinds.slice(0, 2), [
      ['points.changed', -10],
      ['points.deducted', -5],
    ]);
  });

  test('a retraction withdraws the listing and its points, with positive notices', async () => {
    await submitRecords(
      t.context,
      [
        {
          agency: 'civil-aviation',
          agencyRef: 'A-1',
          subject: other,
          code: 'aviation.disruption',
          effectiveAt: '2026-11-05T00:00:00Z',
          evidence: 'report',
        },
      ],
      { nowMs },
    );
    await retractRecord(
      t.context,
      { agency: 'civil-aviation', agencyRef: 'A-1-R', retractsRef: 'A-1', reason: 'wrong passenger' },
      { nowMs },
    );
    const [latest] = await t.context.store.noticesOf(other, 1);
    assert.equal(latest?.kind, 'listing.withdrawn');
    assert.equal(latest?.adverse, false);
  });

  test('a failed write leaves no notice behind', async () => {
    const store = t.context.store;
    const before = await store.noticesOf(person, 1_000);
    const failing: Pick<Store, 'transaction'> = {
      transaction: (work) =>
        store.transaction((tx) =>
          work({
            ...tx,
            appendAuditEvents: async () => {
              throw new Error('disk full');
            },
          }),
        ),
    };
    await assert.rejects(
      submitRecords(
        { ...t.context, store: failing as Store },
        [court('N-3', 'court.defaulter.obstruction', '2026-11-15T00:00:00Z')],
        { nowMs },
      ),
      /disk full/,
    );
    assert.deepEqual(await store.noticesOf(person, 1_000), before);
  });
});

test('on a whole demo city, every listing has its notice and every adverse notice its objection deadline', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'credence-notices-'));
  const store = openSqliteStore(join(folder, 'demo.db'), { create: true, keys: testKeys });
  try {
    const context = await openContext(store, { keys: testKeys });
    await createDemo(context, {
      people: 1_500,
      seed: 'notices',
      catalogs: demoCatalogInputs(),
      agencies: demoAgencies(),
    });
    let listings = 0;
    for await (const page of store.scanDerivations(500)) {
      for (const d of page) {
        const notices = await store.noticesOf(d.subject, 10_000);
        for (const n of notices)
          assert.equal(n.objectionDeadlineMs !== undefined, n.adverse, `${n.kind} for ${d.subject}`);
        for (const l of d.listings) {
          listings++;
          const told = notices.some(
            (n) =>
              n.kind === 'listing.started' &&
              n.details.list === l.list &&
              n.details.start === l.startMs &&
              n.recordId === l.recordId,
          );
          assert.ok(told, `listing of ${d.subject} on ${l.list} from record ${l.recordId} has a notice`);
        }
      }
    }
    assert.ok(listings > 20, `the demo has listings to check (${listings})`);
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
