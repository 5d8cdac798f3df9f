/** A citizen's passport linked to their resident ID: checks, explanations and records by passport reach the person. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkAction, explain } from '../../src/app/decisions.ts';
import { linkPassport } from '../../src/app/passports.ts';
import { submitRecords } from '../../src/app/records.ts';
import { followChanges, loadIndex, type DecisionIndex } from '../../src/index/decision-index.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';
import { testKeys } from '../support/keys.ts';

const nowMs = Date.parse('2026-11-22T00:00:00Z');
const person = '11010519491231002X';
const passport = 'passport:CHN:E12345678';
let t: TestContext;
let index: DecisionIndex;

before(async () => {
  t = await openTestContext();
  index = await loadIndex(t.context.store, t.context.catalogs, nowMs);
  t.context.observers.push(
    followChanges(
      index,
      t.context.store,
      () => t.context.catalogs,
      () => nowMs,
    ),
  );
  await submitRecords(
    t.context,
    [
      {
        agency: 'city-court',
        agencyRef: 'C-1',
        subject: person,
        code: 'court.defaulter.refuses',
        effectiveAt: '2026-11-01T00:00:00Z',
        evidence: 'ruling',
      },
    ],
    { nowMs },
  );
});
after(() => t.close());

const byPassport = async () => {
  const d = await checkAction(
    t.context,
    { subject: passport, action: 'travel.flight', atMs: nowMs },
    { nowMs, actor: 'test' },
  );
  assert.ok(d.ok);
  return d.value;
};

test('before linking, the passport is a stranger; after, checks by passport reach the listed person, in the store and the index', async () => {
  assert.equal((await byPassport()).outcome, 'allow');
  const unlinked = index.decide(passport, 'travel.flight', nowMs);
  assert.equal(unlinked.ok && unlinked.value.outcome, 'allow');
  const linked = await linkPassport(t.context, { subject: person, passport }, { nowMs, actor: 'admin' });
  assert.deepEqual(linked, { ok: true, value: { subject: person, passport } });
  const decision = await byPassport();
  assert.equal(decision.outcome, 'deny');
  assert.equal(decision.subject, person);
  const fromIndex = index.decide(passport, 'travel.flight', nowMs);
  assert.ok(fromIndex.ok);
  assert.equal(fromIndex.value.outcome, 'deny');
  assert.deepEqual(fromIndex.value.reasons, decision.reasons);
  const explained = await explain(t.context, passport, nowMs);
  assert.equal(explained.ok && explained.value.subject.key, person);
  const events = await t.context.store.auditEventsOf(person, 10);
  assert.ok(events.some((e) => e.kind === 'passport.linked' && e.payload.passport === testKeys.lookup(passport)));
});

test('a record reported by a linked passport belongs to the person', async () => {
  const result = await submitRecords(
    t.context,
    [
      {
        agency: 'civil-aviation',
        agencyRef: 'A-1',
        subject: passport,
        code: 'aviation.disruption',
        effectiveAt: '2026-11-10T00:00:00Z',
        evidence: 'report',
      },
    ],
    { nowMs },
  );
  assert.equal(result.accepted, 1);
  assert.ok((await t.context.store.recordsOf(person)).some((r) => r.agencyRef === 'A-1'));
  assert.deepEqual(await t.context.store.recordsOf(passport), []);
});

test('what cannot be linked is refused with a reason', async () => {
  const refuse = async (subject: string, p: string) => {
    const r = await linkPassport(t.context, { subject, passport: p }, { nowMs, actor: 'admin' });
    return r.ok ? 'linked' : r.problem.code;
  };
  assert.equal(await refuse(person, passport), 'passport_linked');
  assert.equal(await refuse(person, 'passport:DEU:C01X00T47'), 'not_a_chinese_passport');
  assert.equal(await refuse('91110108551385082Q', 'passport:CHN:E87654321'), 'not_a_resident');
  await submitRecords(
    t.context,
    [
      {
        agency: 'civil-aviation',
        agencyRef: 'A-2',
        subject: 'passport:CHN:G11112222',
        code: 'aviation.disruption',
        effectiveAt: '2026-11-10T00:00:00Z',
        evidence: 'report',
      },
    ],
    { nowMs },
  );
  assert.equal(await refuse('360426199101010071', 'passport:CHN:G11112222'), 'passport_has_records');
});
