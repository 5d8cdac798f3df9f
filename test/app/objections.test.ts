/**
 * Use-case tests for fileObjection and decideObjection, on a real SQLite store with the demo catalogs (every demo
 * scheme: a 15-day window, 15 working days to decide) and a stored calendar for Beijing (UTC+8) with one weekday
 * holiday. Every instant is given, never read from the clock, and every expected deadline is worked out by hand
 * from the calendar, not with addWorkingDays. Each test uses its own subjects, so the tests share one store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testKeys } from '../support/keys.ts';
import { findChainBreak, recordDigest, recordsListed } from '../../src/app/audit-chain.ts';
import { checkAction } from '../../src/app/decisions.ts';
import { decideObjection, fileObjection } from '../../src/app/objections.ts';
import { retractRecord, submitRecords } from '../../src/app/records.ts';
import { reasonLengthMax } from '../../src/core/constants.ts';
import { renderNotice } from '../../src/core/notices.ts';
import type { RecordFact, RecordInput } from '../../src/core/record.ts';
import type { Result } from '../../src/core/result.ts';
import type { Objection } from '../../src/store/ports.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';

const dayMs = 86_400_000;
/** Sunday 2026-11-22, 08:00 in Beijing: when most records below are submitted (and so noticed). */
const t0 = Date.parse('2026-11-22T00:00:00Z');
/** Long before t0: a window counted from the record's effective date would have closed months ago. */
const longAgo = '2026-03-01T00:00:00Z';
/** The one weekday holiday of the test calendar: Tuesday 2026-12-08. */
const holiday = '2026-12-08';

/** Resident IDs with valid check characters; none is a real person's. */
const people = {
  window: '110101198001010010',
  capped: '110101198001010029',
  reopened: '110101198001010117',
  retractedTwice: '110101198001010125',
  lifted: '110101198001010037',
  friday: '110101198001010045',
  thursday: '110101198001010053',
  retracted: '110101198001010061',
  defaulter: '11010119800101007X',
  upheld: '110101198001010088',
  stranger: '110101198001010096',
  formerRep: '110101198001010109',
  legalRep: '360426199101010071',
} as const;
const company = '91110108551385082Q';
const refusesTitle = 'Able to perform an effective judgment but refuses';

const court = (agencyRef: string, subject: string): RecordInput => ({
  agency: 'city-court',
  agencyRef,
  subject,
  code: 'court.defaulter.refuses',
  effectiveAt: longAgo,
  evidence: `(2026) 京01执${agencyRef}号`,
});

const volunteering = (agencyRef: string, subject: string, effectiveAt: string): RecordInput => ({
  agency: 'civil-affairs',
  agencyRef,
  subject,
  code: 'volunteer.service',
  effectiveAt,
  evidence: `service log ${agencyRef}`,
});

/** Ten volunteering records: the rule's cap (50 points in 365 days) is then used up. */
const tenVolunteerings = (prefix: string, subject: string): RecordInput[] =>
  Array.from({ length: 10 }, (_, i) =>
    volunteering(`${prefix}-${i + 1}`, subject, `2026-11-${String(10 + i).padStart(2, '0')}T00:00:00Z`),
  );

