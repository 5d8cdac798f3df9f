/**
 * The HTTP fuzzer, CI size: 100,000 generated requests through Fastify's `inject`, spread over every operation the
 * service's OpenAPI document lists (so a new endpoint is fuzzed without being named here) plus paths and methods no
 * route has. Every answer is held to two properties: no 5xx, and every 4xx is the JSON error shape with a stable
 * code (429 included). The service must still answer /healthz afterwards. Generators and runner: fuzz-support.ts;
 * the long run: test/long/fuzz.ts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { documentedOperations, fuzzSeedDefault, runFuzz, summaryLine, type FuzzSummary } from './fuzz-support.ts';
import { startHarness, type Harness } from './support.ts';

const requestsMin = 100_000;
/** An operation gets about 3,000 of the requests (one without input about 1,000); it must get at least this many. */
const perOperationMin = 300;

let h: Harness;
let summary: FuzzSummary;

before(async () => {
  h = await startHarness();
  summary = await runFuzz(h, { requests: requestsMin, seed: fuzzSeedDefault });
  console.log(summaryLine(summary));
  // Not a property; printed so that a deprecation or a leak warning caused by some request is seen.
  for (const warning of summary.warnings) console.log(JSON.stringify({ warning }));
});
after(() => h.stop());

test(`at least ${requestsMin} requests were sent`, () => {
  assert.ok(summary.requests >= requestsMin, `${summary.requests} requests`);
  const answered = Object.entries(summary.byStatus)
    .filter(([status]) => status !== 'threw')
    .reduce((sum, [, n]) => sum + n, 0);
  assert.equal(answered, summary.requests, 'every request was answered');
});

test(`every operation in the OpenAPI document was fuzzed at least ${perOperationMin} times`, async () => {
  const operations = await documentedOperations(h);
  assert.ok(operations.length > 0);
  const short = operations
    .map((o) => ({ operation: o.key, requests: summary.byOperation[o.key] ?? 0 }))
    .filter((o) => o.requests < perOperationMin);
  assert.deepEqual(short, []);
});

test('no answer was a 5xx, every 4xx was { error: { code, message } } with a stable code, nothing escaped', () => {
  const report = summary.failures.map((f) => JSON.stringify(f, null, 2)).join('\n');
  assert.equal(
    summary.violations,
    0,
    `${summary.violations} requests broke a property; the first of each kind:\n${report}`,
  );
});

test('the service still answers /healthz', async () => {
  const answer = await h.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(answer.statusCode, 200, answer.body);
  assert.equal((JSON.parse(answer.body) as { status: string }).status, 'ok');
});
