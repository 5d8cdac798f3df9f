/**
 * Route tests: every route's happy path and its 400/401/403/404/409/415/422 paths, through Fastify's `inject` on
 * a real SQLite store with the demo catalogs. Every refusal is checked for its status, its stable code, its message
 * and the field it names. The last tests hold the OpenAPI document to the routes the server registered and to the
 * statuses the routes were seen to answer. The tests share one service and run in order: later ones (the audit
 * log, the OpenAPI status check) read what earlier ones wrote.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { findChainBreak, recordsListed } from '../../src/app/audit-chain.ts';
import type { AuditEvent } from '../../src/store/ports.ts';
import { batchResult, decision } from '../../src/http/decisions/schema.ts';
import { listResult, retractResult, submitResult } from '../../src/http/records/schema.ts';
import { testKeys } from '../support/keys.ts';
import { demoCatalogInputs } from '../support/demo-catalogs.ts';
import {
  assertError,
  call,
  fixedNow,
  forbiddenRoleMessage,
  ids,
  messages,
  parseBody,
  requestLineOf,
  startHarness,
  type Answer,
  type Call,
  type Harness,
  type Method,
} from './support.ts';

let h: Harness;
/** Statuses each route was seen to answer, by `method /openapi/{path}`: checked against the OpenAPI document. */
const observed = new Map<string, Set<number>>();

before(async () => {
  h = await startHarness();
});
after(() => h.stop());

/** A request; its answer's status is noted against the route pattern the server logged for it. */
async function send(method: Method, url: string, options: Call = {}): Promise<Answer> {
  const answer = await call(h.app, method, url, options);
  const route = requestLineOf(h.lines, answer).route ?? 'unmatched';
  if (route !== 'unmatched') {
    const key = `${method.toLowerCase()} ${route.replace(/:(\w+)/g, '{$1}')}`;
    const statuses = observed.get(key) ?? new Set<number>();
    statuses.add(answer.status);
    observed.set(key, statuses);
  }
  return answer;
}

const decide = (subject: string, action: string, token = h.tokens.servicePoint) =>
  send('GET', `/v1/decisions?subject=${encodeURIComponent(subject)}&action=${encodeURIComponent(action)}`, {
    token,
  });

async function outcomeOf(subject: string, action: string): Promise<string> {
  const answer = await decide(subject, action);
  assert.equal(answer.status, 200, answer.text);
  return parseBody(answer, decision).outcome;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A mistyped resident ID: the defaulter's first 17 digits with a wrong check character. */
const badResidentId = '110105194912310021';
const badResidentIdMessage = 'check character is 1 but the first 17 digits call for X';

/** A traffic fine (traffic-police), valid at the fixed clock. */
const fine = (agencyRef: string, overrides: Record<string, unknown> = {}) => ({
  agencyRef,
  subject: ids.clean2,
  code: 'traffic.fine',
  effectiveAt: '2026-10-01T08:00:00Z',
  evidence: `ticket ${agencyRef}`,
  amount: 300,
  ...overrides,
});

const submit = (records: unknown[], token = h.tokens.trafficPolice) =>
  send('POST', '/v1/records', { token, body: { records } });

async function ownRecords(token: string) {
  const answer = await send('GET', '/v1/records?limit=1000', { token });
  assert.equal(answer.status, 200, answer.text);
  return parseBody(answer, listResult).records;
}

describe('GET /v1/decisions', () => {
  test('denies a court defaulter a flight, with the listing, rule, legal basis and end as the reason', async () => {
    const answer = await decide(ids.defaulter, 'travel.flight');
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(answer, decision);
    assert.match(body.decisionId, uuid);
    assert.equal(body.subject, ids.defaulter);
    assert.equal(body.action, 'travel.flight');
    assert.equal(body.at, fixedNow);
    assert.equal(body.outcome, 'deny');
    assert.equal(body.reasons.length, 1);
    const [reason] = body.reasons;
    assert.equal(reason?.measure, 'high-consumption-restrictions');
    assert.equal(reason.kind, 'sanction');
    assert.equal(reason.scheme, 'court-defaulters');
    assert.equal(reason.version, 1);
    assert.match(reason.legalBasis, /法释〔2015〕17号/);
    assert.equal(reason.until, '2031-02-28T00:00:00.000Z');
    assert.equal(reason.via, undefined);
    assert.ok('list' in reason.because);
    assert.equal(reason.because.list, 'court-defaulters');
    assert.equal(reason.because.code, 'court.defaulter.refuses');
    assert.equal(reason.because.ruleVersion, 1);
    assert.equal(reason.because.untilDelisted, true);
    assert.ok(body.catalogVersions.some((v) => v.scheme === 'court-defaulters' && v.version === 1));
  });

  test('each decision has its own id', async () => {
    const a = parseBody(await decide(ids.defaulter, 'travel.flight'), decision);
    const b = parseBody(await decide(ids.defaulter, 'travel.flight'), decision);
    assert.notEqual(a.decisionId, b.decisionId);
  });

  test('allows a subject with nothing recorded, with no reasons', async () => {
    for (const subject of [ids.clean, ids.cleanPassport, ids.cleanCompany, ids.fined]) {
      const answer = await decide(subject, 'travel.flight');
      assert.equal(answer.status, 200, answer.text);
      const body = parseBody(answer, decision);
      assert.equal(body.outcome, 'allow', subject);
      assert.deepEqual(body.reasons, []);
    }
  });

  test('denies a listed company’s legal representative a bid, via the organisation; not a flight', async () => {
    const answer = await decide(ids.legalRep, 'procurement.bid');
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(answer, decision);
    assert.equal(body.outcome, 'deny');
    const [reason] = body.reasons;
    assert.equal(reason?.measure, 'market-joint-sanctions');
    assert.deepEqual(reason.via, { organisation: ids.company, role: 'legal_representative' });
    assert.ok('list' in reason.because);
    assert.equal(reason.because.list, 'market-serious-dishonesty');
    assert.equal(reason.because.code, 'market.licence_revoked');
    assert.equal(reason.until, '2029-04-30T00:00:00.000Z');
    assert.equal(await outcomeOf(ids.legalRep, 'travel.flight'), 'allow');
    const company = parseBody(await decide(ids.company, 'procurement.bid'), decision);
    assert.equal(company.outcome, 'deny');
    assert.equal(company.reasons[0]?.via, undefined);
  });

  test('reads a resident ID with a lower-case x and answers with its canonical form', async () => {
    const body = parseBody(await decide(ids.defaulter.toLowerCase(), 'travel.flight'), decision);
    assert.equal(body.subject, ids.defaulter);
    assert.equal(body.outcome, 'deny');
  });

  test('reviewers and administrators may ask about any action', async () => {
    const answer = await decide(ids.defaulter, 'hotel.star_rated', h.tokens.reviewer);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(parseBody(answer, decision).outcome, 'deny');
    const admin = await decide(ids.passportDefaulter, 'visa.issue', h.tokens.admin);
    assert.equal(admin.status, 200, admin.text);
  });

  test('400 invalid_resident_id for a wrong check character, naming the character to use', async () => {
    assertError(
      await decide(badResidentId, 'travel.flight'),
      400,
      'invalid_resident_id',
      badResidentIdMessage,
      'subject',
    );
  });

  test('400 for other unreadable subjects, saying what each should look like', async () => {
    assertError(
      await decide('passport:XXX:C01X00T47', 'travel.flight'),
      400,
      'invalid_passport',
      'nationality XXX is not an ISO 3166-1 alpha-3 country code',
      'subject',
    );
    assertError(
      await decide('91110108551385082A', 'travel.flight'),
      400,
      'invalid_uscc',
      'check character is A but the first 17 characters call for Q',
      'subject',
    );
    assertError(
      await decide('not-an-id', 'travel.flight'),
      400,
      'invalid_subject',
      'not a subject identifier: expected an 18-character resident ID, an 18-character USCC or passport:CCC:NUMBER',
      'subject',
    );
  });

  test('400 invalid_request when the action or the subject is missing', async () => {
    assertError(
      await send('GET', `/v1/decisions?subject=${ids.clean}`, { token: h.tokens.servicePoint }),
      400,
      'invalid_request',
      'querystring.action: Invalid input: expected string, received undefined',
      'querystring.action',
    );
    assertError(
      await send('GET', '/v1/decisions?action=travel.flight', { token: h.tokens.servicePoint }),
      400,
      'invalid_request',
      'querystring.subject: Invalid input: expected string, received undefined',
      'querystring.subject',
    );
  });

  test('400 unknown_action for an action code that does not exist', async () => {
    assertError(
      await decide(ids.clean, 'travel.teleport'),
      400,
      'unknown_action',
      'unknown action travel.teleport',
      'action',
    );
  });

  test('403 outside_scope for an action outside the service point’s scope', async () => {
    assertError(
      await decide(ids.clean, 'hotel.star_rated'),
      403,
      'outside_scope',
      'this service point may ask only about procurement.bid, travel.flight, not hotel.star_rated',
      'action',
    );
  });

  test('403 forbidden_role for an agency', async () => {
    assertError(
      await decide(ids.clean, 'travel.flight', h.tokens.cityCourt),
      403,
      'forbidden_role',
      forbiddenRoleMessage('agency', 'GET', '/v1/decisions', ['service-point', 'reviewer', 'admin']),
    );
  });

  test('401 without a token, with a malformed header, an unknown token or a revoked one', async () => {
    const url = `/v1/decisions?subject=${ids.defaulter}&action=travel.flight`;
    assertError(await send('GET', url), 401, 'unauthorized', messages.noToken);
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', h.tokens.servicePoint]) {
      assertError(await send('GET', url, { headers: { authorization } }), 401, 'unauthorized', messages.malformed);
    }
    for (const token of ['nonsense', `cr_0123456789abcdef_${'A'.repeat(43)}`, `${h.tokens.servicePoint}x`]) {
      assertError(await send('GET', url, { token }), 401, 'unauthorized', messages.unknownToken);
    }
    // A token whose id is right but whose secret is not.
    const [prefix = '', secret = ''] = [h.tokens.reviewer.slice(0, 20), h.tokens.reviewer.slice(20)];
    const wrongSecret = `${prefix}${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`;
    assertError(await send('GET', url, { token: wrongSecret }), 401, 'unauthorized', messages.unknownToken);

    assert.equal((await send('GET', url, { token: h.tokens.spare })).status, 200);
    const revoked = await send('DELETE', `/v1/tokens/${h.tokenIds.spare}`, { token: h.tokens.admin });
    assert.equal(revoked.status, 200, revoked.text);
    assertError(await send('GET', url, { token: h.tokens.spare }), 401, 'unauthorized', messages.unknownToken);
  });
});

