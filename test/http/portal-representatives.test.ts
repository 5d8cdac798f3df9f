/**
 * An organisation's representatives in the portal (issue 6: an organisation's data is seen by the representatives
 * registered for it). A person's subject token reaches the routes of an organisation it is recorded for now, as
 * legal representative or responsible manager, and nothing else: a relation that ended, one that has not begun, a
 * person with no relation and another organisation are all 403 not_your_data, writing nothing. A representative
 * files in their own name only. GET /v1/subjects/{subject}/represents lists the organisations a person represents.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { residentIdCheckCharacter } from '../../src/core/identifiers.ts';
import { call, fixedNow, ids, startHarness, type Harness, type Method } from './support.ts';

const residentId = (first17: string) => first17 + residentIdCheckCharacter(first17);
/** Recorded for the company until 2026-06-01 (before the harness's now). */
const formerManager = residentId('11010219800202001');
/** Recorded for the company from 2027-01-01 (after it). */
const futureManager = residentId('11010219810303002');

let h: Harness;
const tokens: Record<string, string> = {};
let companyRecordId: number;

const codeOf = (json: unknown) => (json as { error?: { code?: string } } | undefined)?.error?.code;

before(async () => {
  h = await startHarness();
  await h.service.context.store.transaction(async (tx) => {
    await tx.putSubjects(
      [formerManager, futureManager].map((key) => ({
        key,
        scheme: 'resident_id' as const,
        kind: 'person' as const,
        region: key.slice(0, 6),
      })),
    );
    await tx.putRelations([
      {
        organisation: ids.company,
        person: formerManager,
        role: 'responsible_manager',
        fromMs: Date.parse('2024-01-01T00:00:00Z'),
        untilMs: Date.parse('2026-06-01T00:00:00Z'),
      },
      {
        organisation: ids.company,
        person: futureManager,
        role: 'responsible_manager',
        fromMs: Date.parse('2027-01-01T00:00:00Z'),
      },
    ]);
  });
  for (const person of [ids.legalRep, ids.legalRep2, formerManager, futureManager, ids.defaulter, ids.company]) {
    const created = await call(h.app, 'POST', '/v1/tokens', {
      token: h.tokens.admin,
      body: { role: 'subject', name: person, scope: [] },
    });
    assert.equal(created.status, 201, created.text);
    tokens[person] = (created.json as { token: string }).token;
  }
  const record = (await h.service.context.store.recordsOf(ids.company)).find((r) => r.agencyRef === 'MR-1');
  assert.ok(record);
  companyRecordId = record.id;
});
after(() => h.stop());

const reads = ['standing', 'explanation', 'history', 'notices', 'export', 'access-log', 'objections', 'repairs'];

