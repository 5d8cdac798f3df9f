/**
 * Idempotency over HTTP, through Fastify's `inject` on a real SQLite store: POST /v1/records with the same body
 * twice answers the same per-item results the second time, the stored ones marked duplicate with the original
 * ids, and changes nothing the service shows (records, audit events, notices, the decision for the subject); ten
 * identical POSTs sent at once store each record exactly once. Retractions likewise. The tests share one service
 * and use subjects the harness leaves clean.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { recordsListed } from '../../src/app/audit-chain.ts';
import type { ChangeObserver } from '../../src/app/context.ts';
import { decision } from '../../src/http/decisions/schema.ts';
import { retractResult, submitResult } from '../../src/http/records/schema.ts';
import { call, ids, parseBody, startHarness, type Answer, type Harness } from './support.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.stop());

const postRecords = (token: string, records: readonly unknown[]) =>
  call(h.app, 'POST', '/v1/records', { token, body: { records } });

/** The decision as a service point gets it, without its decision id (new on every ask). */
async function flightDecision(subject: string) {
  const answer = await call(h.app, 'GET', `/v1/decisions?subject=${encodeURIComponent(subject)}&action=travel.flight`, {
    token: h.tokens.servicePoint,
  });
  assert.equal(answer.status, 200, answer.text);
  return { ...parseBody(answer, decision), decisionId: undefined };
}

/** What a repeat must not change: the subject's records, notices and derivation, and the record audit events. */
async function footprint(subject: string) {
  const { store } = h.service.context;
  const events = (await store.auditEvents(0, 1_000_000)).filter((e) => e.kind.startsWith('record'));
  return {
    records: await store.recordsOf(subject),
    notices: await store.noticesOf(subject, 100_000),
    derivation: await store.derivation(subject),
    recordEvents: events,
  };
}

/**
 * Sends `n` requests at once; returns the answers (in sending order) and the order they were answered in. On
 * node:sqlite a write runs to its answer without yielding to other requests, so an extra observer that takes its
 * time after each committed change (as an index refresh may) keeps the writing request in flight while the others
 * arrive: they overlap it for real.
 */
async function sendTogether(n: number, send: () => Promise<Answer>) {
  const { observers } = h.service.context;
  const slow: ChangeObserver = {
    subjectsChanged: () => new Promise((resolve) => setTimeout(resolve, 20)),
    catalogsChanged: async () => {},
  };
  observers.push(slow);
  const answered: number[] = [];
  try {
    const answers = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const answer = await send();
        answered.push(i);
        return answer;
      }),
    );
    return { answers, answered };
  } finally {
    observers.splice(observers.indexOf(slow), 1);
  }
}

test('the same body twice: the same results, duplicates of the same ids; nothing stored twice; decision unchanged', async () => {
  const subject = ids.clean;
  const records = [
    {
      agencyRef: 'IDEM-CC-1',
      subject,
      code: 'court.defaulter.refuses',
      effectiveAt: '2026-09-01T00:00:00Z',
      evidence: '(2026) 京01执9001号',
      caseRef: '(2026)京01执9001号',
    },
    {
      agencyRef: 'IDEM-CC-2',
      subject,
      code: 'court.defaulter.obstruction',
      effectiveAt: '2026-09-02T00:00:00Z',
      evidence: '(2026) 京01执9002号',
    },
    // Refused by the rules both times, with the same problem: a refusal is not stored, so it is never a duplicate.
    {
      agencyRef: 'IDEM-CC-3',
      subject,
      code: 'court.defaulter.refuses',
      effectiveAt: '2027-01-01T00:00:00Z',
      evidence: '(2026) 京01执9003号',
    },
  ];
  const allowed = await flightDecision(subject);
  assert.equal(allowed.outcome, 'allow');

  const first = await postRecords(h.tokens.cityCourt, records);
  assert.equal(first.status, 200, first.text);
  const firstBody = parseBody(first, submitResult);
  assert.deepEqual(
    { ...firstBody, results: firstBody.results.map((r) => r.status) },
    { accepted: 2, duplicates: 0, rejected: 1, results: ['accepted', 'accepted', 'rejected'] },
  );
  assert.equal(firstBody.results[2]?.error?.code, 'effective_in_future');
  const denied = await flightDecision(subject);
  assert.equal(denied.outcome, 'deny');
  const before = await footprint(subject);
  assert.equal(before.records.length, 2);

  const second = await postRecords(h.tokens.cityCourt, records);
  assert.equal(second.status, 200, second.text);
  assert.deepEqual(parseBody(second, submitResult), {
    accepted: 0,
    duplicates: 2,
    rejected: 1,
    results: firstBody.results.map((r) => (r.status === 'accepted' ? { ...r, status: 'duplicate' } : r)),
  });
  assert.deepEqual(await footprint(subject), before);
  assert.deepEqual(await flightDecision(subject), denied);
});

