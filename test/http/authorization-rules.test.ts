/**
 * The finer authorisation rules, beyond a route's roles (auth.ts and the record use cases): an agency touches only
 * its own records, submits only the rule codes in its remit and its token's scope, a service point asks only about
 * the actions in its token's scope, and a revoked token is refused on the next request. Each refusal is checked
 * for its stable code and for leaving nothing behind: no record stored or retracted, no decision changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { revokeToken } from '../../src/app/tokens.ts';
import { assertError, call, fixedNowMs, ids, messages, startHarness, type Answer, type Harness } from './support.ts';

interface RecordView {
  readonly id: number;
  readonly agency: string;
  readonly agencyRef: string;
  readonly subject: string;
  readonly code: string;
  readonly retracts?: number;
}

interface DecisionView {
  readonly outcome: string;
  readonly reasons: readonly unknown[];
}

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

async function recordsOf(token: string, query = ''): Promise<RecordView[]> {
  const answer = await call(h.app, 'GET', `/v1/records?limit=1000${query}`, { token });
  assert.equal(answer.status, 200, answer.text);
  return (answer.json as { records: RecordView[] }).records;
}

/** What a service point is told about a subject: the outcome and the reasons (the decision id differs per call). */
async function decisionOf(subject: string, action = 'travel.flight'): Promise<DecisionView> {
  const answer = await call(h.app, 'GET', `/v1/decisions?subject=${subject}&action=${action}`, {
    token: h.tokens.servicePoint,
  });
  assert.equal(answer.status, 200, answer.text);
  const { outcome, reasons } = answer.json as DecisionView;
  return { outcome, reasons };
}

/** Every record of the subject, as staff see them (retractions included). */
async function explainedRecords(subject: string): Promise<RecordView[]> {
  const answer = await call(h.app, 'GET', `/v1/subjects/${subject}/explanation`, { token: h.tokens.reviewer });
  assert.equal(answer.status, 200, answer.text);
  return (answer.json as { records: RecordView[] }).records;
}

/** Every audit event of these kinds, with the queued decisions and reads written first. */
async function auditEventsOf(...kinds: string[]): Promise<{ kind: string; payload: Record<string, unknown> }[]> {
  await h.service.decisionLog.flush();
  const events = await h.service.context.store.auditEvents(0, 100_000);
  return events.filter((e) => kinds.includes(e.kind));
}

async function createToken(body: {
  role: string;
  name: string;
  scope?: string[];
}): Promise<{ token: string; id: string }> {
  const created = await call(h.app, 'POST', '/v1/tokens', { token: h.tokens.admin, body });
  assert.equal(created.status, 201, created.text);
  return created.json as { token: string; id: string };
}

function submit(token: string, records: readonly unknown[]): Promise<Answer> {
  return call(h.app, 'POST', '/v1/records', { token, body: { records } });
}

const fine = (agencyRef: string, subject: string) => ({
  agencyRef,
  subject,
  code: 'traffic.fine',
  effectiveAt: '2026-10-01T08:00:00Z',
  evidence: `ticket ${agencyRef}`,
  amount: 300,
});

const courtRecord = (agencyRef: string, subject: string, code: string) => ({
  agencyRef,
  subject,
  code,
  effectiveAt: '2026-10-01T00:00:00Z',
  evidence: `(2026) 京01执${agencyRef}号`,
});

