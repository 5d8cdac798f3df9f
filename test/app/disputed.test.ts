/** A scheme that declares disputedStopsCounting: a record under objection stops counting until decided. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { publishCatalog } from '../../src/app/catalogs.ts';
import { explain } from '../../src/app/decisions.ts';
import { decideObjection, fileObjection } from '../../src/app/objections.ts';
import { rebuild } from '../../src/app/rebuild.ts';
import { submitRecords } from '../../src/app/records.ts';
import { demoCatalogInputs } from '../support/demo-catalogs.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';

const person = '11010519491231002X';
const t0 = Date.parse('2026-07-01T00:00:00Z');
let t: TestContext;

before(async () => {
  t = await openTestContext();
  const rongcheng = demoCatalogInputs().find(
    (c) => (c as { scheme: { id: string } }).scheme.id === 'rongcheng-residents',
  ) as {
    scheme: Record<string, unknown>;
    effectiveFrom: string;
  };
  const v2 = structuredClone(rongcheng);
  v2.scheme.disputedStopsCounting = true;
  v2.effectiveFrom = '2026-06-01T00:00:00Z';
  const published = await publishCatalog(t.context, v2, { nowMs: Date.parse('2026-05-01T00:00:00Z'), actor: 'admin' });
  assert.ok(published.ok, published.ok ? '' : published.problem.message);
});
after(() => t.close());

const score = async (atMs: number) => {
  const e = await explain(t.context, person, atMs);
  assert.ok(e.ok);
  return e.value.standing.schemes.find((s) => s.scheme === 'rongcheng-residents')?.points?.score;
};

test('filing stops the record counting at once; upholding it makes it count again; rebuild agrees throughout', async () => {
  const submitted = await submitRecords(
    t.context,
    [
      {
        agency: 'traffic-police',
        agencyRef: 'F-1',
        subject: person,
        code: 'traffic.fine',
        effectiveAt: '2026-06-20T00:00:00Z',
        evidence: 'ticket',
        amount: 800,
      },
    ],
    { nowMs: t0 },
  );
  const [item] = submitted.results;
  assert.ok(item?.status === 'accepted');
  assert.equal(await score(t0), 980);

  const filed = await fileObjection(
    t.context,
    { subject: person, recordId: item.recordId, grounds: 'not my car' },
    { nowMs: t0 + 1_000, actor: 'reviewer-1' },
  );
  assert.ok(filed.ok, filed.ok ? '' : filed.problem.message);
  assert.equal(await score(t0 + 1_000), 1000);
  const [latest] = await t.context.store.noticesOf(person, 2);
  assert.equal(latest?.kind, 'objection.filed');
  assert.ok((await t.context.store.noticesOf(person, 5)).some((n) => n.kind === 'points.withdrawn'));
  assert.equal((await rebuild(t.context, { verify: true, nowMs: t0 + 2_000 })).differences, 0);

  const upheld = await decideObjection(
    t.context,
    { objectionId: filed.value.id, outcome: 'upheld', reasons: 'photo matches', reviewer: 'reviewer-2' },
    { nowMs: t0 + 3_000 },
  );
  assert.ok(upheld.ok);
  assert.equal(await score(t0 + 3_000), 980);
  assert.equal((await rebuild(t.context, { verify: true, nowMs: t0 + 4_000 })).differences, 0);
});
