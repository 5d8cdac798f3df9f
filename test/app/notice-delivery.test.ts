/**
 * Notice delivery through the webhook adapter to a real HTTP receiver on loopback: delivered once even after
 * failures (the receiver deduplicates on the notice id), retried with backoff, dead after too many failures or a
 * permanent refusal, and audited when dead.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { backoffMs, dispatcherDefaults, NoticeDispatcher } from '../../src/app/notice-delivery.ts';
import { submitRecords } from '../../src/app/records.ts';
import { webhookChannel } from '../../src/delivery/webhook-channel.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';

const nowMs = Date.parse('2026-11-22T00:00:00Z');
const options = { ...dispatcherDefaults, attemptsMax: 4, backoffBaseMs: 1_000 };

/** A receiver that answers from a script of statuses, then 200, and records what it got. */
let script: number[] = [];
const received: { idempotencyKey: string; body: { id: string; kind: string; text: { en: string } } }[] = [];
let server: Server;
let url = '';
let t: TestContext;
let clock = nowMs;
let refCounter = 0;

before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({
        idempotencyKey: String(request.headers['idempotency-key']),
        body: JSON.parse(body) as (typeof received)[number]['body'],
      });
      response.statusCode = script.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notices`;
  t = await openTestContext();
});
after(async () => {
  await t.close();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  script = [];
  received.length = 0;
});

async function listSomeone(subject: string) {
  refCounter++;
  const result = await submitRecords(
    t.context,
    [
      {
        agency: 'civil-aviation',
        agencyRef: `D-${refCounter}`,
        subject,
        code: 'aviation.disruption',
        effectiveAt: '2026-11-01T00:00:00Z',
        evidence: 'report',
      },
    ],
    { nowMs },
  );
  assert.equal(result.accepted, 1);
}

const dispatcher = () =>
  new NoticeDispatcher(t.context, webhookChannel({ url, timeoutMs: 2_000 }), options, () => clock);

test('backoff doubles from the base up to the maximum', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 30].map((n) => backoffMs(n, { ...dispatcherDefaults, backoffBaseMs: 1_000, backoffMaxMs: 5_000 })),
    [1_000, 2_000, 4_000, 5_000, 5_000],
  );
});

test('a notice is delivered with its id as idempotency key, after two failures, and only once', async () => {
  await listSomeone('11010519491231002X');
  const d = dispatcher();
  script = [503, 500];
  const first = await d.runOnce();
  assert.equal(first.enqueued, 1);
  assert.equal(first.retrying, 1);
  // Not due yet: nothing is sent.
  assert.deepEqual(await d.runOnce(), { enqueued: 0, delivered: 0, retrying: 0, dead: 0 });
  clock += 1_000;
  assert.equal((await d.runOnce()).retrying, 1);
  clock += 2_000;
  assert.equal((await d.runOnce()).delivered, 1);
  clock += 60_000;
  assert.deepEqual(await d.runOnce(), { enqueued: 0, delivered: 0, retrying: 0, dead: 0 });
  assert.equal(received.length, 3);
  assert.ok(received.every((r) => r.idempotencyKey === received[0]?.idempotencyKey && r.body.id === r.idempotencyKey));
  assert.equal(received[0]?.body.kind, 'listing.started');
  assert.match(received[0]?.body.text.en ?? '', /Flight ban/);
  const [delivery] = await t.context.store.deliveries('webhook', 'delivered', 10);
  assert.equal(delivery?.attempts, 3);
});

test('a notice the receiver keeps failing goes dead after attemptsMax, and is audited', async () => {
  await listSomeone('360426199101010071');
  const d = dispatcher();
  script = [500, 500, 500, 500, 500];
  for (let i = 0; i < 6; i++) {
    await d.runOnce();
    clock += 60_000;
  }
  assert.equal(received.length, 4);
  const dead = await t.context.store.deliveries('webhook', 'dead', 10);
  assert.equal(dead.length, 1);
  assert.equal(dead[0]?.lastError, 'receiver answered 500');
  const events = await t.context.store.auditEvents(0, 100_000);
  assert.ok(events.some((e) => e.kind === 'notice.undeliverable' && e.payload.noticeId === dead[0]?.noticeId));
});

test('a permanent refusal (400) is dead at once; an unreachable receiver is retried', async () => {
  await listSomeone('passport:DEU:C01X00T47');
  const d = dispatcher();
  script = [400];
  const report = await d.runOnce();
  assert.equal(report.dead, 1);
  assert.equal(received.length, 1);

  await listSomeone('passport:FRA:12AB34567');
  const unreachable = new NoticeDispatcher(
    t.context,
    { ...webhookChannel({ url: 'http://127.0.0.1:9/nowhere', timeoutMs: 500 }), name: 'webhook-2' },
    options,
    () => clock,
  );
  const round = await unreachable.runOnce();
  assert.ok(round.enqueued >= 1);
  assert.equal(round.delivered, 0);
  assert.equal(round.dead, 0);
  const [pending] = await t.context.store.deliveries('webhook-2', 'pending', 10);
  assert.match(pending?.lastError ?? '', /request failed/);
});
