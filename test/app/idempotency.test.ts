/**
 * Idempotency and arrival order, on real SQLite stores with the demo catalogs: every batch sent twice, and in a
 * shuffled order where order does not matter, gives identical state.
 *
 * The history is the seeded demo population (400 people, their foreigners, companies with recorded legal
 * representatives and government bodies: 447 subjects; a year of records from eleven agencies) plus a few records
 * that bring listings the generator makes rarely (a company listing that binds its legal representative, a
 * court listing extended, a flight ban on a passport). One record in nine is held back and sent in a batch months
 * later (backdated), and three records are retracted after the fact. It is played three ways:
 *
 * - A: every batch once, in order;
 * - B: every batch twice in a row (the repeat must come back `duplicate` with the original ids and write no
 *   record, audit event, notice or derivation), then the whole history again at the end;
 * - C: in permutations drawn by fast-check, across batch boundaries with other batch sizes or within A's batches
 *   in a shuffled batch order, with each retraction at a random point after its target.
 *
 * B must equal A byte for byte: records with their ids, derivations, notices, the audit log with its hashes. C
 * must equal A in what is state: derivations, the record set (by agency and agencyRef, with content), list
 * members and decisions for every action at several instants, summary counts; record ids, recording instants,
 * notices (which tell each write's difference) and the order and length of the audit log (records are audited one
 * event per agency per batch) are facts of arrival and may differ,
 * so they are compared through agency references or not at all. Every context passes rebuild --verify.
 *
 * The later tests name where order does matter, and hold each case to its stable refusal. Two hold the fold to
 * order independence for records of one subject at the same instant (ties are broken by agency and reference, not
 * by arrival); three hold the references the system makes in an agency's name (`credence:objection-<id>`,
 * `credence:repair-<id>`) apart from the agency's own idempotency keys.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { findChainBreak } from '../../src/app/audit-chain.ts';
import { standingOf } from '../../src/app/decisions.ts';
import { demoEndMs, demoStartMs } from '../../src/app/demo.ts';
import { decideObjection, fileObjection } from '../../src/app/objections.ts';
import { generatePopulation } from '../../src/app/population.ts';
import { rebuild } from '../../src/app/rebuild.ts';
import { retractRecord, submitRecords, type ItemResult } from '../../src/app/records.ts';
import { applyRepair, decideRepair } from '../../src/app/repairs.ts';
import { summarize } from '../../src/app/summary.ts';
import type { AppContext } from '../../src/app/context.ts';
import { actions } from '../../src/core/actions.ts';
import { decide } from '../../src/core/decide.ts';
import type { SubjectId } from '../../src/core/identifiers.ts';
import type { RecordFact, RecordInput } from '../../src/core/record.ts';
import type { Store } from '../../src/store/ports.ts';
import { openTestContext, type TestContext } from '../support/app-context.ts';

const dayMs = 86_400_000;
const hourMs = 3_600_000;
const population = generatePopulation({ people: 400, seed: 'idempotency', startMs: demoStartMs, endMs: demoEndMs });
/** Records sent in order go in batches of this size; one in `lateEvery` is held back `lateDays` or more. */
const batchSize = 30;
const lateEvery = 9;
const lateDays = 75;
/** The retractions are sent a week after the year's last record. */
const retractedAtMs = demoEndMs + 7 * dayMs;
/** Instants at which list members, decisions and summaries are compared: early, mid-year, year end, a year on. */
const instants = ['2025-12-15T00:00:00Z', '2026-05-01T12:00:00Z', '2026-10-31T23:00:00Z', '2027-06-01T00:00:00Z'].map(
  (iso) => Date.parse(iso),
);

interface Item {
  /** `agency/agencyRef`: what idempotency is keyed on, and what names a record across contexts. */
  readonly key: string;
  readonly effectiveAtMs: number;
  readonly input: RecordInput & { readonly agency: string; readonly agencyRef: string; readonly subject: string };
}

interface Retraction {
  readonly target: string;
  readonly request: { agency: string; agencyRef: string; retractsRef: string; reason: string };
}

type Step =
  | { readonly kind: 'batch'; readonly items: readonly Item[]; readonly nowMs: number }
  | { readonly kind: 'retraction'; readonly retraction: Retraction; readonly nowMs: number };

function itemOf(record: {
  agency: string;
  agencyRef: string;
  subject: string;
  code: string;
  effectiveAtMs: number;
  evidence: string;
  amount?: number;
  caseRef?: string;
}): Item {
  const { effectiveAtMs, ...rest } = record;
  return {
    key: `${record.agency}/${record.agencyRef}`,
    effectiveAtMs,
    input: { ...rest, effectiveAt: new Date(effectiveAtMs).toISOString() },
  };
}

function subjectsOfKind(kind: SubjectId['kind'], scheme?: SubjectId['scheme']): string[] {
  return population.subjects
    .filter((s) => s.kind === kind && (scheme === undefined || s.scheme === scheme))
    .map((s) => s.key);
}

const [company1 = '', company2 = ''] = subjectsOfKind('organisation');
const [foreigner = ''] = subjectsOfKind('person', 'passport');
const [person1 = ''] = subjectsOfKind('person', 'resident_id');

