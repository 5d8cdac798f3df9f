/**
 * Route tests for objections: filing (201, 404, 409, 422 and the roles that may not), listing with the overdue
 * count, reading one, and deciding (the reviewer's own agency refused, an admin refused, an overturn that the
 * decision index reflects in the same request). One service with the harness's fixed clock; the court defaulter
 * it seeds was noticed at that instant, so its window and review deadline are known in advance. The tests run in
 * order and build on each other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileObjection } from '../../src/app/objections.ts';
import { submitRecords } from '../../src/app/records.ts';
import { createToken } from '../../src/app/tokens.ts';
import { decision } from '../../src/http/decisions/schema.ts';
import {
  assertError,
  call,
  fixedNow,
  fixedNowMs,
  forbiddenRoleMessage,
  ids,
  parseBody,
  startHarness,
  type Answer,
  type Call,
  type Harness,
  type Method,
} from './support.ts';

const dayMs = 86_400_000;
/** 15 days after the seed records were noticed (at the fixed clock). */
const windowClosesAt = '2026-12-07T00:00:00.000Z';
/**
 * No calendar is stored, so weekends only, Beijing time. The clock is Sunday 2026-11-22 08:00 there; working days
 * 11-23..11-27 (5), 11-30..12-04 (10), 12-07..12-11 (15): due when Friday 12-11 ends in Beijing.
 */
const reviewDueAt = '2026-12-11T16:00:00.000Z';
const grounds = 'the judgment was performed in full on 2026-02-20';

let h: Harness;
let defaulterRecordId: number;
/** A reviewer who works for the city court, which filed the defaulter's record. */
let courtReviewer: string;

before(async () => {
  h = await startHarness();
  const [record] = await h.service.context.store.recordsOf(ids.defaulter);
  assert.equal(record?.agencyRef, 'CC-1');
  defaulterRecordId = record.id;
  const created = await createToken(
    h.service.context,
    { role: 'reviewer', name: 'court-reviewer', scope: ['city-court'] },
    { nowMs: fixedNowMs, actor: 'admin' },
  );
  assert.ok(created.ok, JSON.stringify(created));
  courtReviewer = created.value.token;
  await h.service.tokens.refresh();
});
after(() => h.stop());

const send = (method: Method, url: string, options: Call = {}): Promise<Answer> => call(h.app, method, url, options);

const objectionsOf = (subject: string) => `/v1/subjects/${encodeURIComponent(subject)}/objections`;

async function travelOutcome(subject: string): Promise<string> {
  const answer = await send('GET', `/v1/decisions?subject=${encodeURIComponent(subject)}&action=travel.flight`, {
    token: h.tokens.servicePoint,
  });
  assert.equal(answer.status, 200, answer.text);
  return parseBody(answer, decision).outcome;
}

