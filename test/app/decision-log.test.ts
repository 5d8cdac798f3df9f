/** The decision log writes every queued decision, in order, through failures, and on close. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { findChainBreak } from '../../src/app/audit-chain.ts';
import { DecisionLog } from '../../src/app/decision-log.ts';
import type { AppContext } from '../../src/app/context.ts';
import type { AuditEventInput, Store } from '../../src/store/ports.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';

const decision = (n: number): AuditEventInput => ({
  atMs: 1_800_000_000_000 + n,
  kind: 'decision.made',
  actor: 'desk-1',
  payload: { decisionId: `d-${n}`, outcome: n % 2 === 0 ? 'allow' : 'deny' },
});

let t: TestContext;
before(async () => {
  t = await openTestContext({ catalogs: false });
});
after(() => t.close());

async function decisionsStored(store: Store): Promise<string[]> {
  const events = await store.auditEvents(0, 1_000_000);
  assert.equal(findChainBreak(undefined, events), undefined);
  return events.filter((e) => e.kind === 'decision.made').map((e) => String(e.payload.decisionId));
}

test('queued decisions are written in order, in batches, and close() writes the rest', async () => {
  const log = new DecisionLog(t.context, { flushIntervalMs: 60_000, batchMax: 10, queueMax: 1_000 });
  const before = await decisionsStored(t.context.store);
  for (let n = 0; n < 25; n++) await log.append([decision(n)]);
  await log.close();
  assert.equal(log.pending, 0);
  assert.equal(log.written, 25);
  const stored = (await decisionsStored(t.context.store)).slice(before.length);
  assert.deepEqual(
    stored,
    Array.from({ length: 25 }, (_, n) => `d-${n}`),
  );
});

test('a flush writes transactions of at most transactionMax and lets other work run between them', async () => {
  const store = t.context.store;
  let transactions = 0;
  const counting: Pick<Store, 'transaction'> = {
    transaction: (work, options) => {
      transactions++;
      return store.transaction(work, options);
    },
  };
  const context: AppContext = { ...t.context, store: counting as Store };
  const log = new DecisionLog(context, {
    flushIntervalMs: 60_000,
    batchMax: 10_000,
    queueMax: 10_000,
    transactionMax: 100,
  });
  const before = await decisionsStored(store);
  await log.append(Array.from({ length: 250 }, (_, n) => decision(1_000 + n)));
  let ranBetween = false;
  setImmediate(() => {
    ranBetween = true;
  });
  await log.flush();
  assert.equal(transactions, 3);
  assert.equal(ranBetween, true, 'the event loop ran during the flush');
  assert.equal(log.written, 250);
  const stored = (await decisionsStored(store)).slice(before.length);
  assert.deepEqual(
    stored,
    Array.from({ length: 250 }, (_, n) => `d-${1_000 + n}`),
  );
});

test('a failed write keeps the batch queued; the next flush writes it, nothing lost or doubled', async () => {
  const store = t.context.store;
  let failNext = true;
  const flaky: Pick<Store, 'transaction'> = {
    transaction: (work) => {
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('database is locked'));
      }
      return store.transaction(work);
    },
  };
  const context: AppContext = { ...t.context, store: flaky as Store };
  const log = new DecisionLog(context, { flushIntervalMs: 60_000, batchMax: 1_000, queueMax: 1_000 });
  const before = await decisionsStored(store);
  await log.append([decision(100), decision(101)]);
  await assert.rejects(log.flush(), /database is locked/);
  assert.equal(log.pending, 2);
  assert.equal(log.failures, 1);
  await log.append([decision(102)]);
  await log.close();
  const stored = (await decisionsStored(store)).slice(before.length);
  assert.deepEqual(stored, ['d-100', 'd-101', 'd-102']);
});

test('a full queue makes append wait for a flush (backpressure), and concurrent appends all land', async () => {
  const log = new DecisionLog(t.context, { flushIntervalMs: 60_000, batchMax: 50, queueMax: 100 });
  const before = await decisionsStored(t.context.store);
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      log.append(Array.from({ length: 25 }, (_, j) => decision(1_000 + i * 25 + j))),
    ),
  );
  assert.ok(log.pending < 100, `queue stays bounded: ${log.pending}`);
  await log.close();
  const stored = (await decisionsStored(t.context.store)).slice(before.length);
  assert.equal(stored.length, 500);
  assert.equal(new Set(stored).size, 500);
});
