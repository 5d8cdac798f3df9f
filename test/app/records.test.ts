/** Use-case tests for submitRecords, retractRecord, publishCatalog and rebuild, on a real SQLite store. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findChainBreak, recordDigest, recordsListed, recordsListing } from '../../src/app/audit-chain.ts';
import { publishCatalog } from '../../src/app/catalogs.ts';
import { checkAction, explain } from '../../src/app/decisions.ts';
import { rebuild } from '../../src/app/rebuild.ts';
import { retractRecord, submitRecords } from '../../src/app/records.ts';
import { recordsPerAuditEventMax } from '../../src/core/constants.ts';
import { parseSubjectId } from '../../src/core/identifiers.ts';
import type { RecordFact } from '../../src/core/record.ts';
import type { Store } from '../../src/store/ports.ts';
import { demoCatalogInputs } from '../support/demo-catalogs.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';

const nowMs = Date.parse('2026-11-22T00:00:00Z');
const person = '11010519491231002X';
const other = '360426199101010071';
const company = '91110108551385082Q';

const fine = (agencyRef: string, overrides: Record<string, unknown> = {}) => ({
  agency: 'traffic-police',
  agencyRef,
  subject: person,
  code: 'traffic.fine',
  effectiveAt: '2026-06-01T08:00:00Z',
  evidence: `ticket ${agencyRef}`,
  amount: 800,
  ...overrides,
});

async function allEvents(store: Store) {
  return store.auditEvents(0, 1_000_000);
}

describe('submitRecords', () => {
  let t: TestContext;
  before(async () => {
    t = await openTestContext();
  });
  after(() => t.close());

  test('accepts a record, derives the subject and writes one chained audit event', async () => {
    const before = (await allEvents(t.context.store)).length;
    const result = await submitRecords(t.context, [fine('TP-1')], { nowMs });
    assert.equal(result.accepted, 1);
    const [item] = result.results;
    assert.equal(item?.status, 'accepted');
    const events = await allEvents(t.context.store);
    assert.equal(events.length, before + 1);
    const event = events.at(-1);
    assert.equal(event?.kind, 'records.accepted');
    assert.equal(event?.actor, 'traffic-police');
    assert.equal(event?.subject, undefined, 'the event names records, not subjects');
    const stored = (await t.context.store.recordsOf(person)).find((r) => r.agencyRef === 'TP-1');
    assert.ok(stored);
    assert.deepEqual(event?.payload, recordsListing([stored]));
    assert.deepEqual(recordsListed(event?.payload ?? {}), [
      { id: item?.status === 'accepted' ? item.recordId : 0, tag: recordDigest(stored).slice(0, 16) },
    ]);
    assert.equal(findChainBreak(undefined, events), undefined);
    const explained = await explain(t.context, person, nowMs);
    assert.ok(explained.ok);
    const rongcheng = explained.value.standing.schemes.find((s) => s.scheme === 'rongcheng-residents');
    assert.equal(rongcheng?.points?.score, 980);
  });

  test('a batch from two agencies is audited as one event per agency, each listing its records and digests', async () => {
    const before = (await allEvents(t.context.store)).length;
    const court = { agency: 'city-court', code: 'court.defaulter.refuses', caseRef: '(2026)京01执9号' };
    const result = await submitRecords(t.context, [fine('TP-A1'), fine('CC-A1', court), fine('TP-A2'), fine('TP-A1')], {
      nowMs,
    });
    assert.deepEqual([result.accepted, result.duplicates], [3, 1], JSON.stringify(result.results));
    const events = (await allEvents(t.context.store)).slice(before);
    assert.deepEqual(
      events.map((e) => [e.kind, e.actor, recordsListed(e.payload).length]),
      [
        ['records.accepted', 'traffic-police', 2],
        ['records.accepted', 'city-court', 1],
      ],
    );
    const records = new Map((await t.context.store.recordsOf(person)).map((r) => [r.id, r]));
    for (const e of events) {
      const listed = (e.payload.recordIds as number[]).map((id) => records.get(id));
      assert.ok(listed.every((r) => r?.agency === e.actor));
      assert.deepEqual(e.payload, recordsListing(listed as RecordFact[]));
    }
  });

  test('a batch larger than recordsPerAuditEventMax is audited in events of at most that many records', async () => {
    const own = await openTestContext();
    try {
      const before = (await allEvents(own.context.store)).length;
      const count = 2 * recordsPerAuditEventMax + 7;
      const inputs = Array.from({ length: count }, (_, i) =>
        fine(`TP-L${i}`, { subject: i % 2 === 0 ? person : other, effectiveAt: '2026-06-02T08:00:00Z' }),
      );
      const result = await submitRecords(own.context, inputs, { nowMs });
      assert.equal(result.accepted, count);
      const events = (await allEvents(own.context.store)).slice(before);
      assert.deepEqual(
        events.map((e) => [e.kind, recordsListed(e.payload).length]),
        [
          ['records.accepted', recordsPerAuditEventMax],
          ['records.accepted', recordsPerAuditEventMax],
          ['records.accepted', 7],
        ],
      );
      const ids = events.flatMap((e) => recordsListed(e.payload).map(({ id }) => id));
      const accepted = result.results.map((r) => (r.status === 'accepted' ? r.recordId : 0));
      assert.deepEqual(ids, accepted, 'each record listed once, in the order stored');
    } finally {
      await own.close();
    }
  });

  test('the same reference and content again is a duplicate of the original; nothing changes', async () => {
    const first = await submitRecords(t.context, [fine('TP-2')], { nowMs });
    const eventsBefore = (await allEvents(t.context.store)).length;
    const again = await submitRecords(t.context, [fine('TP-2')], { nowMs });
    const [a] = first.results;
    const [b] = again.results;
    assert.equal(b?.status, 'duplicate');
    assert.equal(a?.status === 'accepted' && b?.status === 'duplicate' && a.recordId === b.recordId, true);
    assert.equal((await allEvents(t.context.store)).length, eventsBefore);
    assert.equal((await t.context.store.recordsOf(person)).filter((r) => r.agencyRef === 'TP-2').length, 1);
  });

  test('the same reference with other content is a conflict and changes nothing', async () => {
    await submitRecords(t.context, [fine('TP-3')], { nowMs });
    const records = await t.context.store.recordsOf(person);
    const result = await submitRecords(t.context, [fine('TP-3', { amount: 900 })], { nowMs });
    const [item] = result.results;
    assert.equal(item?.status, 'rejected');
    assert.equal(item?.status === 'rejected' && item.problem.code, 'reference_conflict');
    assert.deepEqual(await t.context.store.recordsOf(person), records);
  });

  test('repeats inside one batch: same content is a duplicate, other content a conflict', async () => {
    const result = await submitRecords(t.context, [fine('TP-4'), fine('TP-4'), fine('TP-4', { amount: 1 })], { nowMs });
    assert.deepEqual(
      result.results.map((r) => r.status),
      ['accepted', 'duplicate', 'rejected'],
    );
    const [first, second] = result.results;
    assert.equal(
      first?.status === 'accepted' && second?.status === 'duplicate' && first.recordId === second.recordId,
      true,
    );
  });

  test('bad items are rejected with stable codes and never stop the good ones', async () => {
    const result = await submitRecords(
      t.context,
      [
        fine('TP-5', { subject: '110105194912310021' }),
        fine('TP-6', { code: 'tax.late_payment' }),
        fine('TP-7', { effectiveAt: '2027-01-01T00:00:00Z' }),
        fine('TP-8', { effectiveAt: '2025-06-01T00:00:00Z' }),
        fine('TP-9', { amount: undefined }),
        fine('TP-10', { code: 'no.such.rule' }),
        fine('TP-11', { subject: company }),
        fine('TP-12'),
      ],
      { nowMs },
    );
    assert.deepEqual(
      result.results.map((r) => (r.status === 'rejected' ? r.problem.code : r.status)),
      [
        'invalid_resident_id',
        'outside_remit',
        'effective_in_future',
        'no_rule_in_force',
        'amount_required',
        'unknown_rule_code',
        'rule_not_for_subject_kind',
        'accepted',
      ],
    );
    assert.equal(result.rejected, 7);
    assert.equal(result.accepted, 1);
  });

  test('an authenticated agency cannot submit as another', async () => {
    const result = await submitRecords(t.context, [fine('TP-13')], { nowMs, agency: 'tax-bureau' });
    const [item] = result.results;
    assert.equal(item?.status === 'rejected' && item.problem.code, 'agency_mismatch');
  });

  test('a failure inside the transaction leaves nothing half-written', async () => {
    const store = t.context.store;
    const recordsBefore = (await store.summary()).records;
    const eventsBefore = (await allEvents(store)).length;
    const derivationBefore = await store.derivation(other);
    // A store whose putDerivations fails after the records were inserted in the same transaction.
    const failingStore: Pick<Store, 'transaction'> = {
      transaction: (work) =>
        store.transaction((tx) =>
          work({
            ...tx,
            putDerivations: async () => {
              throw new Error('disk full');
            },
          }),
        ),
    };
    // submitRecords needs only transaction(); the rest of the port is not reached.
    const failing = failingStore as Store;
    await assert.rejects(
      submitRecords({ ...t.context, store: failing }, [fine('TP-14', { subject: other })], { nowMs }),
      /disk full/,
    );
    assert.equal((await store.summary()).records, recordsBefore);
    assert.equal((await allEvents(store)).length, eventsBefore);
    assert.deepEqual(await store.derivation(other), derivationBefore);
    // The store is still usable and the reference is still free.
    const retry = await submitRecords(t.context, [fine('TP-14', { subject: other })], { nowMs });
    assert.equal(retry.accepted, 1);
  });
});

describe('court defaulter listing and performance', () => {
  let t: TestContext;
  before(async () => {
    t = await openTestContext();
  });
  after(() => t.close());

  test('listing denies flights from its instant; performance lifts it the moment it lands', async () => {
    const listed = '2026-03-01T00:00:00Z';
    const performed = '2026-05-01T00:00:00Z';
    const court = (agencyRef: string, code: string, effectiveAt: string) => ({
      agency: 'city-court',
      agencyRef,
      subject: person,
      code,
      effectiveAt,
      evidence: `(2026)京01执${agencyRef}号`,
      caseRef: '(2026)京01执100号',
    });
    const submitted = await submitRecords(t.context, [court('C-1', 'court.defaulter.refuses', listed)], { nowMs });
    assert.equal(submitted.accepted, 1);
    const check = async (at: string) => {
      const d = await checkAction(
        t.context,
        { subject: person, action: 'travel.flight', atMs: Date.parse(at) },
        { nowMs, actor: 'test' },
      );
      assert.ok(d.ok);
      return d.value;
    };
    assert.equal((await check('2026-02-28T23:59:59.999Z')).outcome, 'allow');
    const denied = await check(listed);
    assert.equal(denied.outcome, 'deny');
    assert.deepEqual(
      denied.reasons.map((r) => r.measure),
      ['high-consumption-restrictions'],
    );
    assert.match(denied.decisionId, /^[0-9a-f-]{36}$/);
    const events = await allEvents(t.context.store);
    assert.equal(events.at(-1)?.kind, 'decision.made');
    assert.equal(events.at(-1)?.payload.decisionId, denied.decisionId);

    await submitRecords(t.context, [court('C-2', 'court.performance', performed)], { nowMs });
    assert.equal((await check('2026-04-30T23:59:59.999Z')).outcome, 'deny');
    assert.equal((await check(performed)).outcome, 'allow');
    assert.equal((await t.context.store.listMembers('court-defaulters', Date.parse(performed), 10)).length, 0);
  });

  test('a retraction removes the record and everything that depended on it', async () => {
    await submitRecords(
      t.context,
      [
        {
          agency: 'civil-aviation',
          agencyRef: 'CA-1',
          subject: other,
          code: 'aviation.disruption',
          effectiveAt: '2026-09-01T00:00:00Z',
          evidence: 'report 1',
        },
      ],
      { nowMs },
    );
    const at = Date.parse('2026-10-01T00:00:00Z');
    const denied = await checkAction(
      t.context,
      { subject: other, action: 'travel.flight', atMs: at },
      { nowMs, actor: 'test' },
    );
    assert.equal(denied.ok && denied.value.outcome, 'deny');
    const retracted = await retractRecord(
      t.context,
      { agency: 'civil-aviation', agencyRef: 'CA-1-R', retractsRef: 'CA-1', reason: 'wrong passenger' },
      { nowMs },
    );
    assert.equal(retracted.status, 'retracted');
    const allowed = await checkAction(
      t.context,
      { subject: other, action: 'travel.flight', atMs: at },
      { nowMs, actor: 'test' },
    );
    assert.equal(allowed.ok && allowed.value.outcome, 'allow');
    const again = await retractRecord(
      t.context,
      { agency: 'civil-aviation', agencyRef: 'CA-1-R', retractsRef: 'CA-1', reason: 'wrong passenger' },
      { nowMs },
    );
    assert.equal(again.status, 'duplicate');
    const foreign = await retractRecord(
      t.context,
      { agency: 'traffic-police', agencyRef: 'X-1', retractsRef: 'CA-1', reason: 'not mine' },
      { nowMs },
    );
    assert.equal(foreign.status === 'rejected' && foreign.problem.code, 'record_not_found');
    assert.equal((await allEvents(t.context.store)).filter((e) => e.kind === 'record.retracted').length, 1);
  });

  test('rebuild --verify finds no difference, and finds a tampered derivation; rebuild rewrites only that one', async () => {
    const clean = await rebuild(t.context, { verify: true, nowMs });
    assert.equal(clean.differences, 0);
    assert.equal(clean.subjects, 2);
    const stored = await t.context.store.derivation(person);
    assert.ok(stored);
    await t.context.store.transaction((tx) => tx.putDerivations([{ ...stored, listings: [] }]));
    const tampered = await rebuild(t.context, { verify: true, nowMs });
    assert.equal(tampered.differences, 1);
    assert.deepEqual(tampered.sample, [{ subject: person, problem: 'different' }]);
    // The change outbox names each subject whose derived state a transaction wrote.
    const changed = async (afterId: number) =>
      (await t.context.store.changes(afterId, 1_000_000)).reduce((n, c) => n + c.subjects.length, 0);
    const last = async () => (await t.context.store.changes(0, 1_000_000)).at(-1)?.id ?? 0;
    const beforeRepair = await last();
    await rebuild(t.context, { verify: false, nowMs });
    assert.equal((await rebuild(t.context, { verify: true, nowMs })).differences, 0);
    assert.equal(await changed(beforeRepair), 1, 'the repaired subject alone is written');
    const beforeAgain = await last();
    const again = await rebuild(t.context, { verify: false, nowMs });
    assert.equal(again.subjects, 2, 'every subject replayed');
    assert.equal(await changed(beforeAgain), 0, 'what the replay confirms is not written again');
  });

  test('rebuild --verify finds a subject whose derivation is missing and one derived without records', async () => {
    const subject = (text: string) => {
      const parsed = parseSubjectId(text);
      assert.ok(parsed.ok);
      return parsed.value;
    };
    const [unwritten, unexplained] = [subject('440304198506151237'), subject('110101198001010125')];
    await t.context.store.transaction(async (tx) => {
      await tx.putSubjects([unwritten, unexplained]);
      // A record stored without its derivation, and a derivation that no record explains.
      const draft = { ...fine('TP-V1'), subject: unwritten.key, effectiveAtMs: nowMs - 86_400_000 };
      await tx.insertRecords([{ draft, recordedAtMs: nowMs }]);
      await tx.putDerivations([{ subject: unexplained.key, kind: 'person', entries: [], grades: [], listings: [] }]);
    });
    const found = await rebuild(t.context, { verify: true, nowMs });
    assert.equal(found.subjects, 3);
    assert.deepEqual(found.sample, [
      { subject: unwritten.key, problem: 'missing' },
      { subject: unexplained.key, problem: 'unexpected' },
    ]);
    await rebuild(t.context, { verify: false, nowMs });
    assert.ok(await t.context.store.derivation(unwritten.key), 'the missing derivation is written');
    const after = await rebuild(t.context, { verify: true, nowMs });
    assert.deepEqual(after.sample, [{ subject: unexplained.key, problem: 'unexpected' }], 'a rebuild deletes nothing');
  });
});

describe('publishCatalog', () => {
  let t: TestContext;
  before(async () => {
    t = await openTestContext({ catalogs: false });
  });
  after(() => t.close());

  test('refuses a version effective before its publication, and writes nothing', async () => {
    const [input] = demoCatalogInputs();
    const result = await publishCatalog(t.context, input, { nowMs, actor: 'admin' });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.problem.code, 'retroactive_catalog');
    assert.deepEqual(await t.context.store.catalogVersions(), []);
    assert.deepEqual(await allEvents(t.context.store), []);
  });

  test('publishes versions 1 and 2 with audit events; records are judged by the version in force', async () => {
    const input = demoCatalogInputs().find(
      (c) => (c as { scheme: { id: string } }).scheme.id === 'conduct-bans',
    ) as Record<string, unknown>;
    const v1 = await publishCatalog(t.context, input, { nowMs: Date.parse('2025-10-01T00:00:00Z'), actor: 'admin' });
    assert.equal(v1.ok && v1.value.version, 1);
    const draft2 = structuredClone(input) as {
      effectiveFrom: string;
      rules: { code: string; effects: { termDays?: number }[] }[];
    };
    draft2.effectiveFrom = '2026-07-01T00:00:00Z';
    const rule = draft2.rules.find((r) => r.code === 'aviation.disruption');
    const effect = rule?.effects[0];
    if (effect) effect.termDays = 200;
    const v2 = await publishCatalog(t.context, draft2, { nowMs: Date.parse('2026-06-01T00:00:00Z'), actor: 'admin' });
    assert.equal(v2.ok && v2.value.version, 2);
    const events = await allEvents(t.context.store);
    assert.deepEqual(
      events.map((e) => [e.kind, e.payload.version]),
      [
        ['catalog.published', 1],
        ['catalog.published', 2],
      ],
    );
    await submitRecords(
      t.context,
      [
        {
          agency: 'civil-aviation',
          agencyRef: 'A',
          subject: person,
          code: 'aviation.disruption',
          effectiveAt: '2026-06-30T23:59:59Z',
          evidence: 'e',
        },
        {
          agency: 'civil-aviation',
          agencyRef: 'B',
          subject: other,
          code: 'aviation.disruption',
          effectiveAt: '2026-07-01T00:00:00Z',
          evidence: 'e',
        },
      ],
      { nowMs },
    );
    const [a, b] = await Promise.all([t.context.store.derivation(person), t.context.store.derivation(other)]);
    assert.equal(a?.listings[0]?.version, 1);
    assert.equal(b?.listings[0]?.version, 2);
    const dayMs = 86_400_000;
    assert.equal((a?.listings[0]?.endMs ?? 0) - (a?.listings[0]?.startMs ?? 0), 365 * dayMs);
    assert.equal((b?.listings[0]?.endMs ?? 0) - (b?.listings[0]?.startMs ?? 0), 200 * dayMs);
  });
});
