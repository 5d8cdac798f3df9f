/**
 * What the portal's records and objections pages read: the explanation with each record's rule versions, effects,
 * objection deadline and repair policies; the subject's own objections and repair applications
 * (GET /v1/subjects/{subject}/objections, /repairs); and the refusals a subject meets when filing (window closed,
 * one already open). The harness's records were noticed at its fixed clock, so their 15-day windows close on
 * 2026-12-07; one record added here was noticed 30 days earlier, so its window has closed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { submitRecords } from '../../src/app/records.ts';
import { call, fixedNow, fixedNowMs, ids, startHarness, type Harness } from './support.ts';

const dayMs = 86_400_000;
const windowClosesAt = '2026-12-07T00:00:00.000Z';

interface ExplainedRecord {
  id: number;
  agencyRef: string;
  code: string;
  evidence: string;
  effectiveAt: string;
  disputed: boolean;
  objectable: boolean;
  objectionDeadline?: string;
  rules: { scheme: string; version: number; code: string; title: { en: string }; legalBasis: string }[];
  entries: { scheme: string; points: number; pointsRule: number; multiplier: number; until: string }[];
  grades: { scheme: string; grade: string; until: string }[];
  listings: { list: string; end: string; untilDelisted: boolean }[];
  repairs: {
    scheme: string;
    list?: string;
    grade?: string;
    minimumDays: number;
    conditions: string[];
    applicableFrom: string;
  }[];
}

let h: Harness;
let own: string;

before(async () => {
  h = await startHarness();
  const created = await call(h.app, 'POST', '/v1/tokens', {
    token: h.tokens.admin,
    body: { role: 'subject', name: ids.fined, scope: [] },
  });
  own = (created.json as { token: string }).token;
  // A second fine for the same person, noticed 30 days before now: its window has closed.
  const old = await submitRecords(
    h.service.context,
    [
      {
        agencyRef: 'TP-OLD',
        subject: ids.fined,
        code: 'traffic.fine',
        effectiveAt: '2026-10-01T08:00:00Z',
        evidence: 'ticket TP-OLD',
        amount: 300,
      },
    ],
    { nowMs: fixedNowMs - 30 * dayMs, agency: 'traffic-police' },
  );
  assert.equal(old.accepted, 1);
});
after(() => h.stop());

const explained = async (subject: string, token: string) => {
  const answer = await call(h.app, 'GET', `/v1/subjects/${subject}/explanation`, { token });
  assert.equal(answer.status, 200, answer.text);
  return (answer.json as { records: ExplainedRecord[] }).records;
};

describe('the explanation, record by record', () => {
  test('a court record: the rules that judged it, its listing and direct grade, the deadline and the repair policy', async () => {
    const records = await explained(ids.defaulter, h.tokens.reviewer);
    const court = records.find((r) => r.agencyRef === 'CC-1');
    assert.ok(court);
    assert.deepEqual(
      court.rules.map((r) => [r.scheme, r.version, r.code]),
      [
        ['court-defaulters', 1, 'court.defaulter.refuses'],
        ['rongcheng-residents', 1, 'court.defaulter.refuses'],
      ],
    );
    assert.equal(court.rules[0]?.legalBasis, '法释〔2017〕7号 第一条第（一）项');
    assert.equal(court.rules[0]?.title.en, 'Able to perform an effective judgment but refuses');
    assert.deepEqual(
      court.listings.map((l) => [l.list, l.untilDelisted, l.end]),
      [['court-defaulters', true, '2031-02-28T00:00:00.000Z']],
    );
    assert.deepEqual(
      court.grades.map((g) => [g.scheme, g.grade, g.until]),
      [['rongcheng-residents', 'D', '2031-02-28T00:00:00.000Z']],
    );
    assert.deepEqual(court.entries, []);
    assert.equal(court.objectionDeadline, windowClosesAt);
    assert.equal(court.objectable, true);
    assert.equal(court.disputed, false);
    // The D grade may be repaired after a year; the court's list ends on performance, with no application.
    assert.deepEqual(court.repairs, [
      {
        scheme: 'rongcheng-residents',
        version: 1,
        grade: 'D',
        minimumDays: 365,
        conditions: ['obligation_performed', 'commitment_signed'],
        reviewWorkingDays: 10,
        applicableFrom: '2027-03-01T00:00:00.000Z',
      },
    ]);
  });

  test('a fine: its points as counted, with the rule’s points and the repeat multiplier; an old one is past its window', async () => {
    const records = await explained(ids.fined, own);
    const fine = records.find((r) => r.agencyRef === 'TP-1');
    const older = records.find((r) => r.agencyRef === 'TP-OLD');
    assert.ok(fine && older);
    // The fine of 2026-09-01 (800: -20) counts as it is; the one of 2026-10-01 (300: -10), recorded earlier but
    // effective later, is a repeat within validity and counts double.
    assert.deepEqual(
      fine.entries.map((e) => [e.scheme, e.points, e.pointsRule, e.multiplier]),
      [['rongcheng-residents', -20, -20, 1]],
    );
    assert.deepEqual(
      older.entries.map((e) => [e.scheme, e.points, e.pointsRule, e.multiplier]),
      [['rongcheng-residents', -20, -10, 2]],
    );
    assert.equal(fine.objectionDeadline, windowClosesAt);
    assert.equal(fine.objectable, true);
    assert.equal(older.objectionDeadline, new Date(fixedNowMs - 15 * dayMs).toISOString());
    assert.equal(older.objectable, false);
    assert.deepEqual(fine.repairs, []);
  });
});

describe('the subject’s objections and repair applications', () => {
  test('an objection past the window is refused naming the deadline; one in time is listed open with its deadline', async () => {
    const records = await explained(ids.fined, own);
    const fine = records.find((r) => r.agencyRef === 'TP-1');
    const older = records.find((r) => r.agencyRef === 'TP-OLD');
    assert.ok(fine && older);
    const late = await call(h.app, 'POST', `/v1/subjects/${ids.fined}/objections`, {
      token: own,
      body: { recordId: older.id, grounds: 'I was not driving' },
    });
    assert.equal(late.status, 422);
    const error = (late.json as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'objection_window_closed');
    assert.ok(error.message.includes(new Date(fixedNowMs - 15 * dayMs).toISOString()), error.message);

    assert.deepEqual((await call(h.app, 'GET', `/v1/subjects/${ids.fined}/objections`, { token: own })).json, {
      objections: [],
    });
    const filed = await call(h.app, 'POST', `/v1/subjects/${ids.fined}/objections`, {
      token: own,
      body: { recordId: fine.id, grounds: 'the camera read another plate' },
    });
    assert.equal(filed.status, 201, filed.text);
    const listed = await call(h.app, 'GET', `/v1/subjects/${ids.fined}/objections`, { token: own });
    const objections = (listed.json as { objections: Record<string, unknown>[] }).objections;
    assert.equal(objections.length, 1);
    assert.deepEqual(
      { ...objections[0], id: undefined },
      {
        id: undefined,
        subject: ids.fined,
        recordId: fine.id,
        filedAt: fixedNow,
        filedBy: ids.fined,
        grounds: 'the camera read another plate',
        windowClosesAt,
        reviewDueAt: '2026-12-11T16:00:00.000Z',
        overdue: false,
        status: 'open',
      },
    );
    const again = await call(h.app, 'POST', `/v1/subjects/${ids.fined}/objections`, {
      token: own,
      body: { recordId: fine.id, grounds: 'again' },
    });
    assert.equal(again.status, 409);
    assert.equal((again.json as { error: { code: string } }).error.code, 'objection_exists');
    const after = (await explained(ids.fined, own)).find((r) => r.id === fine.id);
    assert.deepEqual(
      { disputed: after?.disputed, objectable: after?.objectable },
      { disputed: true, objectable: false },
    );
  });

  test('repair applications are listed with status and deadline; a decided one with its reasons', async () => {
    assert.deepEqual(
      (await call(h.app, 'GET', `/v1/subjects/${ids.defaulter}/repairs`, { token: h.tokens.reviewer })).json,
      { repairs: [] },
    );
    const record = (await h.service.context.store.recordsOf(ids.defaulter)).find((r) => r.agencyRef === 'CC-1');
    assert.ok(record);
    const early = await call(h.app, 'POST', `/v1/subjects/${ids.defaulter}/repairs`, {
      token: h.tokens.reviewer,
      body: { recordId: record.id, conditions: ['obligation_performed', 'commitment_signed'], statement: 'paid' },
    });
    assert.equal((early.json as { error: { code: string } }).error.code, 'repair_too_early');
    // One application as the store holds it after a reviewer refused it (the minimum period has not run here).
    await h.service.context.store.transaction(async (tx) => {
      const stored = await tx.insertRepair({
        subject: ids.defaulter,
        recordId: record.id,
        appliedAtMs: fixedNowMs - 20 * dayMs,
        conditions: ['obligation_performed', 'commitment_signed'],
        statement: 'paid in full',
        reviewDueAtMs: fixedNowMs - 6 * dayMs,
        status: 'open',
      });
      await tx.updateRepair({
        ...stored,
        status: 'refused',
        decidedAtMs: fixedNowMs - 7 * dayMs,
        decidedBy: 'reviewer-1',
        decisionReasons: 'the court has no record of payment',
      });
    });
    const listed = await call(h.app, 'GET', `/v1/subjects/${ids.defaulter}/repairs`, { token: h.tokens.reviewer });
    const repairs = (listed.json as { repairs: Record<string, unknown>[] }).repairs;
    assert.deepEqual(
      repairs.map((r) => [r.recordId, r.status, r.reviewDueAt, r.overdue, r.decisionReasons]),
      [
        [
          record.id,
          'refused',
          new Date(fixedNowMs - 6 * dayMs).toISOString(),
          false,
          'the court has no record of payment',
        ],
      ],
    );
    const otherSubject = await call(h.app, 'GET', `/v1/subjects/${ids.defaulter}/repairs`, { token: own });
    assert.equal((otherSubject.json as { error: { code: string } }).error.code, 'not_your_data');
  });
});
