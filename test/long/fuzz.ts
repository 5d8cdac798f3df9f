/**
 * The HTTP fuzzer, long form: a program, not a test. Sends `--requests N` generated requests (default 1,000,000)
 * with fast-check seed `--seed S` to a fresh harness (test/http/support.ts) through Fastify's `inject`, prints a JSON
 * summary on one line, then each kind of failure with its first request, and any process warning; exits 1 if any
 * property failed. `--concurrency K` keeps K requests in flight at once (default 1).
 *
 *   node test/long/fuzz.ts --requests 200000 --seed 7
 */
import { parseArgs } from 'node:util';
import { fuzzSeedDefault, runFuzz, summaryLine } from '../http/fuzz-support.ts';
import { startHarness } from '../http/support.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: String(fuzzSeedDefault) },
    concurrency: { type: 'string', default: '1' },
  },
});
const requests = Number(values.requests);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
if (!Number.isSafeInteger(requests) || requests < 1) throw new Error('--requests must be a positive integer');
if (!Number.isSafeInteger(seed)) throw new Error('--seed must be an integer');
if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new Error('--concurrency must be a positive integer');

const harness = await startHarness();
try {
  const summary = await runFuzz(harness, {
    requests,
    seed,
    concurrency,
    progressEvery: 25_000,
    // Memory on the way: a leak in the service shows as growth across a long run.
    onProgress: (done) => {
      const { rss, heapUsed } = process.memoryUsage();
      const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
      process.stderr.write(`${JSON.stringify({ done, rssMb: mb(rss), heapUsedMb: mb(heapUsed) })}\n`);
    },
  });
  const health = await harness.app.inject({ method: 'GET', url: '/healthz' });
  console.log(summaryLine(summary));
  for (const failure of summary.failures) console.log(JSON.stringify({ failure }, null, 2));
  for (const warning of summary.warnings) console.log(JSON.stringify({ warning }, null, 2));
  if (health.statusCode !== 200)
    console.log(`GET /healthz answered ${health.statusCode} after the run: ${health.body}`);
  process.exitCode = summary.violations > 0 || health.statusCode !== 200 ? 1 : 0;
} finally {
  await harness.stop();
}