describe('POST /v1/decisions/batch', () => {
  const batch = (action: string, subjects: unknown, token = h.tokens.servicePoint) =>
    send('POST', '/v1/decisions/batch', { token, body: { action, subjects } });

  test('decides every subject; an unreadable one gets its own error and the rest their decisions', async () => {
    const subjects = [ids.defaulter, ids.clean, badResidentId, 'not-an-id', ids.company, ids.legalRep];
    const answer = await batch('procurement.bid', subjects);
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(answer, batchResult);
    assert.equal(body.action, 'procurement.bid');
    assert.equal(body.at, fixedNow);
    assert.match(body.batchId, uuid);
    assert.equal(body.results.length, subjects.length);
    const outcomes = body.results.map((r) => ('outcome' in r ? r.outcome : r.error.code));
    assert.deepEqual(outcomes, ['deny', 'allow', 'invalid_resident_id', 'invalid_subject', 'deny', 'deny']);
    assert.deepEqual(body.results[2], {
      subject: badResidentId,
      error: { code: 'invalid_resident_id', message: badResidentIdMessage },
    });
    const decided = body.results.flatMap((r) => ('decisionId' in r ? [r.decisionId] : []));
    assert.equal(decided.length, 4);
    assert.equal(new Set(decided).size, 4, 'decision ids are distinct');
    for (const id of decided) assert.ok(id.startsWith(`${body.batchId}.`), id);
    const rep = body.results[5];
    assert.ok(rep && 'reasons' in rep);
    assert.deepEqual(rep.reasons[0]?.via, { organisation: ids.company, role: 'legal_representative' });
  });

  test('400 invalid_request over the batch maximum, and for an empty batch', async () => {
    assertError(
      await batch('travel.flight', new Array<string>(10_001).fill(ids.clean)),
      400,
      'invalid_request',
      'subjects: Too big: expected array to have <=10000 items',
      'subjects',
    );
    assertError(
      await batch('travel.flight', []),
      400,
      'invalid_request',
      'subjects: Too small: expected array to have >=1 items',
      'subjects',
    );
  });

  test('exactly the maximum is decided', async () => {
    const answer = await batch('travel.flight', new Array<string>(10_000).fill(ids.defaulter));
    assert.equal(answer.status, 200);
    const body = parseBody(answer, batchResult);
    assert.equal(body.results.length, 10_000);
    assert.ok(body.results.every((r) => 'outcome' in r && r.outcome === 'deny'));
  });

  test('400 unknown_action, 403 outside_scope, 403 forbidden_role, 401 without a token', async () => {
    assertError(
      await batch('travel.teleport', [ids.clean]),
      400,
      'unknown_action',
      'unknown action travel.teleport',
      'action',
    );
    assertError(
      await batch('hotel.star_rated', [ids.clean]),
      403,
      'outside_scope',
      'this service point may ask only about procurement.bid, travel.flight, not hotel.star_rated',
      'action',
    );
    assertError(
      await batch('travel.flight', [ids.clean], h.tokens.trafficPolice),
      403,
      'forbidden_role',
      forbiddenRoleMessage('agency', 'POST', '/v1/decisions/batch', ['service-point', 'reviewer', 'admin']),
    );
    assertError(
      await send('POST', '/v1/decisions/batch', { body: { action: 'travel.flight', subjects: [ids.clean] } }),
      401,
      'unauthorized',
      messages.noToken,
    );
  });
});