test('ten identical POSTs at once store each record exactly once', async () => {
  const subject = ids.clean2;
  const fine = (n: number, amount: number) => ({
    agencyRef: `IDEM-TP-${n}`,
    subject,
    code: 'traffic.fine',
    effectiveAt: `2026-0${n + 5}-01T08:00:00Z`,
    evidence: `ticket IDEM-TP-${n}`,
    amount,
  });
  const records = [fine(1, 200), fine(2, 800), fine(3, 3000)];
  const { answers, answered } = await sendTogether(10, () => postRecords(h.tokens.trafficPolice, records));
  const bodies = answers.map((a) => {
    assert.equal(a.status, 200, a.text);
    return parseBody(a, submitResult);
  });
  // The request that stored the records was answered last: the others came while it was in flight.
  const storer = bodies.findIndex((b) => b.accepted === records.length);
  assert.equal(answered.at(-1), storer, `answer order ${answered.join(', ')}`);
  for (const index of records.keys()) {
    const results = bodies.map((b) => b.results[index]);
    assert.equal(results.filter((r) => r?.status === 'accepted').length, 1, `record ${index} accepted once`);
    assert.equal(results.filter((r) => r?.status === 'duplicate').length, 9, `record ${index}: nine duplicates`);
    assert.equal(new Set(results.map((r) => r?.recordId)).size, 1, `record ${index}: one id in every answer`);
  }
  assert.deepEqual(
    bodies.map((b) => b.accepted + b.duplicates).reduce((x, y) => x + y),
    10 * records.length,
  );

  const { records: stored, notices, derivation, recordEvents } = await footprint(subject);
  assert.deepEqual(stored.map((r) => r.agencyRef).sort(), ['IDEM-TP-1', 'IDEM-TP-2', 'IDEM-TP-3']);
  const storedIds = new Set(stored.map((r) => r.id));
  // Each stored record is listed by exactly one records.accepted event.
  const listed = recordEvents
    .filter((e) => e.kind === 'records.accepted')
    .flatMap((e) => recordsListed(e.payload).map(({ id }) => id));
  assert.deepEqual(listed.filter((id) => storedIds.has(id)).sort(), [...storedIds].sort());
  // The derivation counts each fine once: the repeat multiplier doubles the second and third only.
  assert.deepEqual(
    derivation?.entries.map((e) => [e.points, e.multiplier]),
    [
      [-10, 1],
      [-40, 2],
      [-60, 2],
    ],
  );
  const told = notices.map((n) => `${n.kind} ${n.recordId}`);
  assert.equal(new Set(told).size, told.length, `no notice twice: ${told.join(', ')}`);
});

test('a retraction sent twice, and ten at once, retracts once and answers the same id', async () => {
  const subject = ids.clean;
  const retract = (agencyRef: string) =>
    call(h.app, 'POST', `/v1/records/${agencyRef}/retraction`, {
      token: h.tokens.cityCourt,
      body: { agencyRef: `${agencyRef}-R`, reason: 'entered against the wrong person' },
    });
  const first = await retract('IDEM-CC-1');
  assert.equal(first.status, 200, first.text);
  const retracted = parseBody(first, retractResult);
  assert.equal(retracted.status, 'retracted');
  const before = await footprint(subject);
  const decided = await flightDecision(subject);
  const again = await retract('IDEM-CC-1');
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(parseBody(again, retractResult), { ...retracted, status: 'duplicate' });
  assert.deepEqual(await footprint(subject), before);
  assert.deepEqual(await flightDecision(subject), decided);

  const { answers, answered } = await sendTogether(10, () => retract('IDEM-CC-2'));
  const bodies = answers.map((a) => {
    assert.equal(a.status, 200, a.text);
    return parseBody(a, retractResult);
  });
  assert.deepEqual(bodies.map((b) => b.status).sort(), [...Array<string>(9).fill('duplicate'), 'retracted']);
  assert.equal(
    answered.at(-1),
    bodies.findIndex((b) => b.status === 'retracted'),
    `answer order ${answered.join(', ')}`,
  );
  assert.equal(new Set(bodies.map((b) => b.recordId)).size, 1);
  const { records, recordEvents } = await footprint(subject);
  assert.equal(records.filter((r) => r.agencyRef === 'IDEM-CC-2-R').length, 1);
  assert.equal(
    recordEvents.filter((e) => e.kind === 'record.retracted' && e.payload.agencyRef === 'IDEM-CC-2-R').length,
    1,
  );
  // Both court records are retracted: the subject stands as before them.
  assert.equal((await flightDecision(subject)).outcome, 'allow');
});