describe('a representative', () => {
  test('reads the organisation’s standing and every other read of its data, as the organisation would', async () => {
    const standing = await call(h.app, 'GET', `/v1/subjects/${ids.company}/standing`, { token: tokens[ids.legalRep] });
    assert.equal(standing.status, 200, standing.text);
    const body = standing.json as { subject: string; measures: { measure: string }[] };
    assert.equal(body.subject, ids.company);
    assert.ok(body.measures.some((m) => m.measure === 'market-joint-sanctions'));
    for (const what of reads) {
      const answer = await call(h.app, 'GET', `/v1/subjects/${ids.company}/${what}`, { token: tokens[ids.legalRep] });
      assert.equal(answer.status, 200, `${what}: ${answer.text}`);
    }
  });

  test('files an objection for the organisation in their own name, and follows it', async () => {
    const filed = await call(h.app, 'POST', `/v1/subjects/${ids.company}/objections`, {
      token: tokens[ids.legalRep],
      body: { recordId: companyRecordId, grounds: 'the licence was restored on appeal', filedBy: ids.legalRep },
    });
    assert.equal(filed.status, 201, filed.text);
    const objection = filed.json as { id: number; subject: string; filedBy: string; status: string; filedAt: string };
    assert.deepEqual(
      { subject: objection.subject, filedBy: objection.filedBy, status: objection.status, filedAt: objection.filedAt },
      { subject: ids.company, filedBy: ids.legalRep, status: 'open', filedAt: fixedNow },
    );
    const listed = await call(h.app, 'GET', `/v1/subjects/${ids.company}/objections`, { token: tokens[ids.legalRep] });
    assert.deepEqual(
      (listed.json as { objections: { id: number }[] }).objections.map((o) => o.id),
      [objection.id],
    );
    // The record now shows as disputed, and a second objection is refused for the open one.
    const explained = await call(h.app, 'GET', `/v1/subjects/${ids.company}/explanation`, {
      token: tokens[ids.legalRep],
    });
    const record = (
      explained.json as { records: { id: number; disputed: boolean; objectable: boolean }[] }
    ).records.find((r) => r.id === companyRecordId);
    assert.deepEqual(
      { disputed: record?.disputed, objectable: record?.objectable },
      { disputed: true, objectable: false },
    );
    const again = await call(h.app, 'POST', `/v1/subjects/${ids.company}/objections`, {
      token: tokens[ids.legalRep],
      body: { recordId: companyRecordId, grounds: 'again', filedBy: ids.legalRep },
    });
    assert.equal(again.status, 409);
    assert.equal(codeOf(again.json), 'objection_exists');
  });

  test('applies for repair for the organisation (refused here for the minimum period, not for who asks)', async () => {
    const applied = await call(h.app, 'POST', `/v1/subjects/${ids.company}/repairs`, {
      token: tokens[ids.legalRep],
      body: {
        recordId: companyRecordId,
        list: 'market-serious-dishonesty',
        conditions: ['obligation_performed', 'commitment_signed'],
        statement: 'fines paid, commitment signed',
      },
    });
    assert.equal(applied.status, 422, applied.text);
    assert.equal(codeOf(applied.json), 'repair_too_early');
  });

  test('may not file in another person’s name, nor may the organisation’s own token file in a person’s', async () => {
    const cases = [
      { token: tokens[ids.legalRep2], subject: ids.company2, filedBy: ids.legalRep },
      { token: tokens[ids.company], subject: ids.company, filedBy: ids.legalRep },
    ];
    for (const { token, subject, filedBy } of cases) {
      const before = (await h.service.context.store.objectionsOf(subject)).length;
      const answer = await call(h.app, 'POST', `/v1/subjects/${subject}/objections`, {
        token,
        body: { recordId: 1, grounds: 'not me', filedBy },
      });
      assert.equal(answer.status, 403, answer.text);
      assert.deepEqual((answer.json as { error: unknown }).error, {
        code: 'not_your_data',
        message: 'a subject token files in its own name only',
        field: 'filedBy',
      });
      assert.equal((await h.service.context.store.objectionsOf(subject)).length, before);
    }
  });

  test('lists the organisations they represent now, with role and since', async () => {
    const represents = await call(h.app, 'GET', `/v1/subjects/${ids.legalRep}/represents`, {
      token: tokens[ids.legalRep],
    });
    assert.equal(represents.status, 200, represents.text);
    assert.deepEqual(represents.json, {
      organisations: [
        {
          organisation: ids.company,
          kind: 'organisation',
          role: 'legal_representative',
          since: '2024-01-01T00:00:00.000Z',
        },
      ],
    });
    for (const person of [formerManager, futureManager, ids.defaulter]) {
      const none = await call(h.app, 'GET', `/v1/subjects/${person}/represents`, { token: tokens[person] });
      assert.deepEqual(none.json, { organisations: [] }, person);
    }
    const staff = await call(h.app, 'GET', `/v1/subjects/${ids.legalRep2}/represents`, { token: h.tokens.reviewer });
    assert.deepEqual(
      (staff.json as { organisations: { organisation: string }[] }).organisations.map((o) => o.organisation),
      [ids.company2],
    );
  });
});

describe('nobody else reaches an organisation’s data', () => {
  const refusals: readonly [Method, string, unknown][] = [
    ...reads.map((what): [Method, string, unknown] => ['GET', what, undefined]),
    ['GET', 'represents', undefined],
    ['POST', 'objections', { recordId: 1, grounds: 'not mine' }],
    ['POST', 'repairs', { recordId: 1, conditions: ['obligation_performed'], statement: 'paid' }],
  ];

  test('a former representative, a future one and a person with no relation get 403 not_your_data', async () => {
    const objectionsBefore = (await h.service.context.store.objectionsOf(ids.company)).length;
    for (const person of [formerManager, futureManager, ids.defaulter]) {
      for (const [method, what, body] of refusals) {
        const answer = await call(h.app, method, `/v1/subjects/${ids.company}/${what}`, {
          token: tokens[person],
          ...(body === undefined ? {} : { body: { ...body, filedBy: person } }),
        });
        assert.equal(answer.status, 403, `${person} ${method} ${what}: ${answer.text}`);
        assert.equal(codeOf(answer.json), 'not_your_data');
        assert.ok(!answer.text.includes(ids.company), 'the refusal does not echo the identifier');
      }
    }
    assert.equal((await h.service.context.store.objectionsOf(ids.company)).length, objectionsBefore);
  });

  test('a representative of one organisation does not reach another, nor another person', async () => {
    for (const subject of [ids.company2, ids.defaulter, ids.legalRep2, ids.cleanCompany]) {
      const answer = await call(h.app, 'GET', `/v1/subjects/${subject}/standing`, { token: tokens[ids.legalRep] });
      assert.equal(answer.status, 403, `${subject}: ${answer.text}`);
      assert.equal(codeOf(answer.json), 'not_your_data');
    }
  });

  test('an organisation’s own token does not reach its representatives’ data', async () => {
    const answer = await call(h.app, 'GET', `/v1/subjects/${ids.legalRep}/standing`, { token: tokens[ids.company] });
    assert.equal(answer.status, 403);
    assert.equal(codeOf(answer.json), 'not_your_data');
  });
});