/** Listings the generator makes rarely, on its own subjects, at whole hours (its records fall on minutes). */
const extras: Item[] = [
  {
    agency: 'market-regulator',
    agencyRef: 'idem-MR-1',
    subject: company1,
    code: 'market.licence_revoked',
    effectiveAtMs: Date.parse('2025-12-03T02:00:00Z'),
    evidence: '京市监罚〔2025〕301号',
  },
  {
    agency: 'market-regulator',
    agencyRef: 'idem-MR-2',
    subject: company2,
    code: 'market.food_safety_severe',
    effectiveAtMs: Date.parse('2026-04-20T03:00:00Z'),
    evidence: '京市监罚〔2026〕77号',
  },
  {
    agency: 'city-court',
    agencyRef: 'idem-CC-1',
    subject: person1,
    code: 'court.defaulter.obstruction',
    effectiveAtMs: Date.parse('2026-02-10T01:00:00Z'),
    evidence: '(2026)京01执90001号 决定书',
    caseRef: '(2026)京01执90001号',
  },
  {
    agency: 'city-court',
    agencyRef: 'idem-CC-2',
    subject: person1,
    code: 'court.defaulter.extension',
    effectiveAtMs: Date.parse('2026-08-10T01:00:00Z'),
    evidence: '(2026)京01执90001号 延长决定',
    caseRef: '(2026)京01执90001号',
  },
  {
    agency: 'civil-aviation',
    agencyRef: 'idem-CA-1',
    subject: foreigner,
    code: 'aviation.disruption',
    effectiveAtMs: Date.parse('2026-03-15T05:00:00Z'),
    evidence: 'PEK incident report 2026-0315',
  },
].map(itemOf);

/** Every record of the history, in effectiveAt order. */
const items: readonly Item[] = [...population.records.map(itemOf), ...extras].sort(
  (a, b) => a.effectiveAtMs - b.effectiveAtMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
);
const itemsByKey = new Map(items.map((i) => [i.key, i]));

/**
 * A's batches: in order, with one record in nine held back to the first batch whose records are `lateDays` or more
 * later than it (or to the last batch, for records of the year's last weeks).
 */
const orderedBatches: readonly (readonly Item[])[] = (() => {
  const onTime = items.filter((_, i) => i % lateEvery !== lateEvery - 1);
  const late = items.filter((_, i) => i % lateEvery === lateEvery - 1);
  const batches: Item[][] = [];
  for (let i = 0; i < onTime.length; i += batchSize) batches.push(onTime.slice(i, i + batchSize));
  for (const item of late) {
    const due = item.effectiveAtMs + lateDays * dayMs;
    const batch = batches.find((b) => (b.at(-1)?.effectiveAtMs ?? 0) >= due) ?? batches.at(-1);
    batch?.push(item);
  }
  return batches;
})();

/** Retractions after the fact: a company listing that binds its legal representative, a court listing, a fine
 * whose retraction lowers the repeat multiplier of the same person's next fine. */
const retractions: readonly Retraction[] = (() => {
  const fines = items.filter((i) => i.input.code === 'traffic.fine');
  const repeated = fines.find((f) => fines.some((g) => g !== f && g.input.subject === f.input.subject));
  const targets = [
    itemsByKey.get('market-regulator/idem-MR-1'),
    items.find((i) => i.input.code === 'court.defaulter.refuses'),
    repeated,
  ];
  return targets.map((target) => {
    assert.ok(target, 'the population has the records the retractions need');
    return {
      target: target.key,
      request: {
        agency: target.input.agency,
        agencyRef: `${target.input.agencyRef}-R`,
        retractsRef: target.input.agencyRef,
        reason: 'entered against the wrong subject',
      },
    };
  });
})();

/** Batches are recorded within the hour of their latest record, never before an earlier batch. */
function withInstants(batches: readonly (readonly Item[])[]): Step[] {
  let nowMs = 0;
  return batches.map((batch) => {
    nowMs = Math.max(nowMs, ...batch.map((i) => i.effectiveAtMs + hourMs));
    return { kind: 'batch', items: batch, nowMs };
  });
}

const inOrder: readonly Step[] = [
  ...withInstants(orderedBatches),
  ...retractions.map((retraction): Step => ({ kind: 'retraction', retraction, nowMs: retractedAtMs })),
];

async function registerPopulation(context: AppContext): Promise<void> {
  await context.store.transaction(async (tx) => {
    await tx.putSubjects(population.subjects);
    await tx.putRelations(population.relations);
  });
}

/** Plays the steps once; every record must be accepted and every retraction made. Returns record ids by key. */
async function play(context: AppContext, steps: readonly Step[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const step of steps) {
    if (step.kind === 'batch') {
      const result = await submitRecords(
        context,
        step.items.map((i) => i.input),
        { nowMs: step.nowMs },
      );
      for (const [index, item] of result.results.entries()) {
        assert.equal(item.status, 'accepted', JSON.stringify(item));
        if (item.status === 'accepted') ids.set(step.items[index]?.key ?? '', item.recordId);
      }
    } else {
      const result = await retractRecord(context, step.retraction.request, { nowMs: step.nowMs });
      assert.equal(result.status, 'retracted', JSON.stringify(result));
      if (result.status === 'retracted')
        ids.set(`${step.retraction.request.agency}/${step.retraction.request.agencyRef}`, result.recordId);
    }
  }
  return ids;
}

