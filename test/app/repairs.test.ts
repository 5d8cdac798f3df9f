/** Repair: applied for after the minimum period with the declared conditions; approval ends the listing or grade early. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkAction, explain } from '../../src/app/decisions.ts';
import { rebuild } from '../../src/app/rebuild.ts';
import { submitRecords } from '../../src/app/records.ts';
import { applyRepair, decideRepair } from '../../src/app/repairs.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';

const dayMs = 86_400_000;
const company = '91110108551385082Q';
const person = '11010519491231002X';
const listedAtMs = Date.parse('2026-01-05T00:00:00Z');
const conditions = ['obligation_performed', 'commitment_signed'];

let t: TestContext;
let marketRecord = 0;
let courtRecord = 0;
before(async () => {
  t = await openTestContext();
  const market = await submitRecords(
    t.context,
    [
      {
        agency: 'market-regulator',
        agencyRef: 'M-1',
        subject: company,
        code: 'market.licence_revoked',
        effectiveAt: '2026-01-05T00:00:00Z',
        evidence: 'revocation 1',
      },
    ],
    { nowMs: listedAtMs },
  );
  const court = await submitRecords(
    t.context,
    [
      {
        agency: 'city-court',
        agencyRef: 'C-1',
        subject: person,
        code: 'court.defaulter.obstruction',
        effectiveAt: '2026-01-05T00:00:00Z',
        evidence: 'ruling 1',
        caseRef: 'case-1',
      },
    ],
    { nowMs: listedAtMs },
  );
  const [m] = market.results;
  const [c] = court.results;
  assert.ok(m?.status === 'accepted' && c?.status === 'accepted');
  marketRecord = m.recordId;
  courtRecord = c.recordId;
});
after(() => t.close());

const apply = (
  subject: string,
  recordId: number,
  nowMs: number,
  extra: { list?: string; conditions?: string[] } = {},
) =>
  applyRepair(
    t.context,
    {
      subject,
      recordId,
      conditions: extra.conditions ?? conditions,
      statement: 'fine paid; commitment signed',
      ...(extra.list ? { list: extra.list } : {}),
    },
    { nowMs, actor: 'reviewer-1' },
  );

test('too early, conditions unmet, and a list without a repair policy are refused with what to do', async () => {
  const earliest = listedAtMs + 365 * dayMs;
  const early = await apply(company, marketRecord, earliest - 1, { list: 'market-serious-dishonesty' });
  assert.deepEqual(early.ok ? null : early.problem, {
    code: 'repair_too_early',
    message: `repair may be applied for from ${new Date(earliest).toISOString()} (365 days served)`,
    field: 'recordId',
  });
  const unmet = await apply(company, marketRecord, earliest, {
    list: 'market-serious-dishonesty',
    conditions: ['commitment_signed'],
  });
  assert.equal(unmet.ok ? '' : unmet.problem.message, 'the application must affirm: obligation_performed');
  const courtList = await apply(person, courtRecord, earliest, { list: 'court-defaulters' });
  assert.equal(courtList.ok ? '' : courtList.problem.code, 'no_repair_policy');
});

test('approval ends the listing at its instant, with notices, audit, index-visible decisions and a stable rebuild', async () => {
  const nowMs = listedAtMs + 400 * dayMs; // 2027-02-09, a Tuesday
  const applied = await apply(company, marketRecord, nowMs, { list: 'market-serious-dishonesty' });
  assert.ok(applied.ok, applied.ok ? '' : applied.problem.message);
  // 10 working days from Tuesday 9 Feb 2027 (no listed holiday then): Tuesday 23 Feb, ending at local midnight.
  assert.equal(new Date(applied.value.reviewDueAtMs).toISOString(), '2027-02-23T16:00:00.000Z');
  const again = await apply(company, marketRecord, nowMs, { list: 'market-serious-dishonesty' });
  assert.equal(again.ok ? '' : again.problem.code, 'repair_pending');

  const decidedAtMs = nowMs + 2 * dayMs;
  const bidBefore = await checkAction(
    t.context,
    { subject: company, action: 'procurement.bid', atMs: decidedAtMs },
    { nowMs: decidedAtMs, actor: 'test' },
  );
  assert.equal(bidBefore.ok && bidBefore.value.outcome, 'deny');
  const decided = await decideRepair(
    t.context,
    { repairId: applied.value.id, outcome: 'approved', reasons: 'receipts verified', reviewer: 'reviewer-1' },
    { nowMs: decidedAtMs },
  );
  assert.ok(decided.ok);
  assert.equal(decided.value.status, 'approved');
  assert.ok(decided.value.repairRecordId);
  const bidAfter = await checkAction(
    t.context,
    { subject: company, action: 'procurement.bid', atMs: decidedAtMs },
    { nowMs: decidedAtMs, actor: 'test' },
  );
  assert.equal(bidAfter.ok && bidAfter.value.outcome, 'allow');
  assert.deepEqual(await t.context.store.listMembers('market-serious-dishonesty', decidedAtMs, 10), []);
  assert.equal((await t.context.store.listMembers('market-serious-dishonesty', decidedAtMs - 1, 10)).length, 1);

  const kinds = (await t.context.store.noticesOf(company, 10)).map((n) => n.kind);
  assert.deepEqual(kinds.slice(0, 3), ['repair.decided', 'listing.ended', 'repair.applied']);
  const events = (await t.context.store.auditEventsOf(company, 20)).map((e) => e.kind);
  assert.ok(events.includes('repair.applied') && events.includes('repair.decided'), events.join(', '));
  const twice = await decideRepair(
    t.context,
    { repairId: applied.value.id, outcome: 'refused', reasons: 'no', reviewer: 'reviewer-1' },
    { nowMs: decidedAtMs },
  );
  assert.equal(twice.ok ? '' : twice.problem.code, 'repair_decided');
  assert.equal((await rebuild(t.context, { verify: true, nowMs: decidedAtMs })).differences, 0);
});

test('a direct grade (Rongcheng D from a defaulter listing) is restored early; a refusal changes nothing', async () => {
  const defaulter = '360426199101010071';
  await submitRecords(
    t.context,
    [
      {
        agency: 'city-court',
        agencyRef: 'C-2',
        subject: defaulter,
        code: 'court.defaulter.obstruction',
        effectiveAt: '2026-01-05T00:00:00Z',
        evidence: 'ruling 2',
      },
    ],
    { nowMs: listedAtMs },
  );
  const recordId = (await t.context.store.recordsOf(defaulter))[0]?.id ?? 0;
  const nowMs = listedAtMs + 800 * dayMs; // the 730-day listing is over; the 5-year grade D is not
  const grade = async (atMs: number) => {
    const e = await explain(t.context, defaulter, atMs);
    assert.ok(e.ok);
    return e.value.standing.schemes.find((s) => s.scheme === 'rongcheng-residents')?.points?.grade;
  };
  assert.equal(await grade(nowMs), 'D');
  const refusedApp = await apply(defaulter, recordId, nowMs);
  assert.ok(refusedApp.ok);
  await decideRepair(
    t.context,
    {
      repairId: refusedApp.value.id,
      outcome: 'refused',
      reasons: 'obligation not yet performed',
      reviewer: 'reviewer-2',
    },
    { nowMs },
  );
  assert.equal(await grade(nowMs + 1), 'D');
  const applied = await apply(defaulter, recordId, nowMs + dayMs);
  assert.ok(applied.ok);
  await decideRepair(
    t.context,
    { repairId: applied.value.id, outcome: 'approved', reasons: 'performed', reviewer: 'reviewer-2' },
    { nowMs: nowMs + 2 * dayMs },
  );
  assert.equal(await grade(nowMs + 2 * dayMs - 1), 'D');
  assert.equal(await grade(nowMs + 2 * dayMs), 'A');
  assert.equal((await rebuild(t.context, { verify: true, nowMs: nowMs + 3 * dayMs })).differences, 0);
});

test('a repair decided at the last instant of its review deadline is on time; from the deadline on it is overdue', async () => {
  const other = '91110000600037341L';
  await submitRecords(
    t.context,
    [
      {
        agency: 'market-regulator',
        agencyRef: 'M-2',
        subject: other,
        code: 'market.food_safety_severe',
        effectiveAt: '2026-01-05T00:00:00Z',
        evidence: 'ruling 2',
      },
    ],
    { nowMs: listedAtMs },
  );
  const recordId = (await t.context.store.recordsOf(other))[0]?.id ?? 0;
  const nowMs = listedAtMs + 366 * dayMs;
  const applied = await apply(other, recordId, nowMs, { list: 'market-serious-dishonesty' });
  assert.ok(applied.ok);
  const due = applied.value.reviewDueAtMs;
  const overdue = (atMs: number) =>
    t.context.store
      .repairs({ status: 'open', dueBeforeMs: atMs, limit: 100 })
      .then((r) => r.some((x) => x.id === applied.value.id));
  assert.equal(await overdue(due - 1), false);
  assert.equal(await overdue(due), true);
  const decided = await decideRepair(
    t.context,
    { repairId: applied.value.id, outcome: 'approved', reasons: 'on the last day', reviewer: 'reviewer-1' },
    { nowMs: due - 1 },
  );
  assert.ok(decided.ok);
  assert.deepEqual(
    (await t.context.store.listMembers('market-serious-dishonesty', due - 1, 100)).filter((m) => m.subject === other),
    [],
  );
  assert.equal(await overdue(due), false, 'a decided application is not overdue');
});