describe('objections over HTTP', () => {
  let objectionId: number;
  let filedJson: Record<string, unknown>;

  test('POST /v1/subjects/:subject/objections files one: 201 with the objection', async () => {
    const answer = await send('POST', objectionsOf(ids.defaulter), {
      token: h.tokens.reviewer,
      body: { recordId: defaulterRecordId, grounds },
    });
    assert.equal(answer.status, 201, answer.text);
    const body = answer.json as { id: number };
    assert.equal(typeof body.id, 'number');
    objectionId = body.id;
    filedJson = {
      id: objectionId,
      subject: ids.defaulter,
      recordId: defaulterRecordId,
      filedAt: fixedNow,
      filedBy: ids.defaulter,
      grounds,
      windowClosesAt,
      reviewDueAt,
      overdue: false,
      status: 'open',
    };
    assert.deepEqual(answer.json, filedJson);
  });

  test('a second open objection to the record: 409 objection_exists', async () => {
    const answer = await send('POST', objectionsOf(ids.defaulter), {
      token: h.tokens.admin,
      body: { recordId: defaulterRecordId, grounds: 'again' },
    });
    assertError(
      answer,
      409,
      'objection_exists',
      `record ${defaulterRecordId} already has an open objection`,
      'recordId',
    );
  });

  test('an unknown record: 404 record_not_found', async () => {
    const answer = await send('POST', objectionsOf(ids.defaulter), {
      token: h.tokens.reviewer,
      body: { recordId: 999_999, grounds },
    });
    assertError(answer, 404, 'record_not_found', 'the subject has no record 999999', 'recordId');
  });

  test('past the window: 422 objection_window_closed, naming the deadline and the notice', async () => {
    const noticedAtMs = fixedNowMs - 16 * dayMs;
    const seeded = await submitRecords(
      h.service.context,
      [
        {
          agencyRef: 'TP-OLD',
          subject: ids.clean,
          code: 'traffic.fine',
          effectiveAt: '2026-10-01T08:00:00Z',
          evidence: 'ticket TP-OLD',
          amount: 800,
        },
      ],
      { nowMs: noticedAtMs, agency: 'traffic-police' },
    );
    const [item] = seeded.results;
    assert.ok(item?.status === 'accepted', JSON.stringify(seeded));
    const answer = await send('POST', objectionsOf(ids.clean), {
      token: h.tokens.reviewer,
      body: { recordId: item.recordId, grounds },
    });
    assertError(
      answer,
      422,
      'objection_window_closed',
      `the window to object to record ${item.recordId} closed at 2026-11-21T00:00:00.000Z ` +
        '(15 days from the notice of 2026-11-06T00:00:00.000Z)',
      'recordId',
    );
  });

  test('a service point may not file: 403 forbidden_role', async () => {
    const answer = await send('POST', objectionsOf(ids.defaulter), {
      token: h.tokens.servicePoint,
      body: { recordId: defaulterRecordId, grounds },
    });
    assertError(
      answer,
      403,
      'forbidden_role',
      forbiddenRoleMessage('service-point', 'POST', '/v1/subjects/:subject/objections', [
        'reviewer',
        'admin',
        'subject',
      ]),
    );
  });

  test('GET /v1/objections lists by review deadline, the overdue flagged and counted', async () => {
    let answer = await send('GET', '/v1/objections', { token: h.tokens.reviewer });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { objections: [filedJson], overdue: 0 });

    // An objection filed 39 days ago (Wednesday 10-14, 08:00 in Beijing) to a record noticed 40 days ago: working
    // days 10-15..10-16 (2), 10-19..10-30 (12), 11-02..11-04 (15); due when Wednesday 11-04 ends in Beijing.
    const seeded = await submitRecords(
      h.service.context,
      [
        {
          agencyRef: 'TP-OVERDUE',
          subject: ids.clean2,
          code: 'traffic.fine',
          effectiveAt: '2026-10-01T08:00:00Z',
          evidence: 'ticket TP-OVERDUE',
          amount: 300,
        },
      ],
      { nowMs: fixedNowMs - 40 * dayMs, agency: 'traffic-police' },
    );
    const [item] = seeded.results;
    assert.ok(item?.status === 'accepted', JSON.stringify(seeded));
    const old = await fileObjection(
      h.service.context,
      { subject: ids.clean2, recordId: item.recordId, grounds: 'not my car' },
      { nowMs: fixedNowMs - 39 * dayMs, actor: 'reviewer-1' },
    );
    assert.ok(old.ok, JSON.stringify(old));
    const overdueJson = {
      id: old.value.id,
      subject: ids.clean2,
      recordId: item.recordId,
      filedAt: '2026-10-14T00:00:00.000Z',
      filedBy: ids.clean2,
      grounds: 'not my car',
      windowClosesAt: '2026-10-28T00:00:00.000Z',
      reviewDueAt: '2026-11-04T16:00:00.000Z',
      overdue: true,
      status: 'open',
    };

    answer = await send('GET', '/v1/objections', { token: h.tokens.admin });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { objections: [overdueJson, filedJson], overdue: 1 });
    answer = await send('GET', '/v1/objections?overdue=true', { token: h.tokens.reviewer });
    assert.deepEqual(answer.json, { objections: [overdueJson], overdue: 1 });
  });

  test('GET /v1/objections/:id: the objection, or 404 objection_not_found', async () => {
    const answer = await send('GET', `/v1/objections/${objectionId}`, { token: h.tokens.reviewer });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, filedJson);
    assertError(
      await send('GET', '/v1/objections/999999', { token: h.tokens.reviewer }),
      404,
      'objection_not_found',
      'no objection 999999',
    );
  });

  test('a reviewer of the agency that filed the record may not decide: 403 reviewer_conflict', async () => {
    const answer = await send('POST', `/v1/objections/${objectionId}/decision`, {
      token: courtReviewer,
      body: { outcome: 'overturned', reasons: 'performed' },
    });
    assertError(
      answer,
      403,
      'reviewer_conflict',
      'a reviewer of city-court may not decide an objection to a record city-court filed',
      'reviewer',
    );
    const still = await send('GET', `/v1/objections/${objectionId}`, { token: h.tokens.reviewer });
    assert.deepEqual(still.json, filedJson);
  });

  test('an admin may not decide: 403 forbidden_role', async () => {
    const answer = await send('POST', `/v1/objections/${objectionId}/decision`, {
      token: h.tokens.admin,
      body: { outcome: 'overturned', reasons: 'performed' },
    });
    assertError(
      answer,
      403,
      'forbidden_role',
      forbiddenRoleMessage('admin', 'POST', '/v1/objections/:id/decision', ['reviewer']),
    );
  });

  test('overturned by a reviewer: 200, and the next decision for the subject already allows', async () => {
    assert.equal(await travelOutcome(ids.defaulter), 'deny');
    const reasons = 'the court confirms the judgment was performed before the listing';
    const answer = await send('POST', `/v1/objections/${objectionId}/decision`, {
      token: h.tokens.reviewer,
      body: { outcome: 'overturned', reasons },
    });
    assert.equal(answer.status, 200, answer.text);
    const retraction = (await h.service.context.store.recordsOf(ids.defaulter)).find(
      (r) => r.retracts === defaulterRecordId,
    );
    assert.equal(retraction?.agencyRef, `credence:objection-${objectionId}`);
    const decidedJson = {
      ...filedJson,
      status: 'overturned',
      decidedAt: fixedNow,
      decidedBy: 'reviewer-1',
      decisionReasons: reasons,
      retractionRecordId: retraction.id,
    };
    assert.deepEqual(answer.json, decidedJson);
    assert.equal(await travelOutcome(ids.defaulter), 'allow');

    const read = await send('GET', `/v1/objections/${objectionId}`, { token: h.tokens.reviewer });
    assert.deepEqual(read.json, decidedJson);
  });

  test('deciding again: 409 objection_decided', async () => {
    const answer = await send('POST', `/v1/objections/${objectionId}/decision`, {
      token: h.tokens.spare,
      body: { outcome: 'upheld', reasons: 'second thoughts' },
    });
    assertError(answer, 409, 'objection_decided', `objection ${objectionId} was already decided (overturned)`, 'id');
  });
});