/** What a repeat must not change: counts of records, audit events and notices, and every stored derivation (hashed). */
async function writes(store: Store) {
  const summary = await store.summary();
  let notices = 0;
  for (const s of population.subjects) notices += (await store.noticesOf(s.key, 100_000)).length;
  const derivations = createHash('sha256');
  for await (const page of store.scanDerivations(2_000)) derivations.update(JSON.stringify(page));
  return {
    records: summary.records,
    auditEvents: summary.auditEvents,
    notices,
    derivations: derivations.digest('hex'),
  };
}

const duplicatesOf = (results: readonly ItemResult[]): ItemResult[] =>
  results.map((r) => (r.status === 'accepted' ? { status: 'duplicate', recordId: r.recordId } : r));

/** Plays the steps with every one sent twice in a row, checking each repeat. Returns how many repeats were sent. */
async function playTwice(context: AppContext, steps: readonly Step[]): Promise<number> {
  let repeated = 0;
  for (const step of steps) {
    if (step.kind === 'batch') {
      const inputs = step.items.map((i) => i.input);
      const first = await submitRecords(context, inputs, { nowMs: step.nowMs });
      assert.equal(first.accepted, inputs.length, JSON.stringify(first.results));
      const before = await writes(context.store);
      const again = await submitRecords(context, inputs, { nowMs: step.nowMs });
      assert.deepEqual(again, {
        results: duplicatesOf(first.results),
        accepted: 0,
        duplicates: inputs.length,
        rejected: 0,
      });
      assert.deepEqual(await writes(context.store), before);
      repeated += inputs.length;
    } else {
      const first = await retractRecord(context, step.retraction.request, { nowMs: step.nowMs });
      assert.equal(first.status, 'retracted');
      const before = await writes(context.store);
      const again = await retractRecord(context, step.retraction.request, { nowMs: step.nowMs });
      assert.deepEqual(again, { ...first, status: 'duplicate' });
      assert.deepEqual(await writes(context.store), before);
      repeated++;
    }
  }
  return repeated;
}

/**
 * Everything readable about a context, as `facet key -> JSON`. The exact view is every byte; the canonical view
 * names records by agency reference instead of id and leaves out what tells arrival (notices, the audit log).
 */
async function stateOf(context: AppContext, view: 'exact' | 'canonical'): Promise<Map<string, string>> {
  const { store } = context;
  const state = new Map<string, string>();
  const records: RecordFact[] = [];
  for await (const page of store.scanSubjectRecords(2_000)) for (const p of page) records.push(...p.records);
  const refs = new Map(records.map((r) => [r.id, `${r.agency}/${r.agencyRef}`]));
  const ref = (id: number) => {
    const found = refs.get(id);
    assert.ok(found, `record ${id} is stored`);
    return found;
  };
  // In the canonical view a record id, wherever it appears, becomes the record's agency reference.
  const canonical = (value: unknown) =>
    JSON.stringify(value, (key, v: unknown) => {
      if (typeof v === 'number' && ['recordId', 'resetBy', 'endedBy', 'retracts', 'ends'].includes(key)) return ref(v);
      if (key === 'extendedBy' && Array.isArray(v)) return v.map((id: number) => ref(id));
      return v;
    });
  const json = view === 'exact' ? (value: unknown) => JSON.stringify(value) : canonical;

  for (const r of records) {
    if (view === 'exact') state.set(`record ${r.id}`, JSON.stringify(r));
    // Its id and recording instant are arrival facts (JSON leaves undefined out).
    else state.set(`record ${ref(r.id)}`, canonical({ ...r, id: undefined, recordedAtMs: undefined }));
  }
  for await (const page of store.scanDerivations(2_000))
    for (const d of page) state.set(`derivation ${d.subject}`, json(d));
  if (view === 'exact') {
    for (const s of population.subjects)
      state.set(`notices ${s.key}`, JSON.stringify(await store.noticesOf(s.key, 100_000)));
    for (const e of await store.auditEvents(0, 1_000_000)) state.set(`audit ${e.seq}`, JSON.stringify(e));
  }
  for (const atMs of instants) {
    const at = new Date(atMs).toISOString();
    for (const list of context.catalogs.listIds) {
      const members = (await store.listMembers(list, atMs, 100_000)).map((m) => json(m));
      state.set(`members ${list} @${at}`, JSON.stringify(view === 'exact' ? members : members.sort()));
    }
    for (const subject of population.subjects) {
      const standing = await standingOf(context, subject, atMs);
      const decisions = actions.map(({ code }) => {
        const decided = decide(standing, code);
        assert.ok(decided.ok);
        if (view === 'exact') return decided.value;
        // Reasons tied on everything but the listing's record are ordered by record id, an arrival fact.
        const reasons = decided.value.reasons.map((r) => canonical(r)).sort();
        return { ...decided.value, reasons };
      });
      state.set(`decisions ${subject.key} @${at}`, json(decisions));
    }
    const summary = await summarize(context, atMs);
    // How many audit events the records took is an arrival fact too: one per agency per batch.
    state.set(`summary @${at}`, JSON.stringify(view === 'exact' ? summary : { ...summary, auditEvents: undefined }));
  }
  const verified = await rebuild(context, { verify: true, nowMs: retractedAtMs });
  assert.equal(verified.differences, 0, JSON.stringify(verified.sample));
  state.set('rebuild --verify', JSON.stringify(verified));
  return state;
}

