/** What time does is told too: a listing ending at its term, a grade rising as a deduction stops counting. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { notifyExpiries } from '../../src/app/expiries.ts';
import { submitRecords } from '../../src/app/records.ts';
import { renderNotice } from '../../src/core/notices.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';

const dayMs = 86_400_000;
const person = '11010519491231002X';
const t0 = Date.parse('2026-02-01T00:00:00Z');
let t: TestContext;

before(async () => {
  t = await openTestContext();
  // A licence suspension (-60, two years) takes the Rongcheng score to 940: grade B. A flight ban for a year.
  const result = await submitRecords(
    t.context,
    [
      {
        agency: 'traffic-police',
        agencyRef: 'L-1',
        subject: person,
        code: 'traffic.licence_suspended',
        effectiveAt: '2026-02-01T00:00:00Z',
        evidence: 'suspension',
      },
      {
        agency: 'civil-aviation',
        agencyRef: 'A-1',
        subject: person,
        code: 'aviation.disruption',
        effectiveAt: '2026-02-01T00:00:00Z',
        evidence: 'report',
      },
    ],
    { nowMs: t0 },
  );
  assert.equal(result.accepted, 2);
});
after(() => t.close());

test('the first run starts now; later runs tell each expiry exactly once, at the instant it happened', async () => {
  assert.deepEqual(await notifyExpiries(t.context, { nowMs: t0 + dayMs }), {
    fromMs: t0 + dayMs,
    toMs: t0 + dayMs,
    notices: 0,
  });
  const banEnds = t0 + 365 * dayMs;
  // Up to 1 ms before the ban ends: nothing to tell.
  assert.equal((await notifyExpiries(t.context, { nowMs: banEnds - 1 })).notices, 0);
  const atEnd = await notifyExpiries(t.context, { nowMs: banEnds });
  assert.equal(atEnd.notices, 1);
  const [ended] = await t.context.store.noticesOf(person, 1);
  assert.equal(ended?.kind, 'listing.ended');
  assert.equal(ended?.adverse, false);
  assert.ok(ended);
  assert.match(renderNotice(t.context.catalogs, ended).text.en, /Flight ban/);
  // The same stretch again tells nothing new.
  assert.equal((await notifyExpiries(t.context, { nowMs: banEnds })).notices, 0);

  const suspensionEnds = t0 + 730 * dayMs;
  const later = await notifyExpiries(t.context, { nowMs: suspensionEnds + dayMs });
  assert.equal(later.notices, 1);
  const [grade] = await t.context.store.noticesOf(person, 1);
  assert.equal(grade?.kind, 'grade.changed');
  assert.deepEqual([grade?.details.from, grade?.details.to, grade?.details.expired], ['B', 'A', true]);
  assert.equal(grade?.adverse, false);
  assert.equal(grade?.effectiveAtMs, suspensionEnds);
});

test('a run reads only the derivations due: those told and those with nothing left to end are skipped', async () => {
  const later = t0 + 800 * dayMs;
  const due = async (atMs: number) => {
    const subjects: string[] = [];
    for await (const page of t.context.store.scanDerivationsDue(atMs, 100))
      subjects.push(...page.map((d) => d.subject));
    return subjects;
  };
  await notifyExpiries(t.context, { nowMs: later });
  // Everything in the person's derivation has ended and been told: nothing is due, whatever the instant.
  assert.deepEqual(await due(later + 3_650 * dayMs), []);
  // A new record (written after the run) makes the derivation due at its first end after what the run has told.
  const result = await submitRecords(
    t.context,
    [
      {
        agency: 'traffic-police',
        agencyRef: 'L-2',
        subject: person,
        code: 'traffic.licence_suspended',
        effectiveAt: new Date(later).toISOString(),
        evidence: 'suspension',
      },
    ],
    { nowMs: later },
  );
  assert.equal(result.accepted, 1);
  const ends = later + 730 * dayMs;
  assert.deepEqual(await due(ends - 1), []);
  assert.deepEqual(await due(ends), [person]);
  assert.equal((await notifyExpiries(t.context, { nowMs: ends })).notices, 1);
  assert.deepEqual(await due(ends + 3_650 * dayMs), []);
});

test('writes before any run leave due only what ends after them; a first run told to start earlier reads the rest', async () => {
  const past = '110105198001010016';
  const writtenMs = Date.parse('2027-03-01T00:00:00Z');
  const history = (subject: string, effectiveAt: string) => [
    {
      agency: 'civil-aviation',
      agencyRef: `A-${subject}`,
      subject,
      code: 'aviation.disruption',
      effectiveAt,
      evidence: 'report',
    },
  ];
  const due = async (c: TestContext, atMs: number) => {
    const subjects: string[] = [];
    for await (const page of c.context.store.scanDerivationsDue(atMs, 100))
      subjects.push(...page.map((d) => d.subject));
    return subjects;
  };
  const write = async () => {
    const c = await openTestContext();
    // Written with no run yet: a flight ban that ended before the write and one that ends after it.
    const result = await submitRecords(
      c.context,
      [...history(past, '2025-12-01T00:00:00Z'), ...history(person, '2027-02-01T00:00:00Z')],
      { nowMs: writtenMs },
    );
    assert.equal(result.accepted, 2);
    return c;
  };
  const banEnds = Date.parse('2028-02-01T00:00:00Z');
  const c = await write();
  try {
    // The ban that ended before the write was told with it: not due again, at any instant.
    assert.deepEqual(await due(c, banEnds - 1), []);
    assert.deepEqual(await due(c, banEnds), [person]);
    assert.equal((await notifyExpiries(c.context, { nowMs: writtenMs + dayMs })).notices, 0);
    assert.equal((await notifyExpiries(c.context, { nowMs: banEnds })).notices, 1);
  } finally {
    c.close();
  }
  const since = await write();
  try {
    // --since before the writes: the first run reads what ended after it, written due or not.
    const report = await notifyExpiries(since.context, {
      sinceMs: Date.parse('2026-06-01T00:00:00Z'),
      nowMs: writtenMs,
    });
    assert.equal(report.notices, 1);
    const [ended] = await since.context.store.noticesOf(past, 1);
    assert.equal(ended?.kind, 'listing.ended');
    assert.equal(ended?.effectiveAtMs, Date.parse('2026-12-01T00:00:00Z'));
    assert.deepEqual(await due(since, banEnds), [person]);
  } finally {
    since.close();
  }
});