describe('an agency and another agency’s records', () => {
  /*
   * The retraction path names a reference in the caller's own namespace (agencyRef is unique per agency), so an
   * agency cannot even address another agency's record: the answer is the stable 404 `record_not_found`, worded
   * and shaped exactly as for a reference nobody holds. A 403 here would tell one agency which references another
   * holds.
   */
  test('retracting another agency’s record is refused (404 record_not_found) and the record stays in force', async () => {
    const decisionBefore = await decisionOf(ids.defaulter);
    assert.equal(decisionBefore.outcome, 'deny', 'the court defaulter is refused a flight before');
    const courtBefore = await recordsOf(h.tokens.cityCourt);
    const cc1 = courtBefore.find((r) => r.agencyRef === 'CC-1');
    assert.ok(cc1, 'city-court holds CC-1');

    for (const [i, ref] of ['CC-1', 'city-court:CC-1', 'city-court%2FCC-1', String(cc1.id)].entries()) {
      const answer = await call(h.app, 'POST', `/v1/records/${ref}/retraction`, {
        token: h.tokens.trafficPolice,
        body: { agencyRef: `TP-TAKE-${i}`, reason: 'not ours to retract' },
      });
      assertError(
        answer,
        404,
        'record_not_found',
        `agency traffic-police has no record ${decodeURIComponent(ref)}`,
        'params.agencyRef',
      );
    }
    // The same answer as for a reference no agency holds: no oracle for another agency's references.
    const unknown = await call(h.app, 'POST', '/v1/records/NOBODY-HOLDS-THIS/retraction', {
      token: h.tokens.trafficPolice,
      body: { agencyRef: 'TP-TAKE-X', reason: 'not ours to retract' },
    });
    assertError(
      unknown,
      404,
      'record_not_found',
      'agency traffic-police has no record NOBODY-HOLDS-THIS',
      'params.agencyRef',
    );

    assert.deepEqual(await decisionOf(ids.defaulter), decisionBefore, 'the service point’s decision is unchanged');
    assert.deepEqual(await recordsOf(h.tokens.cityCourt), courtBefore, 'city-court’s records are unchanged');
    assert.deepEqual(
      (await recordsOf(h.tokens.trafficPolice)).filter((r) => r.agencyRef.startsWith('TP-TAKE-')),
      [],
      'no retraction was stored under traffic-police either',
    );
    assert.equal(
      (await explainedRecords(ids.defaulter)).some((r) => r.retracts === cc1.id),
      false,
      'no record retracts CC-1',
    );
    assert.deepEqual(
      (await auditEventsOf('record.retracted')).filter((e) => e.payload.retracts === cc1.id),
      [],
    );
  });

  test('the owner’s retraction of its own record, the same request, works (the refusal above is not vacuous)', async () => {
    const answer = await call(h.app, 'POST', '/v1/records/CC-3/retraction', {
      token: h.tokens.cityCourt,
      body: { agencyRef: 'CC-3-R', reason: 'entered in error' },
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal((answer.json as { status: string }).status, 'retracted');
    assert.equal((await decisionOf(ids.passportDefaulter)).outcome, 'allow');
  });

  test('an agency reading records sees only its own, whatever it asks for', async () => {
    const others = new Map([
      ['traffic-police', ['CC-1', 'CC-2', 'CC-3', 'MR-1', 'MR-2']],
      ['city-court', ['TP-1', 'MR-1', 'MR-2']],
      ['market-regulator', ['TP-1', 'CC-1', 'CC-2', 'CC-3']],
    ]);
    const tokens = new Map([
      ['traffic-police', h.tokens.trafficPolice],
      ['city-court', h.tokens.cityCourt],
      ['market-regulator', h.tokens.marketRegulator],
    ]);
    for (const [agency, token] of tokens) {
      for (const query of ['', '&before=1000000', '&agency=city-court', '&agency=market-regulator&subject=x']) {
        const records = await recordsOf(token, query);
        assert.ok(records.length > 0, `${agency}${query} sees its own records`);
        assert.deepEqual(
          records.filter((r) => r.agency !== agency),
          [],
          `${agency}${query} sees no other agency’s record`,
        );
        const refs = new Set(records.map((r) => r.agencyRef));
        assert.deepEqual(
          (others.get(agency) ?? []).filter((ref) => refs.has(ref)),
          [],
          `${agency}${query}: none of the other agencies’ references`,
        );
      }
    }
    // Paging from an id of another agency's record still gives only the caller's own, older ones.
    const court = await recordsOf(h.tokens.cityCourt);
    const newestCourtId = Math.max(...court.map((r) => r.id));
    const paged = await recordsOf(h.tokens.trafficPolice, `&before=${newestCourtId + 1}`);
    assert.ok(paged.every((r) => r.agency === 'traffic-police'));
  });
});

describe('remit and scope of an agency’s token', () => {
  test('a rule code outside the agency’s remit is 403 outside_remit, and nothing of the batch is stored', async () => {
    const ownBefore = await recordsOf(h.tokens.trafficPolice);
    const acceptedBefore = (await auditEventsOf('records.accepted')).length;
    const decisionBefore = await decisionOf(ids.clean2);
    const answer = await submit(h.tokens.trafficPolice, [
      fine('TP-REMIT-1', ids.clean),
      courtRecord('TP-REMIT-2', ids.clean2, 'court.defaulter.refuses'),
    ]);
    assertError(
      answer,
      403,
      'outside_remit',
      'agency traffic-police may not report rule court.defaulter.refuses',
      'records.1.code',
    );
    assert.deepEqual(await recordsOf(h.tokens.trafficPolice), ownBefore, 'nothing stored, not even the good item');
    assert.deepEqual(await explainedRecords(ids.clean), []);
    assert.deepEqual(await explainedRecords(ids.clean2), []);
    assert.deepEqual(await decisionOf(ids.clean2), decisionBefore);
    assert.equal((await auditEventsOf('records.accepted')).length, acceptedBefore, 'no records.accepted event');
  });

  test('a token scoped to some rule codes cannot submit others of its agency’s remit', async () => {
    const scoped = await createToken({ role: 'agency', name: 'city-court', scope: ['court.defaulter.refuses'] });
    const courtBefore = await recordsOf(h.tokens.cityCourt);

    const outside = await submit(scoped.token, [courtRecord('CC-SCOPE-1', ids.clean, 'court.defaulter.obstruction')]);
    assertError(
      outside,
      403,
      'outside_remit',
      'agency city-court may not report rule court.defaulter.obstruction',
      'records.0.code',
    );
    const mixed = await submit(scoped.token, [
      courtRecord('CC-SCOPE-2', ids.clean, 'court.defaulter.refuses'),
      courtRecord('CC-SCOPE-3', ids.clean, 'court.defaulter.evasion'),
    ]);
    assertError(
      mixed,
      403,
      'outside_remit',
      'agency city-court may not report rule court.defaulter.evasion',
      'records.1.code',
    );
    assert.deepEqual(await recordsOf(h.tokens.cityCourt), courtBefore, 'nothing stored');
    assert.equal((await decisionOf(ids.clean)).outcome, 'allow');

    // The refusals come from the token's scope (stored as asked), and the scoped token may submit its own code.
    const listed = await call(h.app, 'GET', '/v1/tokens', { token: h.tokens.admin });
    const stored = (listed.json as { tokens: { id: string; scope: string[] }[] }).tokens.find(
      (t) => t.id === scoped.id,
    );
    assert.deepEqual(stored?.scope, ['court.defaulter.refuses']);
    const inScope = await submit(scoped.token, [courtRecord('CC-SCOPE-4', ids.clean, 'court.defaulter.refuses')]);
    assert.equal(inScope.status, 200, inScope.text);
    assert.equal((inScope.json as { accepted: number }).accepted, 1);
    assert.equal((await decisionOf(ids.clean)).outcome, 'deny', 'the in-scope record took effect');
  });

  /*
   * A retraction is a record of the retracted record's code (it undoes that code's effects), so a token narrowed
   * to some codes may retract only records of those codes, as it may submit only those.
   */
  test('a token scoped to some rule codes cannot retract a record of another code; the record stays in force', async () => {
    const scoped = await createToken({ role: 'agency', name: 'city-court', scope: ['court.defaulter.refuses'] });
    const decisionBefore = await decisionOf(ids.defaulter2);
    assert.equal(decisionBefore.outcome, 'deny', 'CC-2 (court.defaulter.obstruction) lists defaulter2');

    const answer = await call(h.app, 'POST', '/v1/records/CC-2/retraction', {
      token: scoped.token,
      body: { agencyRef: 'CC-2-SCOPED-R', reason: 'retracted through a token scoped to another code' },
    });
    const decisionAfter = await decisionOf(ids.defaulter2);
    // One assertion, so that a failure shows the answer and what it did to the decision together.
    assert.deepEqual(
      {
        status: answer.status,
        code: (answer.json as { error?: { code?: string } }).error?.code,
        decision: decisionAfter,
      },
      { status: 403, code: 'outside_remit', decision: decisionBefore },
      `a city-court token scoped to court.defaulter.refuses retracting CC-2 (court.defaulter.obstruction): ${answer.text}`,
    );
  });
});

describe('scope of a service point’s token', () => {
  test('an action outside the token’s scope is 403 outside_scope, single and batch, and no decision is logged', async () => {
    // The harness's service point may ask about travel.flight and procurement.bid.
    const single = await call(h.app, 'GET', `/v1/decisions?subject=${ids.defaulter}&action=travel.rail.any`, {
      token: h.tokens.servicePoint,
    });
    const message = 'this service point may ask only about procurement.bid, travel.flight, not travel.rail.any';
    assertError(single, 403, 'outside_scope', message, 'action');
    const batch = await call(h.app, 'POST', '/v1/decisions/batch', {
      token: h.tokens.servicePoint,
      body: { action: 'travel.rail.any', subjects: [ids.defaulter, ids.clean] },
    });
    assertError(batch, 403, 'outside_scope', message, 'action');
    const logged = (await auditEventsOf('decision.made')).filter((e) => e.payload.action === 'travel.rail.any');
    assert.deepEqual(logged, [], 'no decision about the action was made or logged');
  });

  test('the scope is the token’s own: another desk scoped to rail may not ask about flights', async () => {
    const rail = await createToken({ role: 'service-point', name: 'rail-desk', scope: ['travel.rail.any'] });
    const flight = await call(h.app, 'GET', `/v1/decisions?subject=${ids.defaulter}&action=travel.flight`, {
      token: rail.token,
    });
    assertError(
      flight,
      403,
      'outside_scope',
      'this service point may ask only about travel.rail.any, not travel.flight',
      'action',
    );
    const railAnswer = await call(h.app, 'GET', `/v1/decisions?subject=${ids.defaulter}&action=travel.rail.any`, {
      token: rail.token,
    });
    assert.equal(railAnswer.status, 200, railAnswer.text);
  });
});

describe('revocation', () => {
  test('a token revoked over HTTP is refused on the very next request, on every route it could use', async () => {
    const agency = await createToken({ role: 'agency', name: 'traffic-police' });
    const desk = await createToken({ role: 'service-point', name: 'short-lived-desk', scope: ['travel.flight'] });
    const admin = await createToken({ role: 'admin', name: 'short-lived-admin' });
    assert.equal((await call(h.app, 'GET', '/v1/records', { token: agency.token })).status, 200);
    const asked = `/v1/decisions?subject=${ids.defaulter}&action=travel.flight`;
    assert.equal((await call(h.app, 'GET', asked, { token: desk.token })).status, 200);
    assert.equal((await call(h.app, 'GET', '/v1/tokens', { token: admin.token })).status, 200);

    for (const { id } of [agency, desk]) {
      const revoked = await call(h.app, 'DELETE', `/v1/tokens/${id}`, { token: h.tokens.admin });
      assert.equal(revoked.status, 200, revoked.text);
    }
    // An administrator revoking their own token: the revocation succeeds, the token's next use does not.
    const self = await call(h.app, 'DELETE', `/v1/tokens/${admin.id}`, { token: admin.token });
    assert.equal(self.status, 200, self.text);

    const refusedCalls: [string, 'GET' | 'POST' | 'DELETE', string, unknown][] = [
      [agency.token, 'GET', '/v1/records', undefined],
      [agency.token, 'POST', '/v1/records', { records: [fine('TP-REVOKED-1', ids.clean2)] }],
      [agency.token, 'POST', '/v1/records/TP-1/retraction', { agencyRef: 'TP-REVOKED-R', reason: 'revoked' }],
      [desk.token, 'GET', asked, undefined],
      [desk.token, 'POST', '/v1/decisions/batch', { action: 'travel.flight', subjects: [ids.defaulter] }],
      [admin.token, 'GET', '/v1/tokens', undefined],
      [admin.token, 'POST', '/v1/tokens', { role: 'admin', name: 'revived' }],
      [admin.token, 'DELETE', `/v1/tokens/${h.tokenIds.reviewer}`, undefined],
    ];
    for (const [token, method, url, body] of refusedCalls) {
      const answer = await call(h.app, method, url, { token, ...(body === undefined ? {} : { body }) });
      assertError(answer, 401, 'unauthorized', messages.unknownToken);
    }
    assert.equal(
      (await recordsOf(h.tokens.trafficPolice)).some((r) => r.agencyRef.startsWith('TP-REVOKED')),
      false,
      'nothing stored through a revoked token',
    );
    assert.equal((await call(h.app, 'GET', '/v1/audit/events', { token: h.tokens.reviewer })).status, 200);
    assert.equal((await call(h.app, 'GET', '/v1/tokens', { token: h.tokens.admin })).status, 200, 'others still work');
    const revocations = await auditEventsOf('token.revoked');
    for (const { id } of [agency, desk, admin]) {
      assert.ok(
        revocations.some((e) => e.payload.id === id),
        `the revocation of ${id} is audited`,
      );
    }
  });

  test('a token revoked from the command line is refused once the service re-reads its tokens (every 5 s)', async () => {
    const desk = await createToken({ role: 'service-point', name: 'cli-revoked-desk', scope: ['travel.flight'] });
    const asked = `/v1/decisions?subject=${ids.defaulter}&action=travel.flight`;
    assert.equal((await call(h.app, 'GET', asked, { token: desk.token })).status, 200);
    // As `credence tokens revoke` does, from another process: the running service is not told.
    const revoked = await revokeToken(h.service.context, desk.id, { nowMs: fixedNowMs, actor: 'cli' });
    assert.ok(revoked.ok);
    // The periodic re-read (tokenRefreshIntervalMs) runs this.
    await h.service.tokens.refresh();
    assertError(await call(h.app, 'GET', asked, { token: desk.token }), 401, 'unauthorized', messages.unknownToken);
  });
});