function assertSameState(actual: Map<string, string>, expected: Map<string, string>, label: string): void {
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const unexpected = [...actual.keys()].filter((k) => !expected.has(k));
  assert.deepEqual({ missing, unexpected }, { missing: [], unexpected: [] }, `${label}: the same facets`);
  for (const [key, value] of expected) assert.equal(actual.get(key), value, `${label}: ${key}`);
}

describe('every batch sent twice, and in shuffled order, gives identical state', () => {
  let a: TestContext;
  let b: TestContext;
  let idsInOrder = new Map<string, number>();
  let stateA = new Map<string, string>();
  let canonicalA = new Map<string, string>();

  before(async () => {
    a = await openTestContext();
    b = await openTestContext();
    await registerPopulation(a.context);
    idsInOrder = await play(a.context, inOrder);
    stateA = await stateOf(a.context, 'exact');
    canonicalA = await stateOf(a.context, 'canonical');
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  test('the history is realistic: hundreds of subjects, mixed rules and agencies, backdated records, listings', async () => {
    const codes = new Set(items.map((i) => i.input.code));
    const agencies = new Set(items.map((i) => i.input.agency));
    assert.equal(population.subjects.length, 447);
    assert.ok(items.length >= 350, `${items.length} records`);
    assert.ok(new Set(items.map((i) => i.input.subject)).size >= 150, 'subjects with records');
    assert.ok(codes.size >= 20, [...codes].join(', '));
    assert.ok(agencies.size >= 9, [...agencies].join(', '));
    const backdated = inOrder.flatMap((step) =>
      step.kind === 'batch' ? step.items.filter((i) => step.nowMs - i.effectiveAtMs >= lateDays * dayMs) : [],
    );
    assert.ok(backdated.length >= 20, `${backdated.length} records sent ${lateDays} days late or more`);
    const summary = await summarize(a.context, instants[2] ?? 0);
    for (const list of ['court-defaulters', 'market-serious-dishonesty', 'flight-conduct-ban'])
      assert.ok((summary.membersByList[list] ?? 0) > 0, list);
    assert.equal(summary.records, items.length + retractions.length);
    // The company's listing was retracted; the second company's still binds its legal representative.
    const rep = population.relations.find((r) => r.organisation === company2 && r.role === 'legal_representative');
    assert.ok(rep);
    const repDecision = stateA.get(`decisions ${rep.person} @${new Date(instants[2] ?? 0).toISOString()}`) ?? '';
    assert.ok(repDecision.includes(`"via":{"organisation":"${company2}","role":"legal_representative"}`), repDecision);
    const listed = stateA.get(`members market-serious-dishonesty @${new Date(instants[2] ?? 0).toISOString()}`);
    assert.ok(listed?.includes(company2) && !listed.includes(company1), listed);
  });

  test('B: every batch and retraction sent twice; each repeat is a duplicate and writes nothing', async () => {
    await registerPopulation(b.context);
    const repeated = await playTwice(b.context, inOrder);
    assert.equal(repeated, items.length + retractions.length);
  });

  test('B: the whole history sent again later, retracted records included, is all duplicates', async () => {
    const before = await writes(b.context.store);
    const replayAtMs = retractedAtMs + 30 * dayMs;
    const again = await submitRecords(
      b.context,
      orderedBatches.flat().map((i) => i.input),
      { nowMs: replayAtMs },
    );
    assert.deepEqual(
      again.results,
      orderedBatches.flat().map((i) => ({ status: 'duplicate', recordId: idsInOrder.get(i.key) })),
    );
    for (const { request } of retractions) {
      const repeat = await retractRecord(b.context, request, { nowMs: replayAtMs });
      assert.equal(repeat.status, 'duplicate');
    }
    // A replay does not revive a retracted record: the stored derivations are untouched.
    assert.deepEqual(await writes(b.context.store), before);
  });

  test('B equals A byte for byte: records and ids, derivations, notices, audit chain, members, decisions', async () => {
    assertSameState(await stateOf(b.context, 'exact'), stateA, 'B against A');
    assert.equal(findChainBreak(undefined, await b.context.store.auditEvents(0, 1_000_000)), undefined);
  });

  // Three fast-check seeds of three runs each: nine arrival orders, each on a fresh store. No shrinking on failure
  // (a run replays the whole history); the seed and path in the failure message replay the arrangement.
  for (const seed of [20_260_101, 20_260_102, 20_260_103]) {
    test(`C: shuffled arrival orders give A's state (fast-check seed ${seed})`, async () => {
      const indices = items.map((_, i) => i);
      const batchIndices = orderedBatches.map((_, i) => i);
      const arrangement = fc.record({
        permutation: fc.shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length }),
        batchOrder: fc.shuffledSubarray(batchIndices, {
          minLength: batchIndices.length,
          maxLength: batchIndices.length,
        }),
        acrossBatches: fc.boolean(),
        size: fc.integer({ min: 3, max: 150 }),
        retractionSlots: fc.array(fc.nat(), { minLength: retractions.length, maxLength: retractions.length }),
      });
      await fc.assert(
        fc.asyncProperty(arrangement, async ({ permutation, batchOrder, acrossBatches, size, retractionSlots }) => {
          const rank = new Map(permutation.map((index, position) => [items[index]?.key ?? '', position]));
          const byRank = (x: Item, y: Item) => (rank.get(x.key) ?? 0) - (rank.get(y.key) ?? 0);
          let batches: Item[][];
          if (acrossBatches) {
            const shuffled = permutation.map((i) => items[i]).filter((i) => i !== undefined);
            batches = [];
            for (let i = 0; i < shuffled.length; i += size) batches.push(shuffled.slice(i, i + size));
          } else {
            // A's batches as they were cut, sent in another order, each with its items in another order.
            batches = batchOrder.map((i) => [...(orderedBatches[i] ?? [])].sort(byRank));
          }
          const steps = withInstants(batches);
          // Each retraction at a random point after the batch that holds its target.
          for (const [n, retraction] of retractions.entries()) {
            const holder = steps.findIndex(
              (s) => s.kind === 'batch' && s.items.some((i) => i.key === retraction.target),
            );
            const at = holder + 1 + ((retractionSlots[n] ?? 0) % (steps.length - holder));
            const nowMs = Math.max(...steps.slice(0, at).map((s) => s.nowMs));
            steps.splice(at, 0, { kind: 'retraction', retraction, nowMs });
          }
          const c = await openTestContext();
          try {
            await registerPopulation(c.context);
            await play(c.context, steps);
            assertSameState(await stateOf(c.context, 'canonical'), canonicalA, 'C against A');
          } finally {
            await c.close();
          }
        }),
        { seed, numRuns: 3, endOnFailure: true },
      );
    });
  }
});