describe('POST /v1/records', () => {
  test('accepts a record and answers per item', async () => {
    const answer = await submit([fine('TP-ACC-1')]);
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(answer, submitResult);
    assert.equal(body.accepted, 1);
    assert.equal(body.duplicates, 0);
    assert.equal(body.rejected, 0);
    assert.equal(body.results.length, 1);
    assert.equal(body.results[0]?.status, 'accepted');
    assert.equal(typeof body.results[0]?.recordId, 'number');
    const stored = (await ownRecords(h.tokens.trafficPolice)).find((r) => r.agencyRef === 'TP-ACC-1');
    assert.equal(stored?.id, body.results[0]?.recordId);
    assert.equal(stored?.agency, 'traffic-police');
    assert.equal(stored?.subject, ids.clean2);
    assert.equal(stored?.recordedAt, fixedNow);
    assert.equal(stored?.effectiveAt, '2026-10-01T08:00:00.000Z');
    assert.equal(stored?.amount, 300);
  });

  test('a batch answers each item: accepted, or rejected with its own code, message and field', async () => {
    const answer = await submit([
      fine('TP-MIX-1'),
      fine('TP-MIX-2', { subject: badResidentId }),
      fine('TP-MIX-3', { effectiveAt: '2026-12-01T00:00:00Z' }),
      fine('TP-MIX-4', { amount: undefined }),
    ]);
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(answer, submitResult);
    assert.equal(body.accepted, 1);
    assert.equal(body.rejected, 3);
    assert.deepEqual(
      body.results.map((r) => [r.index, r.status]),
      [
        [0, 'accepted'],
        [1, 'rejected'],
        [2, 'rejected'],
        [3, 'rejected'],
      ],
    );
    assert.deepEqual(body.results[1]?.error, {
      code: 'invalid_resident_id',
      message: badResidentIdMessage,
      field: 'subject',
    });
    assert.deepEqual(body.results[2]?.error, {
      code: 'effective_in_future',
      message: 'effectiveAt 2026-12-01T00:00:00Z is after now (2026-11-22T00:00:00.000Z)',
      field: 'effectiveAt',
    });
    assert.deepEqual(body.results[3]?.error, {
      code: 'amount_required',
      message: 'rule traffic.fine scores by amount; give amount in yuan',
      field: 'amount',
    });
    const refs = (await ownRecords(h.tokens.trafficPolice)).map((r) => r.agencyRef);
    assert.ok(refs.includes('TP-MIX-1'));
    assert.ok(!refs.includes('TP-MIX-2') && !refs.includes('TP-MIX-3') && !refs.includes('TP-MIX-4'));
  });

  test('403 outside_remit for a rule code outside the agency’s remit; nothing of the batch is stored', async () => {
    const records = [
      fine('TP-REMIT-1', { subject: ids.clean }),
      fine('TP-REMIT-2', { subject: ids.clean, code: 'court.defaulter.refuses', amount: undefined }),
    ];
    assertError(
      await submit(records),
      403,
      'outside_remit',
      'agency traffic-police may not report rule court.defaulter.refuses',
      'records.1.code',
    );
    assertError(
      await submit([fine('TP-REMIT-3', { code: 'no.such.rule' })]),
      403,
      'outside_remit',
      'agency traffic-police may not report rule no.such.rule',
      'records.0.code',
    );
    const refs = (await ownRecords(h.tokens.trafficPolice)).map((r) => r.agencyRef);
    assert.ok(!refs.some((r) => r.startsWith('TP-REMIT')), refs.join(', '));
    const explained = await send('GET', `/v1/subjects/${ids.clean}/explanation`, { token: h.tokens.reviewer });
    assert.equal(explained.status, 200);
    assert.deepEqual(parseBody(explained, z.object({ records: z.array(z.unknown()) })).records, []);
    assert.equal(await outcomeOf(ids.clean, 'travel.flight'), 'allow');
  });

  test('400 invalid_request for a missing or mistyped field, naming its path', async () => {
    const noEvidence: Record<string, unknown> = fine('TP-SHAPE-1');
    delete noEvidence.evidence;
    assertError(
      await submit([fine('TP-SHAPE-0'), noEvidence]),
      400,
      'invalid_request',
      'records.1.evidence: Invalid input: expected string, received undefined',
      'records.1.evidence',
    );
    assertError(
      await submit([fine('TP-SHAPE-2', { amount: 'eight hundred' })]),
      400,
      'invalid_request',
      'records.0.amount: Invalid input: expected number, received string',
      'records.0.amount',
    );
    assertError(
      await submit([]),
      400,
      'invalid_request',
      'records: Too small: expected array to have >=1 items',
      'records',
    );
    assertError(
      await send('POST', '/v1/records', { token: h.tokens.trafficPolice, body: { record: fine('TP-SHAPE-3') } }),
      400,
      'invalid_request',
      'records: Invalid input: expected array, received undefined',
      'records',
    );
  });

  test('415 for a body that is not JSON', async () => {
    assertError(
      await send('POST', '/v1/records', {
        token: h.tokens.trafficPolice,
        body: JSON.stringify({ records: [fine('TP-415')] }),
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'unsupported_media_type',
      'send the body as application/json',
    );
  });

  test('400 malformed_json for broken JSON and empty_body for none', async () => {
    assertError(
      await send('POST', '/v1/records', {
        token: h.tokens.trafficPolice,
        body: '{"records": [',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'malformed_json',
      'the body is not valid JSON',
    );
    assertError(
      await send('POST', '/v1/records', {
        token: h.tokens.trafficPolice,
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'empty_body',
      'the JSON body is empty',
    );
  });

  test('a single rejected record answers with its own status: 409, 422 or 400', async () => {
    assertError(
      await submit([
        {
          agencyRef: 'TP-1',
          subject: ids.fined,
          code: 'traffic.fine',
          effectiveAt: '2026-09-01T08:00:00Z',
          evidence: 'ticket TP-1',
          amount: 900,
        },
      ]),
      409,
      'reference_conflict',
      'agency traffic-police already used reference TP-1 for a different record',
      'agencyRef',
    );
    assertError(
      await submit([fine('TP-OLD', { effectiveAt: '2025-06-01T00:00:00Z' })]),
      422,
      'no_rule_in_force',
      'no catalog version in force at 2025-06-01T00:00:00.000Z has a rule traffic.fine',
      'effectiveAt',
    );
    assertError(
      await submit([fine('TP-FUTURE', { effectiveAt: '2026-12-01T00:00:00Z' })]),
      422,
      'effective_in_future',
      'effectiveAt 2026-12-01T00:00:00Z is after now (2026-11-22T00:00:00.000Z)',
      'effectiveAt',
    );
    assertError(
      await submit([fine('TP-ORG', { subject: ids.cleanCompany })]),
      422,
      'rule_not_for_subject_kind',
      'rule traffic.fine does not apply to a subject of kind organisation',
      'subject',
    );
    assertError(
      await submit([fine('TP-BADID', { subject: badResidentId })]),
      400,
      'invalid_resident_id',
      badResidentIdMessage,
      'subject',
    );
    assertError(
      await submit([fine('TP-BADTIME', { effectiveAt: '2026-13-01T00:00:00Z' })]),
      400,
      'invalid_instant',
      'effectiveAt "2026-13-01T00:00:00Z" is not a real date and time',
      'effectiveAt',
    );
    const refs = (await ownRecords(h.tokens.trafficPolice)).map((r) => r.agencyRef);
    for (const ref of ['TP-OLD', 'TP-FUTURE', 'TP-ORG', 'TP-BADID', 'TP-BADTIME']) assert.ok(!refs.includes(ref), ref);
  });

  test('the same record twice is one record: the second is a duplicate with the original id', async () => {
    const first = parseBody(await submit([fine('TP-IDEM')]), submitResult);
    const second = parseBody(await submit([fine('TP-IDEM')]), submitResult);
    assert.equal(first.results[0]?.status, 'accepted');
    assert.deepEqual(second, {
      accepted: 0,
      duplicates: 1,
      rejected: 0,
      results: [{ index: 0, status: 'duplicate', recordId: first.results[0]?.recordId }],
    });
    // Twice in one batch: one stored, the repeat a duplicate of it.
    const both = parseBody(await submit([fine('TP-IDEM-2'), fine('TP-IDEM-2')]), submitResult);
    assert.equal(both.accepted, 1);
    assert.equal(both.duplicates, 1);
    assert.equal(both.results[1]?.recordId, both.results[0]?.recordId);
    const records = await ownRecords(h.tokens.trafficPolice);
    assert.equal(records.filter((r) => r.agencyRef === 'TP-IDEM').length, 1);
    assert.equal(records.filter((r) => r.agencyRef === 'TP-IDEM-2').length, 1);
  });

  test('403 forbidden_role for a service point, 401 without a token', async () => {
    assertError(
      await submit([fine('TP-ROLE')], h.tokens.servicePoint),
      403,
      'forbidden_role',
      forbiddenRoleMessage('service-point', 'POST', '/v1/records', ['agency']),
    );
    assertError(
      await send('POST', '/v1/records', { body: { records: [fine('TP-ROLE')] } }),
      401,
      'unauthorized',
      messages.noToken,
    );
  });
});

describe('GET /v1/records', () => {
  test('an agency sees only its own records', async () => {
    const court = await ownRecords(h.tokens.cityCourt);
    assert.ok(court.every((r) => r.agency === 'city-court'));
    const courtRefs = court.map((r) => r.agencyRef);
    for (const ref of ['CC-1', 'CC-2', 'CC-3']) assert.ok(courtRefs.includes(ref), ref);
    assert.ok(!courtRefs.includes('TP-1') && !courtRefs.includes('MR-1'));
    const traffic = await ownRecords(h.tokens.trafficPolice);
    assert.ok(traffic.length > 0);
    assert.ok(traffic.every((r) => r.agency === 'traffic-police'));
    assert.ok(!traffic.some((r) => r.agencyRef.startsWith('CC-') || r.agencyRef.startsWith('MR-')));
  });

  test('pages newest first with limit and before, and every record appears once', async () => {
    await submit([fine('TP-PAGE-1'), fine('TP-PAGE-2'), fine('TP-PAGE-3')]);
    const all = await ownRecords(h.tokens.trafficPolice);
    assert.ok(all.length >= 4);
    const paged: number[] = [];
    let before: number | undefined;
    for (let page = 0; page < 100; page++) {
      const url = `/v1/records?limit=2${before === undefined ? '' : `&before=${before}`}`;
      const answer = await send('GET', url, { token: h.tokens.trafficPolice });
      assert.equal(answer.status, 200, answer.text);
      const body = parseBody(answer, listResult);
      assert.ok(body.records.length <= 2);
      paged.push(...body.records.map((r) => r.id));
      if (body.next === undefined) break;
      assert.equal(body.next, body.records.at(-1)?.id);
      before = body.next;
    }
    assert.deepEqual(
      paged,
      all.map((r) => r.id),
    );
    assert.deepEqual(
      paged,
      [...paged].sort((a, b) => b - a),
    );
  });

  test('400 for a limit out of range or a bad before; 403 for a reviewer', async () => {
    assertError(
      await send('GET', '/v1/records?limit=0', { token: h.tokens.trafficPolice }),
      400,
      'invalid_request',
      'querystring.limit: Too small: expected number to be >=1',
      'querystring.limit',
    );
    assertError(
      await send('GET', '/v1/records?limit=1001', { token: h.tokens.trafficPolice }),
      400,
      'invalid_request',
      'querystring.limit: Too big: expected number to be <=1000',
      'querystring.limit',
    );
    assertError(
      await send('GET', '/v1/records?before=-3', { token: h.tokens.trafficPolice }),
      400,
      'invalid_request',
      'querystring.before: Too small: expected number to be >0',
      'querystring.before',
    );
    assertError(
      await send('GET', '/v1/records', { token: h.tokens.reviewer }),
      403,
      'forbidden_role',
      forbiddenRoleMessage('reviewer', 'GET', '/v1/records', ['agency']),
    );
  });
});

describe('POST /v1/records/:agencyRef/retraction', () => {
  const retract = (ref: string, body: unknown, token = h.tokens.cityCourt) =>
    send('POST', `/v1/records/${encodeURIComponent(ref)}/retraction`, { token, body });

  test('retracts the agency’s own record; the decision for that subject changes at once', async () => {
    assert.equal(await outcomeOf(ids.passportDefaulter, 'travel.flight'), 'deny');
    assert.equal(await outcomeOf(ids.passportDefaulter, 'procurement.bid'), 'deny');
    const original = (await ownRecords(h.tokens.cityCourt)).find((r) => r.agencyRef === 'CC-3');
    assert.ok(original);
    const answer = await retract('CC-3', { agencyRef: 'CC-3-R', reason: 'entered against the wrong person' });
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(answer, retractResult);
    assert.equal(body.status, 'retracted');
    assert.equal(body.retracts, original.id);
    assert.equal(await outcomeOf(ids.passportDefaulter, 'travel.flight'), 'allow');
    assert.equal(await outcomeOf(ids.passportDefaulter, 'procurement.bid'), 'allow');
    const retraction = (await ownRecords(h.tokens.cityCourt)).find((r) => r.agencyRef === 'CC-3-R');
    assert.equal(retraction?.id, body.recordId);
    assert.equal(retraction?.retracts, original.id);
    assert.equal(retraction?.evidence, 'entered against the wrong person');

    const again = await retract('CC-3', { agencyRef: 'CC-3-R', reason: 'entered against the wrong person' });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(parseBody(again, retractResult), {
      status: 'duplicate',
      recordId: body.recordId,
      retracts: original.id,
    });
  });

  test('a record already retracted cannot be retracted again under a new reference', async () => {
    // CC-3 was retracted by CC-3-R above. A second retraction would be a second, contradictory history entry.
    const answer = await retract('CC-3', { agencyRef: 'CC-3-R2', reason: 'retracting it once more' });
    assert.equal(answer.status, 409, `expected 409, got ${answer.status} ${answer.text}`);
    const retractions = (await ownRecords(h.tokens.cityCourt)).filter((r) => r.retracts !== undefined);
    assert.equal(retractions.filter((r) => r.agencyRef.startsWith('CC-3-')).length, 1);
  });

  test('retracting a company’s listing frees its legal representative at once', async () => {
    assert.equal(await outcomeOf(ids.legalRep2, 'procurement.bid'), 'deny');
    const answer = await retract(
      'MR-2',
      { agencyRef: 'MR-2-R', reason: 'licence revocation annulled on review' },
      h.tokens.marketRegulator,
    );
    assert.equal(answer.status, 200, answer.text);
    assert.equal(await outcomeOf(ids.company2, 'procurement.bid'), 'allow');
    assert.equal(await outcomeOf(ids.legalRep2, 'procurement.bid'), 'allow');
    assert.equal(await outcomeOf(ids.legalRep, 'procurement.bid'), 'deny');
  });

  test('404 record_not_found for another agency’s or an unknown record, 409 for a retraction; nothing changes', async () => {
    assertError(
      await retract('CC-1', { agencyRef: 'TP-R-1', reason: 'not ours' }, h.tokens.trafficPolice),
      404,
      'record_not_found',
      'agency traffic-police has no record CC-1',
      'params.agencyRef',
    );
    assertError(
      await retract('CC-404', { agencyRef: 'CC-404-R', reason: 'no such record' }),
      404,
      'record_not_found',
      'agency city-court has no record CC-404',
      'params.agencyRef',
    );
    assertError(
      await retract('CC-3-R', { agencyRef: 'CC-3-R-R', reason: 'a retraction is not retracted' }),
      409,
      'cannot_retract_retraction',
      'record CC-3-R is a retraction; a retraction is final',
      'params.agencyRef',
    );
    assert.equal(await outcomeOf(ids.defaulter, 'travel.flight'), 'deny');
    assert.ok(!(await ownRecords(h.tokens.trafficPolice)).some((r) => r.agencyRef === 'TP-R-1'));
  });

  test('409 reference_conflict when the retraction’s reference is already used; nothing changes', async () => {
    assertError(
      await retract('CC-1', { agencyRef: 'CC-2', reason: 'reusing a reference' }),
      409,
      'reference_conflict',
      'agency city-court already used reference CC-2',
      'agencyRef',
    );
    assert.equal(await outcomeOf(ids.defaulter, 'travel.flight'), 'deny');
  });

  test('400 invalid_request without a reason or with a blank one; 403 for a reviewer', async () => {
    assertError(
      await retract('CC-1', { agencyRef: 'CC-1-R' }),
      400,
      'invalid_request',
      'reason: Invalid input: expected string, received undefined',
      'reason',
    );
    assertError(
      await retract('CC-1', { agencyRef: 'CC-1-R', reason: '   ' }),
      400,
      'invalid_request',
      'reason: Too small: expected string to have >=1 characters',
      'reason',
    );
    assertError(
      await retract('CC-1', { agencyRef: 'CC-1-R', reason: 'x' }, h.tokens.reviewer),
      403,
      'forbidden_role',
      forbiddenRoleMessage('reviewer', 'POST', '/v1/records/:agencyRef/retraction', ['agency']),
    );
    assert.equal(await outcomeOf(ids.defaulter, 'travel.flight'), 'deny');
  });
});

describe('GET /v1/subjects/:subject/notices', () => {
  test('a reviewer reads what a defaulter was told: the listing, newest first, with the objection deadline', async () => {
    const answer = await send('GET', `/v1/subjects/${ids.defaulter}/notices?limit=50`, { token: h.tokens.reviewer });
    assert.equal(answer.status, 200, answer.text);
    const body = z
      .object({
        notices: z.array(
          z.object({
            id: z.number(),
            kind: z.string(),
            adverse: z.boolean(),
            objectionDeadline: z.string().optional(),
            text: z.object({ en: z.string(), 'zh-CN': z.string() }),
          }),
        ),
      })
      .parse(answer.json);
    const listing = body.notices.find((n) => n.kind === 'listing.started');
    assert.ok(listing, JSON.stringify(body.notices.map((n) => n.kind)));
    assert.equal(listing.adverse, true);
    assert.ok(listing.objectionDeadline, 'an adverse notice says by when to object');
    assert.match(listing.text.en, /Court defaulters/);
    const ids_ = body.notices.map((n) => n.id);
    assert.deepEqual(
      ids_,
      [...ids_].sort((a, b) => b - a),
    );
  });

  test('400 for a bad identifier; 403 for a service point', async () => {
    assertError(
      await send('GET', `/v1/subjects/${badResidentId}/notices`, { token: h.tokens.reviewer }),
      400,
      'invalid_resident_id',
      badResidentIdMessage,
      'subject',
    );
    const refused = await send('GET', `/v1/subjects/${ids.defaulter}/notices`, { token: h.tokens.servicePoint });
    assert.equal(refused.status, 403);
  });
});

describe('GET /v1/subjects/:subject/standing and /explanation', () => {
  const standingShape = z.object({
    subject: z.string(),
    kind: z.string(),
    at: z.string(),
    schemes: z.array(
      z.object({
        scheme: z.string(),
        listings: z.array(z.object({ list: z.string(), code: z.string(), start: z.string(), end: z.string() })),
        points: z.object({ score: z.number(), grade: z.string(), gradeSource: z.string() }).optional(),
      }),
    ),
    measures: z.array(
      z.object({
        measure: z.string(),
        via: z.object({ organisation: z.string(), role: z.string() }).optional(),
      }),
    ),
  });
  const explanationShape = z.object({
    standing: standingShape,
    records: z.array(z.object({ id: z.number(), agency: z.string(), agencyRef: z.string(), code: z.string() })),
  });

  test('a reviewer reads a defaulter’s standing: the listing, the measures and the direct grade', async () => {
    const answer = await send('GET', `/v1/subjects/${ids.defaulter}/standing`, { token: h.tokens.reviewer });
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(answer, standingShape);
    assert.equal(body.subject, ids.defaulter);
    assert.equal(body.kind, 'person');
    assert.equal(body.at, fixedNow);
    const court = body.schemes.find((s) => s.scheme === 'court-defaulters');
    assert.deepEqual(
      court?.listings.map((l) => [l.list, l.code, l.start, l.end]),
      [['court-defaulters', 'court.defaulter.refuses', '2026-03-01T00:00:00.000Z', '2031-02-28T00:00:00.000Z']],
    );
    assert.deepEqual(body.schemes.find((s) => s.scheme === 'rongcheng-residents')?.points, {
      score: 1000,
      grade: 'D',
      gradeSource: 'direct',
    });
    const measures = body.measures.map((m) => m.measure);
    assert.ok(measures.includes('high-consumption-restrictions'));
    assert.ok(measures.includes('joint-sanctions-defaulters'));
  });

  test('at= reads the standing at another instant: before the record there is no listing', async () => {
    const answer = await send('GET', `/v1/subjects/${ids.defaulter}/standing?at=2026-02-01T00:00:00Z`, {
      token: h.tokens.admin,
    });
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(answer, standingShape);
    assert.equal(body.at, '2026-02-01T00:00:00.000Z');
    assert.ok(body.schemes.every((s) => s.listings.length === 0));
    assert.deepEqual(body.measures, []);
  });

  test('an administrator reads the explanation: the standing and every record behind it', async () => {
    const answer = await send('GET', `/v1/subjects/${ids.defaulter}/explanation`, { token: h.tokens.admin });
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(answer, explanationShape);
    assert.equal(body.standing.subject, ids.defaulter);
    assert.deepEqual(
      body.records.map((r) => [r.agency, r.agencyRef, r.code]),
      [['city-court', 'CC-1', 'court.defaulter.refuses']],
    );
    const rep = parseBody(
      await send('GET', `/v1/subjects/${ids.legalRep}/explanation`, { token: h.tokens.reviewer }),
      explanationShape,
    );
    assert.deepEqual(rep.records, []);
    assert.deepEqual(rep.standing.measures[0]?.via, { organisation: ids.company, role: 'legal_representative' });
  });

  test('400 for a bad identifier in the path', async () => {
    for (const path of ['standing', 'explanation']) {
      assertError(
        await send('GET', `/v1/subjects/${badResidentId}/${path}`, { token: h.tokens.reviewer }),
        400,
        'invalid_resident_id',
        badResidentIdMessage,
        'subject',
      );
    }
    assertError(
      await send('GET', '/v1/subjects/passport:DEU:C0/standing', { token: h.tokens.reviewer }),
      400,
      'invalid_passport',
      'a passport number has 5 to 20 letters and digits',
      'subject',
    );
  });

  test('400 invalid_instant for a bad at', async () => {
    assertError(
      await send('GET', `/v1/subjects/${ids.defaulter}/standing?at=yesterday`, { token: h.tokens.reviewer }),
      400,
      'invalid_instant',
      'at must be an ISO 8601 instant such as 2026-03-01T08:00:00Z, not "yesterday"',
      'at',
    );
    assertError(
      await send('GET', `/v1/subjects/${ids.defaulter}/explanation?at=2026-02-30`, { token: h.tokens.reviewer }),
      400,
      'invalid_instant',
      'at "2026-02-30" is not a real date and time',
      'at',
    );
  });

  test('staff or the subject: 403 for an agency and a service point, 401 without a token', async () => {
    const route = '/v1/subjects/:subject/standing';
    assertError(
      await send('GET', `/v1/subjects/${ids.defaulter}/standing`, { token: h.tokens.cityCourt }),
      403,
      'forbidden_role',
      forbiddenRoleMessage('agency', 'GET', route, ['reviewer', 'admin', 'subject']),
    );
    assertError(
      await send('GET', `/v1/subjects/${ids.defaulter}/explanation`, { token: h.tokens.servicePoint }),
      403,
      'forbidden_role',
      forbiddenRoleMessage('service-point', 'GET', '/v1/subjects/:subject/explanation', [
        'reviewer',
        'admin',
        'subject',
      ]),
    );
    assertError(await send('GET', `/v1/subjects/${ids.defaulter}/standing`), 401, 'unauthorized', messages.noToken);
  });
});

describe('catalogs', () => {
  const versionSummary = z.object({ version: z.number(), publishedAt: z.string(), effectiveFrom: z.string() });
  const catalogVersion = z.object({
    scheme: z.string(),
    version: z.number(),
    publishedAt: z.string(),
    effectiveFrom: z.string(),
    catalog: z.object({ rules: z.array(z.object({ code: z.string() })) }).passthrough(),
  });
  const demoV1 = {
    version: 1,
    publishedAt: '2025-10-01T00:00:00.000Z',
    effectiveFrom: '2025-11-01T00:00:00.000Z',
  };
  /** The demo civic-honours catalog as a draft, with changes. */
  function civicDraft(change: (draft: Record<string, unknown>) => void = () => undefined): Record<string, unknown> {
    const found = demoCatalogInputs().find(
      (c) => (c as { scheme?: { id?: string } }).scheme?.id === 'civic-honours',
    ) as Record<string, unknown> | undefined;
    assert.ok(found);
    const draft = structuredClone(found);
    change(draft);
    return draft;
  }
  const rulesOf = (draft: Record<string, unknown>) => draft.rules as Record<string, unknown>[];
  const putDraft = (scheme: string, draft: unknown, token = h.tokens.admin) =>
    send('PUT', `/v1/catalogs/${scheme}/draft`, { token, body: draft });

  test('GET /v1/catalogs is public: every scheme with its published versions', async () => {
    const answer = await send('GET', '/v1/catalogs');
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(
      answer,
      z.object({
        schemes: z.array(
          z.object({
            scheme: z.string(),
            title: z.object({ en: z.string() }),
            model: z.string(),
            versions: z.array(versionSummary),
          }),
        ),
      }),
    );
    assert.deepEqual(body.schemes.map((s) => s.scheme).sort(), [
      'civic-honours',
      'conduct-bans',
      'court-defaulters',
      'government-commitments',
      'jinan-dog-owners',
      'market-serious-dishonesty',
      'rongcheng-residents',
      'tax-credit',
    ]);
    const court = body.schemes.find((s) => s.scheme === 'court-defaulters');
    assert.equal(court?.title.en, 'Court defaulter list');
    assert.deepEqual(court.versions, [demoV1]);
  });

  test('GET versions and one version, public; 404 for an unknown scheme or version, 400 for a bad number', async () => {
    const versions = await send('GET', '/v1/catalogs/court-defaulters/versions');
    assert.equal(versions.status, 200, versions.text);
    assert.deepEqual(parseBody(versions, z.object({ versions: z.array(versionSummary) })).versions, [demoV1]);
    const one = await send('GET', '/v1/catalogs/court-defaulters/versions/1');
    assert.equal(one.status, 200, one.text);
    const body = parseBody(one, catalogVersion);
    assert.equal(body.scheme, 'court-defaulters');
    assert.equal(body.version, 1);
    assert.equal(body.publishedAt, demoV1.publishedAt);
    assert.ok(body.catalog.rules.some((r) => r.code === 'court.defaulter.refuses'));

    assertError(
      await send('GET', '/v1/catalogs/no-such-scheme/versions'),
      404,
      'unknown_scheme',
      'no published scheme no-such-scheme',
    );
    assertError(
      await send('GET', '/v1/catalogs/court-defaulters/versions/9'),
      404,
      'unknown_version',
      'scheme court-defaulters has no published version 9',
    );
    assertError(
      await send('GET', '/v1/catalogs/no-such-scheme/versions/1'),
      404,
      'unknown_version',
      'scheme no-such-scheme has no published version 1',
    );
    assertError(
      await send('GET', '/v1/catalogs/court-defaulters/versions/latest'),
      400,
      'invalid_request',
      'params.version: Invalid input: expected number, received NaN',
      'params.version',
    );
  });

  test('GET draft and publish: 404 no_draft while there is none', async () => {
    assertError(
      await send('GET', '/v1/catalogs/civic-honours/draft', { token: h.tokens.admin }),
      404,
      'no_draft',
      'scheme civic-honours has no saved draft',
    );
    assertError(
      await send('POST', '/v1/catalogs/civic-honours/draft/publish', { token: h.tokens.admin }),
      404,
      'no_draft',
      'scheme civic-honours has no saved draft',
    );
  });

  test('PUT draft: 422 for a rule on a protected ground or without a legal basis, naming the field', async () => {
    assertError(
      await putDraft(
        'civic-honours',
        civicDraft((d) => {
          const [rule] = rulesOf(d);
          if (rule) rule.category = 'religion';
        }),
      ),
      422,
      'invalid_catalog',
      'rules.0.category: category must be one of: court_judgment, financial_obligation, tax, market_regulation, ' +
        'product_safety, food_safety, environment, traffic_safety, public_safety, animal_control, ' +
        'contract_performance, volunteering, donation, award',
      'rules.0.category',
    );
    assertError(
      await putDraft(
        'civic-honours',
        civicDraft((d) => {
          const rule = rulesOf(d)[1];
          if (rule) rule.legalBasis = '  ';
        }),
      ),
      422,
      'invalid_catalog',
      'rules.1.legalBasis: a legal basis is required',
      'rules.1.legalBasis',
    );
    assertError(
      await putDraft('civic-honours', {}),
      422,
      'invalid_catalog',
      'scheme: Invalid input: expected object, received undefined',
      'scheme',
    );
    assertError(
      await send('GET', '/v1/catalogs/civic-honours/draft', { token: h.tokens.admin }),
      404,
      'no_draft',
      'scheme civic-honours has no saved draft',
    );
  });

  test('PUT draft: 422 scheme_mismatch when the draft is for another scheme', async () => {
    assertError(
      await putDraft('court-defaulters', civicDraft()),
      422,
      'scheme_mismatch',
      'the draft is for scheme civic-honours, not court-defaulters',
      'scheme.id',
    );
  });

  test('PUT draft, GET it back, publish it (201); the draft is then gone and the version listed', async () => {
    const draft = civicDraft((d) => {
      d.effectiveFrom = '2027-01-01T00:00:00Z';
    });
    const saved = await putDraft('civic-honours', draft);
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(saved.json, { scheme: 'civic-honours', savedAt: fixedNow });
    const got = await send('GET', '/v1/catalogs/civic-honours/draft', { token: h.tokens.admin });
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.json, draft);

    const published = await send('POST', '/v1/catalogs/civic-honours/draft/publish', { token: h.tokens.admin });
    assert.equal(published.status, 201, published.text);
    const body = parseBody(published, catalogVersion);
    assert.equal(body.scheme, 'civic-honours');
    assert.equal(body.version, 2);
    assert.equal(body.publishedAt, fixedNow);
    assert.equal(body.effectiveFrom, '2027-01-01T00:00:00.000Z');

    const versions = parseBody(
      await send('GET', '/v1/catalogs/civic-honours/versions'),
      z.object({ versions: z.array(versionSummary) }),
    );
    assert.deepEqual(
      versions.versions.map((v) => v.version),
      [1, 2],
    );
    assertError(
      await send('GET', '/v1/catalogs/civic-honours/draft', { token: h.tokens.admin }),
      404,
      'no_draft',
      'scheme civic-honours has no saved draft',
    );
    // Publishing a catalog reloads the index; decisions go on.
    assert.equal(await outcomeOf(ids.defaulter, 'travel.flight'), 'deny');
  });

  test('publish: 409 retroactive_catalog for a draft effective before now; the draft stays', async () => {
    const draft = civicDraft((d) => {
      d.effectiveFrom = '2026-06-01T00:00:00Z';
    });
    assert.equal((await putDraft('civic-honours', draft)).status, 200);
    assertError(
      await send('POST', '/v1/catalogs/civic-honours/draft/publish', { token: h.tokens.admin }),
      409,
      'retroactive_catalog',
      'effectiveFrom 2026-06-01T00:00:00Z is before publication; a rule applies only after it is published',
      'effectiveFrom',
    );
    assert.equal((await send('GET', '/v1/catalogs/civic-honours/draft', { token: h.tokens.admin })).status, 200);
  });

  test('publish: 409 catalog_out_of_order for a draft effective before the latest version', async () => {
    const draft = civicDraft((d) => {
      d.effectiveFrom = '2026-12-01T00:00:00Z';
    });
    assert.equal((await putDraft('civic-honours', draft)).status, 200);
    assertError(
      await send('POST', '/v1/catalogs/civic-honours/draft/publish', { token: h.tokens.admin }),
      409,
      'catalog_out_of_order',
      "effectiveFrom must not precede version 2's 2027-01-01T00:00:00.000Z",
      'effectiveFrom',
    );
  });

  test('drafts are for administrators: 403 for a reviewer, 401 without a token', async () => {
    assertError(
      await putDraft('civic-honours', civicDraft(), h.tokens.reviewer),
      403,
      'forbidden_role',
      forbiddenRoleMessage('reviewer', 'PUT', '/v1/catalogs/:scheme/draft', ['admin']),
    );
    assertError(
      await send('POST', '/v1/catalogs/civic-honours/draft/publish', { token: h.tokens.cityCourt }),
      403,
      'forbidden_role',
      forbiddenRoleMessage('agency', 'POST', '/v1/catalogs/:scheme/draft/publish', ['admin']),
    );
    assertError(await send('GET', '/v1/catalogs/civic-honours/draft'), 401, 'unauthorized', messages.noToken);
  });
});

describe('lists', () => {
  const membersShape = z.object({
    list: z.string(),
    members: z.array(
      z.object({ subject: z.string(), since: z.string(), until: z.string(), recordId: z.number(), code: z.string() }),
    ),
    next: z.string().optional(),
  });
  const members = (list: string, query = '', token = h.tokens.reviewer) =>
    send('GET', `/v1/lists/${list}/members${query}`, { token });

  test('GET /v1/lists is public: every list with its number of members now', async () => {
    const answer = await send('GET', '/v1/lists');
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(
      answer,
      z.object({
        lists: z.array(z.object({ id: z.string(), scheme: z.string(), color: z.string(), members: z.number() })),
      }),
    );
    const court = body.lists.find((l) => l.id === 'court-defaulters');
    assert.equal(court?.color, 'black');
    assert.equal(court.scheme, 'court-defaulters');
    const courtMembers = parseBody(await members('court-defaulters', '?limit=1000'), membersShape).members;
    assert.equal(court.members, courtMembers.length);
    assert.ok(court.members >= 2);
    const market = body.lists.find((l) => l.id === 'market-serious-dishonesty');
    assert.ok(market && market.members >= 1);
  });

  test('members, for staff: current members in lookup-token order, paged with after', async () => {
    const all = parseBody(await members('court-defaulters', '?limit=1000'), membersShape);
    assert.equal(all.list, 'court-defaulters');
    assert.equal(all.next, undefined);
    const subjects = all.members.map((m) => m.subject);
    assert.ok(subjects.includes(ids.defaulter));
    assert.ok(subjects.includes(ids.defaulter2));
    const tokens = subjects.map((subject) => testKeys.lookup(subject));
    assert.deepEqual(tokens, [...tokens].sort(), 'in the order of their lookup tokens, which tells nothing');
    const first = all.members.find((m) => m.subject === ids.defaulter);
    assert.equal(first?.code, 'court.defaulter.refuses');
    assert.equal(first.since, '2026-03-01T00:00:00.000Z');
    assert.equal(first.until, '2031-02-28T00:00:00.000Z');

    const paged: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 100; page++) {
      const answer = await members(
        'court-defaulters',
        `?limit=1${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`,
        h.tokens.admin,
      );
      assert.equal(answer.status, 200, answer.text);
      const body = parseBody(answer, membersShape);
      paged.push(...body.members.map((m) => m.subject));
      if (body.next === undefined) break;
      assert.equal(body.next, body.members.at(-1)?.subject);
      after = body.next;
    }
    assert.deepEqual(paged, subjects);
  });

  test('404 unknown_list naming the lists there are; 403 for a service point; 401 without a token', async () => {
    assertError(
      await members('no-such-list'),
      404,
      'unknown_list',
      'no list no-such-list; lists: civic-honours, court-defaulters, dog-confiscation, flight-conduct-ban, ' +
        'market-serious-dishonesty, rail-conduct-ban, tax-d-grade',
    );
    assertError(
      await members('court-defaulters', '', h.tokens.servicePoint),
      403,
      'forbidden_role',
      forbiddenRoleMessage('service-point', 'GET', '/v1/lists/:list/members', ['reviewer', 'admin']),
    );
    assertError(await send('GET', '/v1/lists/court-defaulters/members'), 401, 'unauthorized', messages.noToken);
    assertError(
      await members('court-defaulters', '?limit=5000'),
      400,
      'invalid_request',
      'querystring.limit: Too big: expected number to be <=1000',
      'querystring.limit',
    );
  });
});

describe('GET /v1/audit/events', () => {
  const eventShape = z.object({
    seq: z.number(),
    at: z.string(),
    kind: z.string(),
    actor: z.string(),
    subject: z.string().optional(),
    payload: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  });
  const pageShape = z.object({ events: z.array(eventShape), next: z.number().optional() });

  async function allEvents(pageSize: number) {
    const events: z.infer<typeof eventShape>[] = [];
    let after = 0;
    for (let page = 0; page < 100_000; page++) {
      const answer = await send('GET', `/v1/audit/events?after=${after}&limit=${pageSize}`, {
        token: h.tokens.reviewer,
      });
      assert.equal(answer.status, 200, answer.text);
      const body = parseBody(answer, pageShape);
      assert.ok(body.events.length <= pageSize);
      events.push(...body.events);
      if (body.next === undefined) break;
      assert.equal(body.next, body.events.at(-1)?.seq);
      after = body.next;
    }
    return events;
  }

  test('pages through every event in order; the hash chain is intact', async () => {
    const decided = parseBody(await decide(ids.defaulter2, 'travel.flight'), decision);
    await h.service.decisionLog.flush();
    // Pages of 97 (a prime, so pages do not line up with anything); a batch of 10,000 decisions is in the log.
    const events = await allEvents(97);
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
    );
    const whole = parseBody(
      await send('GET', '/v1/audit/events?limit=1000', { token: h.tokens.admin }),
      pageShape,
    ).events;
    assert.equal(whole.length, 1000);
    assert.ok(
      whole.every((e, i) => e.hash === events[i]?.hash),
      'the first page of 1000 is the start of the paged events',
    );

    const chained: AuditEvent[] = events.map((e) => ({
      seq: e.seq,
      atMs: Date.parse(e.at),
      kind: e.kind,
      actor: e.actor,
      ...(e.subject === undefined ? {} : { subject: e.subject }),
      payload: e.payload,
      prevHash: e.prevHash,
      hash: e.hash,
    }));
    assert.equal(findChainBreak(undefined, chained), undefined);

    const kinds = new Set(events.map((e) => e.kind));
    for (const kind of ['catalog.published', 'records.accepted', 'record.retracted', 'token.created', 'decision.made'])
      assert.ok(kinds.has(kind), kind);
    const made = events.find((e) => e.kind === 'decision.made' && e.payload.decisionId === decided.decisionId);
    assert.equal(made?.subject, testKeys.lookup(ids.defaulter2), 'the log names the subject by its lookup token');
    assert.equal(made.actor, 'airport-desk');
    assert.equal(made.payload.outcome, 'deny');
    assert.ok(
      events.some(
        (e) => e.kind === 'decision.made' && e.actor === 'airport-desk' && typeof e.payload.batchId === 'string',
      ),
    );
    const acceptedId = (await ownRecords(h.tokens.trafficPolice)).find((r) => r.agencyRef === 'TP-ACC-1')?.id;
    const accepted = events.find(
      (e) => e.kind === 'records.accepted' && recordsListed(e.payload).some(({ id }) => id === acceptedId),
    );
    assert.equal(accepted?.actor, 'traffic-police');
    assert.equal(accepted.at, fixedNow);
  });

  test('400 for a limit out of range or a negative after; staff only', async () => {
    assertError(
      await send('GET', '/v1/audit/events?limit=0', { token: h.tokens.reviewer }),
      400,
      'invalid_request',
      'querystring.limit: Too small: expected number to be >=1',
      'querystring.limit',
    );
    assertError(
      await send('GET', '/v1/audit/events?limit=1001', { token: h.tokens.reviewer }),
      400,
      'invalid_request',
      'querystring.limit: Too big: expected number to be <=1000',
      'querystring.limit',
    );
    assertError(
      await send('GET', '/v1/audit/events?after=-1', { token: h.tokens.reviewer }),
      400,
      'invalid_request',
      'querystring.after: Too small: expected number to be >=0',
      'querystring.after',
    );
    assertError(
      await send('GET', '/v1/audit/events', { token: h.tokens.cityCourt }),
      403,
      'forbidden_role',
      forbiddenRoleMessage('agency', 'GET', '/v1/audit/events', ['reviewer', 'admin']),
    );
    assertError(await send('GET', '/v1/audit/events'), 401, 'unauthorized', messages.noToken);
  });
});

describe('tokens', () => {
  const created = z.object({ token: z.string(), id: z.string() });
  const tokenList = z.object({
    tokens: z.array(
      z.object({
        id: z.string(),
        role: z.string(),
        name: z.string(),
        scope: z.array(z.string()),
        createdAt: z.string(),
        revokedAt: z.string().optional(),
      }),
    ),
  });
  const createTokenCall = (body: unknown, token = h.tokens.admin) => send('POST', '/v1/tokens', { token, body });

  test('POST creates a token (201) that works at once; GET lists it without any secret', async () => {
    const answer = await createTokenCall({ role: 'service-point', name: 'rail-desk', scope: ['travel.rail.g_series'] });
    assert.equal(answer.status, 201, answer.text);
    const body = parseBody(answer, created);
    assert.match(body.token, /^cr_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.equal(body.token.slice(3, 19), body.id);
    const decided = await decide(ids.defaulter, 'travel.rail.g_series', body.token);
    assert.equal(decided.status, 200, decided.text);
    assert.equal(parseBody(decided, decision).outcome, 'deny');

    const listed = await send('GET', '/v1/tokens', { token: h.tokens.admin });
    assert.equal(listed.status, 200, listed.text);
    const tokens = parseBody(listed, tokenList).tokens;
    assert.deepEqual(
      tokens.find((t) => t.id === body.id),
      { id: body.id, role: 'service-point', name: 'rail-desk', scope: ['travel.rail.g_series'], createdAt: fixedNow },
    );
    assert.ok(!listed.text.includes('secretHash'), 'no secretHash');
    const summaryKeys = ['id', 'role', 'name', 'scope', 'createdAt', 'revokedAt'];
    for (const raw of (listed.json as { tokens: Record<string, unknown>[] }).tokens) {
      const extra = Object.keys(raw).filter((k) => !summaryKeys.includes(k));
      assert.deepEqual(extra, [], 'a token summary holds only its id, role, name, scope and instants');
    }
    assert.ok(!listed.text.toLowerCase().includes('secret'), 'no secret of any kind');
    for (const secret of [body.token, ...Object.values(h.tokens)]) {
      assert.ok(!listed.text.includes(secret.slice(20)), 'no token secret in the list');
    }
  });

  test('POST: 422 for an unknown agency, a service point without scope, and other refusals', async () => {
    assertError(
      await createTokenCall({ role: 'agency', name: 'ministry-of-truth' }),
      422,
      'unknown_agency',
      'no agency ministry-of-truth; an agency token is named by its agency id',
      'name',
    );
    assertError(
      await createTokenCall({ role: 'service-point', name: 'hotel-desk' }),
      422,
      'missing_scope',
      'a service point token names the actions it may ask about',
      'scope',
    );
    assertError(
      await createTokenCall({ role: 'service-point', name: 'hotel-desk', scope: ['travel.teleport'] }),
      422,
      'unknown_action',
      'unknown action travel.teleport',
      'scope',
    );
    assertError(
      await createTokenCall({ role: 'agency', name: 'traffic-police', scope: ['court.defaulter.refuses'] }),
      422,
      'outside_remit',
      'agency traffic-police may not report rule court.defaulter.refuses, so it cannot be in its scope',
      'scope',
    );
    assertError(
      await createTokenCall({ role: 'reviewer', name: 'reviewer-9', scope: ['travel.flight'] }),
      422,
      'invalid_scope',
      'a reviewer token’s scope is at most the one agency the reviewer works for',
      'scope',
    );
    assertError(
      await createTokenCall({ role: 'admin', name: 'admin-9', scope: ['city-court'] }),
      422,
      'invalid_scope',
      'an admin token has no scope',
      'scope',
    );
    assertError(
      await createTokenCall({ role: 'reviewer', name: 'Reviewer Nine' }),
      422,
      'invalid_name',
      'name is 1-64 lower-case letters, digits, . _ -',
      'name',
    );
    assertError(
      await createTokenCall({ role: 'superuser', name: 'root' }),
      400,
      'invalid_request',
      'role: Invalid option: expected one of "agency"|"service-point"|"reviewer"|"admin"|"subject"',
      'role',
    );
  });

  test('DELETE revokes a token: it gets 401 at once; 404 for an unknown or already revoked one', async () => {
    assertError(
      await send('DELETE', '/v1/tokens/0000000000000000', { token: h.tokens.admin }),
      404,
      'token_not_found',
      'no active token 0000000000000000',
      'id',
    );
    const body = parseBody(await createTokenCall({ role: 'reviewer', name: 'short-lived' }), created);
    assert.equal((await send('GET', '/v1/audit/events?limit=1', { token: body.token })).status, 200);
    const revoked = await send('DELETE', `/v1/tokens/${body.id}`, { token: h.tokens.admin });
    assert.equal(revoked.status, 200, revoked.text);
    assert.deepEqual(revoked.json, { id: body.id, revoked: true });
    assertError(
      await send('GET', '/v1/audit/events?limit=1', { token: body.token }),
      401,
      'unauthorized',
      messages.unknownToken,
    );
    assertError(
      await send('DELETE', `/v1/tokens/${body.id}`, { token: h.tokens.admin }),
      404,
      'token_not_found',
      `no active token ${body.id}`,
      'id',
    );
    const listed = parseBody(await send('GET', '/v1/tokens', { token: h.tokens.admin }), tokenList).tokens;
    assert.equal(listed.find((t) => t.id === body.id)?.revokedAt, fixedNow);
  });

  test('tokens are for administrators: 403 for a reviewer, 401 without a token', async () => {
    assertError(
      await createTokenCall({ role: 'admin', name: 'escalated' }, h.tokens.reviewer),
      403,
      'forbidden_role',
      forbiddenRoleMessage('reviewer', 'POST', '/v1/tokens', ['admin']),
    );
    assertError(
      await send('DELETE', `/v1/tokens/${h.tokenIds.admin}`, { token: h.tokens.servicePoint }),
      403,
      'forbidden_role',
      forbiddenRoleMessage('service-point', 'DELETE', '/v1/tokens/:id', ['admin']),
    );
    assertError(await send('GET', '/v1/tokens'), 401, 'unauthorized', messages.noToken);
  });
});

describe('service routes', () => {
  test('GET /healthz is public and reports the index and the decision log', async () => {
    const answer = await send('GET', '/healthz');
    assert.equal(answer.status, 200, answer.text);
    const body = parseBody(
      answer,
      z.strictObject({
        status: z.literal('ok'),
        role: z.literal('main'),
        indexSubjects: z.number().int(),
        decisionLogPending: z.number().int(),
        decisionLogWritten: z.number().int(),
      }),
    );
    assert.ok(body.indexSubjects >= 3, `index holds the listed subjects: ${body.indexSubjects}`);
    assert.equal('replication' in body, false, 'only a replica reports replication');
  });

  test('GET /metrics is public Prometheus text with request and decision counters by pattern', async () => {
    await decide(ids.defaulter, 'travel.flight');
    await send('GET', `/v1/subjects/${ids.defaulter}/standing`, { token: h.tokens.reviewer });
    const answer = await send('GET', '/metrics');
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers['content-type']), /^text\/plain/);
    assert.match(
      answer.text,
      /^credence_http_requests_total\{method="GET",route="\/v1\/decisions",status="200"\} \d+$/m,
    );
    assert.match(answer.text, /^credence_http_requests_total\{.*route="\/v1\/subjects\/:subject\/standing"/m);
    assert.match(answer.text, /^credence_decisions_total\{action="travel\.flight",outcome="deny"\} \d+$/m);
    assert.match(answer.text, /^credence_decisions_total\{action="travel\.flight",outcome="allow"\} \d+$/m);
    assert.match(answer.text, /^credence_records_total\{status="accepted"\} \d+$/m);
    for (const id of Object.values(ids)) assert.ok(!answer.text.includes(id), `metrics name no subject: ${id}`);
  });

  test('a plugin’s own error code is replaced by ours: a forbidden static path is 403 forbidden', async () => {
    const answer = await send('GET', '/docs/static/%2e%2e%5c%2e%2e%5cpackage.json');
    assert.equal(answer.status, 403, answer.text);
    assert.equal((answer.json as { error: { code: string } }).error.code, 'forbidden');
  });

  test('404 route_not_found for an unknown route or method, without the query string', async () => {
    assertError(await send('GET', '/v1/nothing'), 404, 'route_not_found', 'no route GET /v1/nothing');
    assertError(
      await send('GET', `/v1/nothing?subject=${ids.defaulter}`),
      404,
      'route_not_found',
      'no route GET /v1/nothing',
    );
    assertError(
      await send('DELETE', '/v1/records', { token: h.tokens.admin }),
      404,
      'route_not_found',
      'no route DELETE /v1/records',
    );
  });

  test('a URL that cannot be decoded is refused in the standard error shape, with a request id', async () => {
    const answer = await call(h.app, 'GET', `/v1/subjects/${ids.defaulter}%ZZ/standing`, {
      token: h.tokens.reviewer,
    });
    assert.equal(answer.status, 400);
    const shape = z.strictObject({
      error: z.strictObject({ code: z.string(), message: z.string(), field: z.string().optional() }),
    });
    assert.ok(shape.safeParse(answer.json).success, `expected {"error": {code, message}}, got ${answer.text}`);
    assert.equal(typeof answer.headers['x-request-id'], 'string', 'x-request-id header');
  });
});

describe('GET /openapi.json', () => {
  const expectedOperations = [
    'get /healthz',
    'get /metrics',
    'get /v1/audit/checkpoints',
    'post /v1/audit/checkpoints',
    'get /v1/session',
    'post /v1/session',
    'post /v1/simulations',
    'delete /v1/session',
    'get /v1/audit/checkpoints/latest',
    'get /v1/audit/events',
    'get /v1/audit/proofs/consistency',
    'get /v1/audit/proofs/inclusion',
    'get /v1/audit/public-key',
    'get /v1/catalogs',
    'get /v1/catalogs/{scheme}/draft',
    'put /v1/catalogs/{scheme}/draft',
    'post /v1/catalogs/{scheme}/draft/publish',
    'post /v1/catalogs/{scheme}/draft/simulation',
    'get /v1/catalogs/{scheme}/draft/simulation/subjects/{subject}',
    'get /v1/catalogs/{scheme}/versions',
    'get /v1/catalogs/{scheme}/versions/{version}',
    'get /v1/decisions',
    'post /v1/decisions/batch',
    'get /v1/lists',
    'get /v1/lists/{list}/members',
    'get /v1/public/lists/{list}/members',
    'get /v1/public/statistics',
    'get /v1/records',
    'post /v1/records',
    'get /v1/repairs',
    'post /v1/repairs/{id}/decision',
    'post /v1/records/{agencyRef}/retraction',
    'get /v1/objections',
    'get /v1/objections/{id}',
    'post /v1/objections/{id}/decision',
    'get /v1/subjects/{subject}/access-log',
    'get /v1/subjects/{subject}/explanation',
    'get /v1/subjects/{subject}/export',
    'get /v1/subjects/{subject}/notices',
    'get /v1/subjects/{subject}/history',
    'get /v1/subjects/{subject}/represents',
    'get /v1/subjects/{subject}/objections',
    'get /v1/subjects/{subject}/repairs',
    'get /v1/accounts',
    'post /v1/accounts',
    'get /v1/agencies',
    'post /v1/subjects/{subject}/objections',
    'post /v1/subjects/{subject}/passports',
    'post /v1/subjects/{subject}/repairs',
    'get /v1/subjects/{subject}/standing',
    'get /v1/tokens',
    'post /v1/tokens',
    'delete /v1/tokens/{id}',
  ];
  const publicOperations = [
    'get /healthz',
    'get /metrics',
    'get /v1/audit/checkpoints',
    'get /v1/audit/checkpoints/latest',
    'post /v1/session',
    'get /v1/audit/proofs/consistency',
    'get /v1/audit/proofs/inclusion',
    'get /v1/audit/public-key',
    'get /v1/catalogs',
    'get /v1/catalogs/{scheme}/versions',
    'get /v1/catalogs/{scheme}/versions/{version}',
    'get /v1/lists',
    'get /v1/public/lists/{list}/members',
    'get /v1/public/statistics',
  ];
  const documentShape = z.object({
    openapi: z.string(),
    security: z.array(z.record(z.string(), z.array(z.string()))),
    paths: z.record(
      z.string(),
      z.record(
        z.string(),
        z.object({
          security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
          responses: z.record(z.string(), z.unknown()),
        }),
      ),
    ),
  });
  const sortKey = (op: string) => op.split(' ').reverse().join(' ');
  const sorted = (ops: Iterable<string>) => [...ops].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));

  async function openapi() {
    const answer = await send('GET', '/openapi.json');
    assert.equal(answer.status, 200, answer.text);
    return parseBody(answer, documentShape);
  }
  const operationsOf = (doc: z.infer<typeof documentShape>) =>
    Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));

  /** Every method and path the router holds, from printRoutes (Fastify's HEAD twins and the docs UI aside). */
  function registeredOperations(app: FastifyInstance): string[] {
    const prefixes: string[] = [];
    const operations: string[] = [];
    for (const line of app.printRoutes().split('\n')) {
      const match = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([^)]*)\))?$/.exec(line);
      if (!match) continue;
      const depth = (match[1] ?? '').length / 4;
      const path = `${prefixes[depth - 1] ?? ''}${match[2] ?? ''}`;
      prefixes.length = depth;
      prefixes.push(path);
      for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
        if (method === '' || method === 'HEAD') continue;
        if (path.startsWith('/docs') || path === '/openapi.json') continue;
        // The web app's page, icon and assets (http/web.ts) are not API operations.
        if (path === '/' || path === '/favicon.svg' || path.startsWith('/assets/')) continue;
        operations.push(`${method.toLowerCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
    return operations;
  }

  test('is OpenAPI 3.1.0 with an operation for every route the server registered', async () => {
    const doc = await openapi();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(sorted(operationsOf(doc)), sorted(expectedOperations));
    assert.deepEqual(sorted(registeredOperations(h.app)), sorted(expectedOperations));
    assert.deepEqual(doc.security, [{ bearer: [] }]);
  });

  test('public routes are documented as needing no token; the others document 401 and 403', async () => {
    const doc = await openapi();
    const wronglySecured = publicOperations.filter((op) => {
      const [method = '', path = ''] = op.split(' ');
      return doc.paths[path]?.[method]?.security?.length !== 0;
    });
    for (const op of expectedOperations.filter((o) => !publicOperations.includes(o))) {
      const [method = '', path = ''] = op.split(' ');
      const responses = Object.keys(doc.paths[path]?.[method]?.responses ?? {});
      assert.ok(responses.includes('401') && responses.includes('403'), `${op} documents ${responses.join(',')}`);
    }
    assert.deepEqual(wronglySecured, [], 'public operations documented as needing a bearer token');
  });

  // Runs last: every status a route was seen to answer above is one its OpenAPI entry documents.
  test('documents every status the routes answered in these tests', async () => {
    const doc = await openapi();
    const undocumented: string[] = [];
    for (const [op, statuses] of observed) {
      const [method = '', path = ''] = op.split(' ');
      const item = doc.paths[path]?.[method];
      if (item === undefined) continue;
      for (const status of statuses) if (!(String(status) in item.responses)) undocumented.push(`${op} ${status}`);
    }
    assert.ok(observed.size >= 15, `statuses observed for ${observed.size} operations`);
    assert.deepEqual(undocumented, []);
  });
});