describe('objections', () => {
  let t: TestContext;
  before(async () => {
    t = await openTestContext();
    await t.context.store.transaction((tx) =>
      tx.putCalendars([
        { jurisdiction: '110000', utcOffsetMinutes: 480, holidays: ['2026-10-01', holiday], workingWeekendDays: [] },
      ]),
    );
  });
  after(() => t.close());

  /** Submits records at `nowMs` and returns them as stored, in order. */
  async function submit(inputs: readonly RecordInput[], nowMs: number): Promise<RecordFact[]> {
    const result = await submitRecords(t.context, inputs, { nowMs });
    const stored: RecordFact[] = [];
    for (const item of result.results) {
      assert.ok(item.status === 'accepted', JSON.stringify(result.results));
      const subject = inputs[stored.length]?.subject;
      assert.equal(typeof subject, 'string');
      const record = (await t.context.store.recordsOf(String(subject))).find((r) => r.id === item.recordId);
      assert.ok(record, `record ${item.recordId} is stored`);
      stored.push(record);
    }
    return stored;
  }

  async function submitOne(input: RecordInput, nowMs: number): Promise<RecordFact> {
    const [record] = await submit([input], nowMs);
    assert.ok(record);
    return record;
  }

  const file = (
    subject: string,
    recordId: number,
    nowMs: number,
    extra: { readonly grounds?: string; readonly filedBy?: string } = {},
  ): Promise<Result<Objection>> =>
    fileObjection(
      t.context,
      {
        subject,
        recordId,
        grounds: extra.grounds ?? 'the judgment was performed in full',
        ...(extra.filedBy === undefined ? {} : { filedBy: extra.filedBy }),
      },
      { nowMs, actor: 'staff-1' },
    );

  async function fileOk(subject: string, recordId: number, nowMs: number, filedBy?: string): Promise<Objection> {
    const filed = await file(subject, recordId, nowMs, filedBy === undefined ? {} : { filedBy });
    assert.ok(filed.ok, JSON.stringify(filed));
    return filed.value;
  }

  function assertProblem<T>(result: Result<T>, code: string, message: string, field?: string): void {
    assert.deepEqual(result, { ok: false, problem: { code, message, ...(field === undefined ? {} : { field }) } });
  }

  const windowClosed = (recordId: number, closesAtMs: number, toldAtMs: number) =>
    `the window to object to record ${recordId} closed at ${new Date(closesAtMs).toISOString()} ` +
    `(15 days from the notice of ${new Date(toldAtMs).toISOString()})`;

  async function noticesAbout(subject: string, recordId: number) {
    return (await t.context.store.noticesOf(subject, 1_000))
      .filter((n) => n.recordId === recordId)
      .map((n) => renderNotice(t.context.catalogs, n))
      .reverse();
  }

  async function travelOutcome(subject: string, atMs: number): Promise<string> {
    const made = await checkAction(
      t.context,
      { subject, action: 'travel.flight', atMs },
      { nowMs: atMs, actor: 'airport-desk' },
    );
    assert.ok(made.ok, JSON.stringify(made));
    return made.value.outcome;
  }

  async function isListed(subject: string, atMs: number): Promise<boolean> {
    const members = await t.context.store.listMembers('court-defaulters', atMs, 1_000);
    return members.some((m) => m.subject === subject);
  }

  const auditEvents = () => t.context.store.auditEvents(0, 1_000_000);

  describe('the window', () => {
    test('runs from the first notice of the record, not from its effective date: open until 1 ms before', async () => {
      const record = await submitOne(court('W-1', people.window), t0);
      const [first] = await noticesAbout(people.window, record.id);
      assert.equal(first?.createdAtMs, t0);
      const closesAtMs = t0 + 15 * dayMs;

      const late = await file(people.window, record.id, closesAtMs);
      assertProblem(late, 'objection_window_closed', windowClosed(record.id, closesAtMs, t0), 'recordId');
      assert.match(windowClosed(record.id, closesAtMs, t0), /closed at 2026-12-07T00:00:00\.000Z .* 2026-11-22T00/);
      assert.deepEqual(await t.context.store.objectionsOf(people.window), []);

      const inTime = await fileOk(people.window, record.id, closesAtMs - 1);
      assert.equal(inTime.windowClosesAtMs, closesAtMs);
      assert.equal(inTime.filedAtMs, closesAtMs - 1);
    });

    test('a record that brought no notice (capped to 0 points) counts from when it was recorded', async () => {
      await submit(tenVolunteerings('VC', people.capped), t0);
      const recordedAtMs = t0 + dayMs;
      const capped = await submitOne(volunteering('VC-11', people.capped, '2026-11-20T00:00:00Z'), recordedAtMs);
      const derivation = await t.context.store.derivation(people.capped);
      const entry = derivation?.entries.find((e) => e.recordId === capped.id);
      assert.equal(entry?.points, 0);
      assert.equal(entry?.capped, true);
      assert.deepEqual(await noticesAbout(people.capped, capped.id), []);
      const closesAtMs = recordedAtMs + 15 * dayMs;

      const late = await file(people.capped, capped.id, closesAtMs);
      assertProblem(late, 'objection_window_closed', windowClosed(capped.id, closesAtMs, recordedAtMs), 'recordId');
      const inTime = await fileOk(people.capped, capped.id, closesAtMs - 1);
      assert.equal(inTime.windowClosesAtMs, closesAtMs);
    });

    test('a record first noticed after it was recorded (its cap lifted by a retraction) counts from that notice', async () => {
      const [firstVolunteering] = await submit(tenVolunteerings('VL', people.lifted), t0);
      assert.ok(firstVolunteering);
      const capped = await submitOne(volunteering('VL-11', people.lifted, '2026-11-20T00:00:00Z'), t0);
      assert.deepEqual(await noticesAbout(people.lifted, capped.id), []);
      const retractedAtMs = t0 + 10 * dayMs;
      const retracted = await retractRecord(
        t.context,
        { agency: 'civil-affairs', agencyRef: 'VL-1-R', retractsRef: 'VL-1', reason: 'logged twice' },
        { nowMs: retractedAtMs },
      );
      assert.equal(retracted.status, 'retracted');
      const [told] = await noticesAbout(people.lifted, capped.id);
      assert.equal(told?.kind, 'points.changed');
      assert.equal(told.createdAtMs, retractedAtMs);
      const closesAtMs = retractedAtMs + 15 * dayMs;

      const late = await file(people.lifted, capped.id, closesAtMs);
      assertProblem(late, 'objection_window_closed', windowClosed(capped.id, closesAtMs, retractedAtMs), 'recordId');
      const inTime = await fileOk(people.lifted, capped.id, closesAtMs - 1);
      assert.equal(inTime.windowClosesAtMs, closesAtMs);
    });

    test('the notices of an objection do not reopen the window of a record that brought none', async () => {
      await submit(tenVolunteerings('VO', people.reopened), t0);
      const recordedAtMs = t0 + dayMs;
      const capped = await submitOne(volunteering('VO-11', people.reopened, '2026-11-21T00:00:00Z'), recordedAtMs);
      assert.deepEqual(await noticesAbout(people.reopened, capped.id), []);
      const first = await fileOk(people.reopened, capped.id, recordedAtMs + dayMs);
      const decided = await decideObjection(
        t.context,
        { objectionId: first.id, outcome: 'upheld', reasons: 'the service log is correct', reviewer: 'reviewer-1' },
        { nowMs: recordedAtMs + 2 * dayMs },
      );
      assert.ok(decided.ok, JSON.stringify(decided));
      // The record itself was never noticed: its window still closes 15 days after it was recorded.
      const closesAtMs = recordedAtMs + 15 * dayMs;
      const again = await file(people.reopened, capped.id, closesAtMs);
      assertProblem(again, 'objection_window_closed', windowClosed(capped.id, closesAtMs, recordedAtMs), 'recordId');
    });
  });

  describe('filing', () => {
    test('filed on a Friday: due at the end of the 15th working day, weekends and the holiday skipped', async () => {
      const record = await submitOne(court('F-1', people.friday), t0);
      // Friday 2026-11-27, 00:30 in Beijing (still Thursday in UTC).
      const filedAtMs = Date.parse('2026-11-26T16:30:00Z');
      // Working days from Monday 11-30: 11-30..12-04 (5), 12-07 (6), 12-08 is the holiday, 12-09..12-11 (9),
      // 12-14..12-18 (14), Monday 12-21 (15). Due when 12-21 ends in Beijing: 12-22 00:00 +08:00.
      const dueAtMs = Date.parse('2026-12-22T00:00:00+08:00');
      assert.equal(dueAtMs, Date.parse('2026-12-21T16:00:00Z'));

      const filed = await file(people.friday, record.id, filedAtMs, { grounds: '  paid in full on 2026-02-20  ' });
      assert.ok(filed.ok, JSON.stringify(filed));
      assert.deepEqual(filed.value, {
        id: filed.value.id,
        subject: people.friday,
        recordId: record.id,
        filedAtMs,
        filedBy: people.friday,
        grounds: 'paid in full on 2026-02-20',
        windowClosesAtMs: t0 + 15 * dayMs,
        reviewDueAtMs: dueAtMs,
        status: 'open',
      });
      assert.deepEqual(await t.context.store.objection(filed.value.id), filed.value);

      const notice = (await noticesAbout(people.friday, record.id)).find((n) => n.kind === 'objection.filed');
      assert.ok(notice, 'an objection.filed notice');
      assert.equal(notice.createdAtMs, filedAtMs);
      assert.equal(notice.adverse, false);
      assert.equal(notice.scheme, 'court-defaulters');
      assert.deepEqual(notice.details, { objection: filed.value.id, reviewDue: dueAtMs });
      assert.equal(
        notice.text.en,
        `Your objection ${filed.value.id} to record ${record.id} (${refusesTitle}) was received and will be ` +
          'decided by 2026-12-21; until then the record is marked disputed.',
      );

      const event = (await auditEvents()).find(
        (e) => e.kind === 'objection.filed' && e.payload.objectionId === filed.value.id,
      );
      assert.ok(event, 'an objection.filed audit event');
      assert.equal(event.atMs, filedAtMs);
      assert.equal(event.actor, 'staff-1');
      assert.equal(event.subject, testKeys.lookup(people.friday), 'the log names the subject by its lookup token');
      assert.deepEqual(event.payload, {
        objectionId: filed.value.id,
        recordId: record.id,
        filedBy: testKeys.lookup(people.friday),
        reviewDueAtMs: dueAtMs,
      });
    });

    test('filed 1 ms before midnight on a Thursday in Beijing: due one working day earlier', async () => {
      const record = await submitOne(court('F-2', people.thursday), t0);
      // Thursday 2026-11-26, 23:59:59.999 in Beijing. Working days from Friday 11-27: 11-27 (1), 11-30..12-04 (6),
      // 12-07 (7), 12-09..12-11 (10), 12-14..12-18 (15). Due when Friday 12-18 ends in Beijing.
      const filed = await fileOk(people.thursday, record.id, Date.parse('2026-11-26T15:59:59.999Z'));
      assert.equal(filed.reviewDueAtMs, Date.parse('2026-12-19T00:00:00+08:00'));
    });

    test('an open objection is overdue exactly from its review deadline, not 1 ms before', async () => {
      const [filed] = await t.context.store.objectionsOf(people.friday);
      assert.ok(filed);
      const overdueIds = async (nowMs: number) =>
        (await t.context.store.objections({ status: 'open', dueBeforeMs: nowMs, limit: 1_000 })).map((o) => o.id);
      assert.equal((await overdueIds(filed.reviewDueAtMs - 1)).includes(filed.id), false);
      assert.equal((await overdueIds(filed.reviewDueAtMs)).includes(filed.id), true);
      assert.equal((await overdueIds(filed.reviewDueAtMs + dayMs)).includes(filed.id), true);
    });

    test('one open objection per record', async () => {
      const [open] = await t.context.store.objectionsOf(people.window);
      assert.ok(open);
      const again = await file(people.window, open.recordId, t0 + dayMs);
      assertProblem(again, 'objection_exists', `record ${open.recordId} already has an open objection`, 'recordId');
      assert.equal((await t.context.store.objectionsOf(people.window)).length, 1);
    });

    test('a retraction and a retracted record are not objectable', async () => {
      const original = await submitOne(
        {
          agency: 'traffic-police',
          agencyRef: 'TP-R1',
          subject: people.retracted,
          code: 'traffic.fine',
          effectiveAt: '2026-11-01T08:00:00Z',
          evidence: 'ticket TP-R1',
          amount: 800,
        },
        t0,
      );
      const retracted = await retractRecord(
        t.context,
        { agency: 'traffic-police', agencyRef: 'TP-R1-X', retractsRef: 'TP-R1', reason: 'issued in error' },
        { nowMs: t0 + dayMs },
      );
      assert.ok(retracted.status === 'retracted', JSON.stringify(retracted));
      assertProblem(
        await file(people.retracted, retracted.recordId, t0 + 2 * dayMs),
        'not_objectable',
        `record ${retracted.recordId} is a retraction`,
        'recordId',
      );
      assertProblem(
        await file(people.retracted, original.id, t0 + 2 * dayMs),
        'not_objectable',
        `record ${original.id} was retracted`,
        'recordId',
      );
      assert.deepEqual(await t.context.store.objectionsOf(people.retracted), []);
    });

    test('an unknown record, or another subject’s record, is not found', async () => {
      assertProblem(
        await file(people.window, 999_999, t0 + dayMs),
        'record_not_found',
        'the subject has no record 999999',
        'recordId',
      );
      const [others] = await t.context.store.recordsOf(people.friday);
      assert.ok(others);
      assertProblem(
        await file(people.stranger, others.id, t0 + dayMs),
        'record_not_found',
        `the subject has no record ${others.id}`,
        'recordId',
      );
    });

    test('grounds are required and bounded', async () => {
      const [record] = await t.context.store.recordsOf(people.thursday);
      assert.ok(record);
      const message = `grounds are required, at most ${reasonLengthMax} characters`;
      assertProblem(
        await file(people.thursday, record.id, t0, { grounds: '   ' }),
        'invalid_grounds',
        message,
        'grounds',
      );
      assertProblem(
        await file(people.thursday, record.id, t0, { grounds: 'x'.repeat(reasonLengthMax + 1) }),
        'invalid_grounds',
        message,
        'grounds',
      );
    });

    test('an organisation’s recorded legal representative files for it; anyone else is refused', async () => {
      const fromMs = Date.parse('2024-01-01T00:00:00Z');
      await t.context.store.transaction(async (tx) => {
        await tx.putSubjects(
          [people.legalRep, people.formerRep, people.stranger].map((key) => ({
            key,
            scheme: 'resident_id' as const,
            kind: 'person' as const,
            region: key.slice(0, 6),
          })),
        );
        await tx.putRelations([
          { organisation: company, person: people.legalRep, role: 'legal_representative', fromMs },
          {
            organisation: company,
            person: people.formerRep,
            role: 'legal_representative',
            fromMs,
            untilMs: Date.parse('2026-01-01T00:00:00Z'),
          },
        ]);
      });
      const record = await submitOne(
        {
          agency: 'market-regulator',
          agencyRef: 'MR-O1',
          subject: company,
          code: 'market.licence_revoked',
          effectiveAt: '2026-05-01T00:00:00Z',
          evidence: '京市监罚〔2026〕9号',
        },
        t0,
      );
      for (const person of [people.stranger, people.formerRep]) {
        assertProblem(
          await file(company, record.id, t0 + dayMs, { filedBy: person }),
          'not_a_representative',
          'the filer is not recorded as a legal representative or responsible manager of this organisation',
          'filedBy',
        );
      }
      assert.deepEqual(await t.context.store.objectionsOf(company), []);

      const filed = await fileOk(company, record.id, t0 + dayMs, people.legalRep);
      assert.equal(filed.subject, company);
      assert.equal(filed.filedBy, people.legalRep);
      const event = (await auditEvents()).find(
        (e) => e.kind === 'objection.filed' && e.payload.objectionId === filed.id,
      );
      assert.equal(event?.subject, testKeys.lookup(company));
      assert.equal(event.payload.filedBy, testKeys.lookup(people.legalRep));
    });
  });

  describe('deciding', () => {
    let record: RecordFact;
    let filed: Objection;
    const filedAtMs = t0 + dayMs;
    const decidedAtMs = t0 + 2 * dayMs;
    const reasons = 'the court confirms the judgment was performed before the listing';

    before(async () => {
      record = await submitOne(court('D-1', people.defaulter), t0);
      filed = await fileOk(people.defaulter, record.id, filedAtMs);
    });

    test('a reviewer of the agency that filed the record may not decide; nothing changes', async () => {
      const [records, events, notices] = [
        await t.context.store.recordsOf(people.defaulter),
        await auditEvents(),
        await t.context.store.noticesOf(people.defaulter, 1_000),
      ];
      const refused = await decideObjection(
        t.context,
        {
          objectionId: filed.id,
          outcome: 'overturned',
          reasons,
          reviewer: 'court-reviewer',
          reviewerAgency: 'city-court',
        },
        { nowMs: decidedAtMs },
      );
      assertProblem(
        refused,
        'reviewer_conflict',
        'a reviewer of city-court may not decide an objection to a record city-court filed',
        'reviewer',
      );
      assert.deepEqual(await t.context.store.objection(filed.id), filed);
      assert.deepEqual(await t.context.store.recordsOf(people.defaulter), records);
      assert.deepEqual(await auditEvents(), events);
      assert.deepEqual(await t.context.store.noticesOf(people.defaulter, 1_000), notices);
      assert.equal(await isListed(people.defaulter, decidedAtMs), true);
    });

    test('reasons are required; an unknown objection is not found', async () => {
      const decide = (objectionId: number, why: string) =>
        decideObjection(
          t.context,
          { objectionId, outcome: 'overturned', reasons: why, reviewer: 'reviewer-1' },
          { nowMs: decidedAtMs },
        );
      assertProblem(
        await decide(filed.id, '  '),
        'invalid_reasons',
        `reasons are required, at most ${reasonLengthMax} characters`,
        'reasons',
      );
      assertProblem(await decide(999_999, reasons), 'objection_not_found', 'no objection 999999', 'id');
      assert.deepEqual(await t.context.store.objection(filed.id), filed);
    });

    test('upheld: the record, the listing and the decision stand; a new objection may then be filed', async () => {
      const upheldRecord = await submitOne(court('U-1', people.upheld), t0);
      const objection = await fileOk(people.upheld, upheldRecord.id, filedAtMs);
      const [records, derivation] = [
        await t.context.store.recordsOf(people.upheld),
        await t.context.store.derivation(people.upheld),
      ];
      assert.equal(await travelOutcome(people.upheld, decidedAtMs), 'deny');

      const decided = await decideObjection(
        t.context,
        {
          objectionId: objection.id,
          outcome: 'upheld',
          reasons: 'no payment was made',
          reviewer: 'reviewer-1',
          reviewerAgency: 'market-regulator',
        },
        { nowMs: decidedAtMs },
      );
      const expected: Objection = {
        ...objection,
        status: 'upheld',
        decidedAtMs,
        decidedBy: 'reviewer-1',
        decisionReasons: 'no payment was made',
      };
      assert.deepEqual(decided, { ok: true, value: expected });
      assert.deepEqual(await t.context.store.objection(objection.id), expected);
      assert.deepEqual(await t.context.store.recordsOf(people.upheld), records);
      assert.deepEqual(await t.context.store.derivation(people.upheld), derivation);
      assert.equal(await isListed(people.upheld, decidedAtMs), true);
      assert.equal(await travelOutcome(people.upheld, decidedAtMs), 'deny');

      const notices = await noticesAbout(people.upheld, upheldRecord.id);
      assert.deepEqual(
        notices.filter((n) => n.createdAtMs === decidedAtMs).map((n) => [n.kind, n.details]),
        [['objection.decided', { objection: objection.id, outcome: 'upheld', reasons: 'no payment was made' }]],
      );
      const events = (await auditEvents()).filter(
        (e) => e.subject === testKeys.lookup(people.upheld) && e.atMs === decidedAtMs && e.kind !== 'decision.made',
      );
      assert.deepEqual(
        events.map((e) => [e.kind, e.actor, e.payload]),
        [
          [
            'objection.decided',
            'reviewer-1',
            { objectionId: objection.id, recordId: upheldRecord.id, outcome: 'upheld' },
          ],
        ],
      );

      const again = await fileOk(people.upheld, upheldRecord.id, decidedAtMs + dayMs);
      assert.notEqual(again.id, objection.id);
      assert.equal(again.status, 'open');
    });

    test('overturned: the record is retracted and its listing and measures end at once', async () => {
      assert.equal(await isListed(people.defaulter, decidedAtMs), true);
      assert.equal(await travelOutcome(people.defaulter, decidedAtMs), 'deny');

      const decided = await decideObjection(
        t.context,
        {
          objectionId: filed.id,
          outcome: 'overturned',
          reasons: `  ${reasons} `,
          reviewer: 'reviewer-1',
          reviewerAgency: 'market-regulator',
        },
        { nowMs: decidedAtMs },
      );
      assert.ok(decided.ok, JSON.stringify(decided));
      const retraction = (await t.context.store.recordsOf(people.defaulter)).find((r) => r.retracts === record.id);
      assert.ok(retraction, 'a retraction record');
      assert.deepEqual(decided.value, {
        ...filed,
        status: 'overturned',
        decidedAtMs,
        decidedBy: 'reviewer-1',
        decisionReasons: reasons,
        retractionRecordId: retraction.id,
      });
      assert.deepEqual(await t.context.store.objection(filed.id), decided.value);
      assert.equal(retraction.agency, 'city-court');
      assert.equal(retraction.agencyRef, `credence:objection-${filed.id}`);
      assert.equal(retraction.code, record.code);
      assert.equal(retraction.recordedAtMs, decidedAtMs);
      assert.equal(retraction.evidence, `objection ${filed.id} overturned: ${reasons}`);

      const derivation = await t.context.store.derivation(people.defaulter);
      assert.deepEqual(derivation?.listings, []);
      assert.equal(await isListed(people.defaulter, decidedAtMs), false);
      assert.equal(await travelOutcome(people.defaulter, decidedAtMs), 'allow');
    });

    test('every step was notified and audited, on an unbroken chain', async () => {
      const notices = await noticesAbout(people.defaulter, record.id);
      const steps = notices
        .filter((n) => n.kind.startsWith('objection.') || n.kind === 'listing.withdrawn')
        .map((n) => ({ kind: n.kind, at: n.createdAtMs, objection: n.details.objection, list: n.details.list }));
      assert.deepEqual(steps, [
        { kind: 'objection.filed', at: filedAtMs, objection: filed.id, list: undefined },
        { kind: 'listing.withdrawn', at: decidedAtMs, objection: undefined, list: 'court-defaulters' },
        { kind: 'objection.decided', at: decidedAtMs, objection: filed.id, list: undefined },
      ]);
      const decidedNotice = notices.find((n) => n.kind === 'objection.decided');
      assert.deepEqual(decidedNotice?.details, { objection: filed.id, outcome: 'overturned', reasons });
      assert.equal(
        decidedNotice.text.en,
        `Your objection ${filed.id} to record ${record.id} (${refusesTitle}) is upheld in your favour: the record ` +
          'is retracted and every score, grade, listing and measure that depended on it is recomputed. ' +
          `Reasons: ${reasons}`,
      );

      const all = await auditEvents();
      assert.equal(findChainBreak(undefined, all), undefined);
      const retractionId = (await t.context.store.objection(filed.id))?.retractionRecordId;
      assert.equal(typeof retractionId, 'number');
      const retraction = (await t.context.store.recordsOf(people.defaulter)).find((r) => r.id === retractionId);
      assert.ok(retraction);
      const events = all
        .filter((e) => e.subject === testKeys.lookup(people.defaulter) && e.kind !== 'decision.made')
        .map((e) => [e.kind, e.atMs, e.actor, e.payload]);
      // The record itself was audited with its batch (records.accepted names records, not subjects).
      const accepted = all.find(
        (e) => e.kind === 'records.accepted' && recordsListed(e.payload).some(({ id }) => id === record.id),
      );
      assert.deepEqual(
        [accepted?.atMs, accepted?.actor, recordsListed(accepted?.payload ?? {}).find(({ id }) => id === record.id)],
        [t0, 'city-court', { id: record.id, tag: recordDigest(record).slice(0, 16) }],
      );
      assert.deepEqual(events, [
        [
          'objection.filed',
          filedAtMs,
          'staff-1',
          {
            objectionId: filed.id,
            recordId: record.id,
            filedBy: testKeys.lookup(people.defaulter),
            reviewDueAtMs: filed.reviewDueAtMs,
          },
        ],
        [
          'record.retracted',
          decidedAtMs,
          'reviewer-1',
          {
            recordId: retractionId,
            retracts: record.id,
            agencyRef: `credence:objection-${filed.id}`,
            recordDigest: recordDigest(retraction),
          },
        ],
        [
          'objection.decided',
          decidedAtMs,
          'reviewer-1',
          { objectionId: filed.id, recordId: record.id, outcome: 'overturned', retractionRecordId: retractionId },
        ],
      ]);
    });

    test('overturning an objection to a record its agency retracted meanwhile does not retract it twice', async () => {
      const twice = await submitOne(court('T-1', people.retractedTwice), t0);
      const objection = await fileOk(people.retractedTwice, twice.id, filedAtMs);
      const retracted = await retractRecord(
        t.context,
        { agency: 'city-court', agencyRef: 'T-1-R', retractsRef: 'T-1', reason: 'listed in error' },
        { nowMs: filedAtMs + 1 },
      );
      assert.equal(retracted.status, 'retracted');
      await decideObjection(
        t.context,
        { objectionId: objection.id, outcome: 'overturned', reasons, reviewer: 'reviewer-1' },
        { nowMs: decidedAtMs },
      );
      // Whatever the decision says, a record is retracted at most once (retractRecord refuses already_retracted).
      const retractions = (await t.context.store.recordsOf(people.retractedTwice)).filter(
        (r) => r.retracts === twice.id,
      );
      assert.deepEqual(
        retractions.map((r) => r.agencyRef),
        ['T-1-R'],
      );
    });

    test('a decided objection is not decided again; the overturned record is no longer objectable', async () => {
      const decided = await t.context.store.objection(filed.id);
      const again = await decideObjection(
        t.context,
        { objectionId: filed.id, outcome: 'upheld', reasons: 'second thoughts', reviewer: 'reviewer-2' },
        { nowMs: decidedAtMs + dayMs },
      );
      assertProblem(again, 'objection_decided', `objection ${filed.id} was already decided (overturned)`, 'id');
      assert.deepEqual(await t.context.store.objection(filed.id), decided);
      assertProblem(
        await file(people.defaulter, record.id, decidedAtMs + dayMs),
        'not_objectable',
        `record ${record.id} was retracted`,
        'recordId',
      );
    });
  });
});