describe('where order matters', () => {
  /** Sunday 2026-11-22: when the records below are submitted. */
  const t0 = Date.parse('2026-11-22T00:00:00Z');
  const people = {
    retractedEarly: '110101198001010010',
    retractedTwice: '110101198001010029',
    conflicted: '110101198001010117',
    overturned: '110101198001010125',
    upheld: '110101198001010037',
  } as const;
  const companies = { approved: '91110108551385082Q', refused: '91310000MA1FL1234Q' } as const;
  let t: TestContext;
  before(async () => {
    t = await openTestContext();
  });
  after(() => t.close());

  /** What a refused step must not change: the register's counts, and these subjects' notices and derivations. */
  async function footprint(subjects: readonly string[]) {
    const { store } = t.context;
    const summary = await store.summary();
    const perSubject = [];
    for (const s of subjects)
      perSubject.push({ notices: await store.noticesOf(s, 100_000), derivation: await store.derivation(s) });
    return { records: summary.records, auditEvents: summary.auditEvents, perSubject };
  }

  async function submitOne(input: RecordInput, nowMs: number): Promise<number> {
    const result = await submitRecords(t.context, [input], { nowMs });
    const [item] = result.results;
    assert.ok(item?.status === 'accepted', JSON.stringify(item));
    return item.recordId;
  }

  async function outcome(subject: string, action: string, atMs: number): Promise<string> {
    const standing = await standingOf(
      t.context,
      { key: subject, scheme: 'resident_id', kind: 'person', region: subject.slice(0, 6) },
      atMs,
    );
    const decided = decide(standing, action);
    assert.ok(decided.ok);
    return decided.value.outcome;
  }

  const flightBan = (agencyRef: string, subject: string): RecordInput => ({
    agency: 'civil-aviation',
    agencyRef,
    subject,
    code: 'aviation.disruption',
    effectiveAt: '2026-09-01T00:00:00Z',
    evidence: `incident report ${agencyRef}`,
  });
  const retraction = (retractsRef: string, agencyRef = `${retractsRef}-R`) => ({
    agency: 'civil-aviation',
    agencyRef,
    retractsRef,
    reason: 'wrong passenger',
  });
  const flightAtMs = Date.parse('2026-10-01T00:00:00Z');

  test('a retraction before its target is refused and reserves nothing; after the target it retracts', async () => {
    const subject = people.retractedEarly;
    const before = await footprint([subject]);
    const early = await retractRecord(t.context, retraction('ORD-1'), { nowMs: t0 });
    assert.deepEqual(early, {
      status: 'rejected',
      problem: { code: 'record_not_found', message: 'agency civil-aviation has no record ORD-1', field: 'retractsRef' },
    });
    assert.deepEqual(await footprint([subject]), before);

    const recordId = await submitOne(flightBan('ORD-1', subject), t0);
    assert.equal(await outcome(subject, 'travel.flight', flightAtMs), 'deny');
    const late = await retractRecord(t.context, retraction('ORD-1'), { nowMs: t0 + hourMs });
    assert.equal(late.status, 'retracted');
    assert.equal(late.status === 'retracted' && late.retracts, recordId);
    assert.equal(await outcome(subject, 'travel.flight', flightAtMs), 'allow');

    // The target sent again is a duplicate of the retracted record; it does not come back into force.
    const settled = await footprint([subject]);
    const replay = await submitRecords(t.context, [flightBan('ORD-1', subject)], { nowMs: t0 + 2 * hourMs });
    assert.deepEqual(replay.results, [{ status: 'duplicate', recordId }]);
    assert.equal(await outcome(subject, 'travel.flight', flightAtMs), 'allow');
    assert.deepEqual(await footprint([subject]), settled);
  });

  test('retracting a retracted record: the same retraction is a duplicate, any other is refused; nothing changes', async () => {
    const subject = people.retractedTwice;
    const recordId = await submitOne(flightBan('ORD-2', subject), t0);
    const otherId = await submitOne(flightBan('ORD-3', subject), t0);
    const first = await retractRecord(t.context, retraction('ORD-2'), { nowMs: t0 });
    assert.equal(first.status, 'retracted');
    const retractionId = first.status === 'retracted' ? first.recordId : 0;
    const before = await footprint([subject]);

    const refused = (code: string, message: string, field: string) => ({
      status: 'rejected',
      problem: { code, message, field },
    });
    assert.deepEqual(await retractRecord(t.context, retraction('ORD-2'), { nowMs: t0 + dayMs }), {
      status: 'duplicate',
      recordId: retractionId,
      retracts: recordId,
    });
    assert.deepEqual(
      await retractRecord(t.context, retraction('ORD-2', 'ORD-2-R2'), { nowMs: t0 + dayMs }),
      refused('already_retracted', 'record ORD-2 was already retracted by ORD-2-R', 'retractsRef'),
    );
    assert.deepEqual(
      await retractRecord(t.context, retraction('ORD-2-R', 'ORD-2-R-R'), { nowMs: t0 + dayMs }),
      refused('cannot_retract_retraction', 'record ORD-2-R is a retraction; a retraction is final', 'retractsRef'),
    );
    // The retraction's reference now names it: it cannot be reused to retract another record.
    assert.deepEqual(
      await retractRecord(t.context, retraction('ORD-3', 'ORD-2-R'), { nowMs: t0 + dayMs }),
      refused('reference_conflict', 'agency civil-aviation already used reference ORD-2-R', 'agencyRef'),
    );
    assert.deepEqual(await footprint([subject]), before);
    assert.equal(await outcome(subject, 'travel.flight', flightAtMs), 'deny', `record ${otherId} still bans`);
  });

  test('one reference with two contents: the first to arrive is kept, the second is a conflict', async () => {
    const subject = people.conflicted;
    const fine = (amount: number): RecordInput => ({
      agency: 'traffic-police',
      agencyRef: 'ORD-TP-1',
      subject,
      code: 'traffic.fine',
      effectiveAt: '2026-06-01T08:00:00Z',
      evidence: 'ticket ORD-TP-1',
      amount,
    });
    const recordId = await submitOne(fine(200), t0);
    const before = await footprint([subject]);
    const second = await submitRecords(t.context, [fine(3000)], { nowMs: t0 });
    assert.deepEqual(second.results, [
      {
        status: 'rejected',
        problem: {
          code: 'reference_conflict',
          message: 'agency traffic-police already used reference ORD-TP-1 for a different record',
          field: 'agencyRef',
        },
      },
    ]);
    assert.deepEqual(await footprint([subject]), before);
    assert.deepEqual((await submitRecords(t.context, [fine(200)], { nowMs: t0 })).results, [
      { status: 'duplicate', recordId },
    ]);
    assert.equal((await t.context.store.recordsOf(subject)).find((r) => r.id === recordId)?.amount, 200);
  });

  for (const [firstOutcome, subject] of [
    ['overturned', people.overturned],
    ['upheld', people.upheld],
  ] as const) {
    test(`an objection decided twice (first ${firstOutcome}) is refused the second time and nothing changes`, async () => {
      const recordId = await submitOne(
        {
          agency: 'city-court',
          agencyRef: `ORD-CC-${firstOutcome}`,
          subject,
          code: 'court.defaulter.refuses',
          effectiveAt: '2026-03-01T00:00:00Z',
          evidence: '(2026) 京01执555号',
        },
        t0,
      );
      const file = () =>
        fileObjection(
          t.context,
          { subject, recordId, grounds: 'the judgment was performed in full' },
          { nowMs: t0 + hourMs, actor: 'staff-1' },
        );
      const filed = await file();
      assert.ok(filed.ok, JSON.stringify(filed));
      assert.deepEqual(await file(), {
        ok: false,
        problem: {
          code: 'objection_exists',
          message: `record ${recordId} already has an open objection`,
          field: 'recordId',
        },
      });
      const decideAs = (outcome: 'upheld' | 'overturned') =>
        decideObjection(
          t.context,
          { objectionId: filed.value.id, outcome, reasons: 'receipts checked', reviewer: 'reviewer-1' },
          { nowMs: t0 + 2 * dayMs },
        );
      const decided = await decideAs(firstOutcome);
      assert.ok(decided.ok, JSON.stringify(decided));
      assert.equal(decided.value.retractionRecordId !== undefined, firstOutcome === 'overturned');
      const before = await footprint([subject]);
      for (const outcome of ['overturned', 'upheld'] as const) {
        assert.deepEqual(await decideAs(outcome), {
          ok: false,
          problem: {
            code: 'objection_decided',
            message: `objection ${filed.value.id} was already decided (${firstOutcome})`,
            field: 'id',
          },
        });
      }
      assert.deepEqual(await footprint([subject]), before);
      assert.deepEqual(await t.context.store.objection(filed.value.id), decided.value);
      assert.equal(
        await outcome(subject, 'travel.flight', flightAtMs),
        firstOutcome === 'overturned' ? 'allow' : 'deny',
      );
    });
  }

  for (const [firstOutcome, company] of [
    ['approved', companies.approved],
    ['refused', companies.refused],
  ] as const) {
    test(`a repair decided twice (first ${firstOutcome}) is refused the second time and nothing changes`, async () => {
      const listedAtMs = Date.parse('2026-01-05T00:00:00Z');
      const recordId = await submitOne(
        {
          agency: 'market-regulator',
          agencyRef: `ORD-MR-${firstOutcome}`,
          subject: company,
          code: 'market.licence_revoked',
          effectiveAt: '2026-01-05T00:00:00Z',
          evidence: '京市监罚〔2026〕9号',
        },
        listedAtMs,
      );
      const appliedAtMs = listedAtMs + 400 * dayMs;
      const apply = () =>
        applyRepair(
          t.context,
          {
            subject: company,
            recordId,
            list: 'market-serious-dishonesty',
            conditions: ['obligation_performed', 'commitment_signed'],
            statement: 'fine paid; commitment signed',
          },
          { nowMs: appliedAtMs, actor: 'reviewer-1' },
        );
      const applied = await apply();
      assert.ok(applied.ok, JSON.stringify(applied));
      assert.deepEqual(await apply(), {
        ok: false,
        problem: {
          code: 'repair_pending',
          message: `record ${recordId} already has an open repair application`,
          field: 'recordId',
        },
      });
      const decidedAtMs = appliedAtMs + 2 * dayMs;
      const decideAs = (outcome: 'approved' | 'refused') =>
        decideRepair(
          t.context,
          { repairId: applied.value.id, outcome, reasons: 'receipts verified', reviewer: 'reviewer-1' },
          { nowMs: decidedAtMs },
        );
      const decided = await decideAs(firstOutcome);
      assert.ok(decided.ok, JSON.stringify(decided));
      const members = () => t.context.store.listMembers('market-serious-dishonesty', decidedAtMs, 1_000);
      const listed = (await members()).some((m) => m.subject === company);
      assert.equal(listed, firstOutcome === 'refused');
      const before = await footprint([company]);
      for (const outcome of ['approved', 'refused'] as const) {
        assert.deepEqual(await decideAs(outcome), {
          ok: false,
          problem: {
            code: 'repair_decided',
            message: `repair application ${applied.value.id} was already decided (${firstOutcome})`,
            field: 'id',
          },
        });
      }
      assert.deepEqual(await footprint([company]), before);
      assert.equal(
        (await members()).some((m) => m.subject === company),
        listed,
      );
    });
  }
});

/**
 * The fold reads a subject's records in (effectiveAt, id) order, so two records of one subject at the same instant
 * are read in the order they arrived. Agencies often report dates without a time of day, so such ties are normal;
 * the derivation must still not depend on arrival. These tests hold it to that (they fail while ties are broken
 * by id).
 */
describe('records of one subject at the same instant', () => {
  const person = '11010519491231002X';
  const nowMs = Date.parse('2026-11-22T00:00:00Z');
  const atMs = Date.parse('2026-07-01T00:00:00Z');

  /** Submits the inputs as one batch in the given order on a fresh store; the derivation in agency references. */
  async function deriveArrivingAs(inputs: readonly RecordInput[]) {
    const t = await openTestContext();
    try {
      const result = await submitRecords(t.context, inputs, { nowMs });
      assert.equal(result.accepted, inputs.length, JSON.stringify(result.results));
      const refs = new Map((await t.context.store.recordsOf(person)).map((r) => [r.id, r.agencyRef]));
      const derivation = JSON.stringify(await t.context.store.derivation(person), (key, v: unknown) =>
        typeof v === 'number' && (key === 'recordId' || key === 'endedBy') ? refs.get(v) : v,
      );
      const standing = await standingOf(t.context, { key: person, scheme: 'resident_id', kind: 'person' }, atMs);
      const flight = decide(standing, 'travel.flight');
      const score = standing.schemes.find((s) => s.scheme === 'rongcheng-residents')?.points?.score;
      return { derivation, score, flight: flight.ok ? flight.value.outcome : flight.problem.code };
    } finally {
      await t.close();
    }
  }

  test('two fines at one instant: score and repeat multiplier do not depend on which arrived first', async () => {
    const fine = (agencyRef: string, amount: number): RecordInput => ({
      agency: 'traffic-police',
      agencyRef,
      subject: person,
      code: 'traffic.fine',
      effectiveAt: '2026-06-01T00:00:00Z',
      evidence: `ticket ${agencyRef}`,
      amount,
    });
    const small = fine('TIE-TP-1', 200);
    const large = fine('TIE-TP-2', 3000);
    assert.deepEqual(await deriveArrivingAs([large, small]), await deriveArrivingAs([small, large]));
  });

  test('a court listing and its performance at one instant: the flight decision does not depend on arrival', async () => {
    const court = (agencyRef: string, code: string): RecordInput => ({
      agency: 'city-court',
      agencyRef,
      subject: person,
      code,
      effectiveAt: '2026-06-01T00:00:00Z',
      evidence: `(2026)京01执${agencyRef}号`,
      caseRef: '(2026)京01执7001号',
    });
    const listing = court('TIE-CC-1', 'court.defaulter.refuses');
    const performance = court('TIE-CC-2', 'court.performance');
    assert.deepEqual(await deriveArrivingAs([performance, listing]), await deriveArrivingAs([listing, performance]));
  });
});

/**
 * An overturned objection stores its retraction as `credence:objection-<id>`, an approved repair its record as
 * `credence:repair-<id>`, in the agency's table, where (agency, agencyRef) is the idempotency key. The agency
 * chooses its references freely (`objection-7` included), so whichever comes first, the other must still work;
 * the `credence:` prefix is refused to agencies (reserved_reference).
 */
describe('references the system makes in an agency’s name', () => {
  const nowMs = Date.parse('2026-11-22T00:00:00Z');
  const objector = '110101198001010045';
  const bystander = '110101198001010053';
  const court = (agencyRef: string, subject: string): RecordInput => ({
    agency: 'city-court',
    agencyRef,
    subject,
    code: 'court.defaulter.refuses',
    effectiveAt: '2026-03-01T00:00:00Z',
    evidence: `(2026) 京01执${agencyRef}号`,
  });
  let t: TestContext;
  before(async () => {
    t = await openTestContext();
  });
  after(() => t.close());

  async function submitOne(input: RecordInput, atMs: number) {
    const result = await submitRecords(t.context, [input], { nowMs: atMs });
    return result.results[0];
  }

  async function fileAgainst(agencyRef: string, subject: string) {
    const submitted = await submitOne(court(agencyRef, subject), nowMs);
    assert.ok(submitted?.status === 'accepted', JSON.stringify(submitted));
    const filed = await fileObjection(
      t.context,
      { subject, recordId: submitted.recordId, grounds: 'the judgment was performed in full' },
      { nowMs: nowMs + hourMs, actor: 'staff-1' },
    );
    assert.ok(filed.ok, JSON.stringify(filed));
    return filed.value;
  }

  const overturn = (objectionId: number) =>
    decideObjection(
      t.context,
      { objectionId, outcome: 'overturned', reasons: 'performed before listing', reviewer: 'reviewer-1' },
      { nowMs: nowMs + dayMs },
    );

  test('an objection is overturned when the agency already used the reference objection-<id>', async () => {
    const objection = await fileAgainst('REF-CC-1', objector);
    const own = await submitOne(court(`objection-${objection.id}`, bystander), nowMs + 2 * hourMs);
    assert.equal(own?.status, 'accepted');
    const decided = await overturn(objection.id);
    assert.ok(decided.ok, JSON.stringify(decided));
    assert.equal(decided.value.status, 'overturned');
  });

  test('an agency may use the reference objection-<id> after an overturned objection did', async () => {
    const objection = await fileAgainst('REF-CC-2', '110101198001010061');
    assert.ok((await overturn(objection.id)).ok);
    const own = await submitOne(court(`objection-${objection.id}`, '11010119800101007X'), nowMs + 2 * dayMs);
    assert.equal(own?.status, 'accepted', JSON.stringify(own));
  });

  test('a repair is approved when the agency already used the reference repair-<id>', async () => {
    const company = '91110108551385082Q';
    const listedAtMs = Date.parse('2026-01-05T00:00:00Z');
    const listed = await submitOne(
      {
        agency: 'market-regulator',
        agencyRef: 'REF-MR-1',
        subject: company,
        code: 'market.licence_revoked',
        effectiveAt: '2026-01-05T00:00:00Z',
        evidence: '京市监罚〔2026〕10号',
      },
      listedAtMs,
    );
    assert.ok(listed?.status === 'accepted');
    const appliedAtMs = listedAtMs + 400 * dayMs;
    const applied = await applyRepair(
      t.context,
      {
        subject: company,
        recordId: listed.recordId,
        list: 'market-serious-dishonesty',
        conditions: ['obligation_performed', 'commitment_signed'],
        statement: 'fine paid; commitment signed',
      },
      { nowMs: appliedAtMs, actor: 'reviewer-1' },
    );
    assert.ok(applied.ok, JSON.stringify(applied));
    const own = await submitOne(
      {
        agency: 'market-regulator',
        agencyRef: `repair-${applied.value.id}`,
        subject: '91310000MA1FL1234Q',
        code: 'market.licence_revoked',
        effectiveAt: '2026-06-01T00:00:00Z',
        evidence: '京市监罚〔2026〕11号',
      },
      appliedAtMs,
    );
    assert.equal(own?.status, 'accepted');
    const decided = await decideRepair(
      t.context,
      { repairId: applied.value.id, outcome: 'approved', reasons: 'receipts verified', reviewer: 'reviewer-1' },
      { nowMs: appliedAtMs + dayMs },
    );
    assert.ok(decided.ok, JSON.stringify(decided));
    assert.equal(decided.value.status, 'approved');
  });
});
