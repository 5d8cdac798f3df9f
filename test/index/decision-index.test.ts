/**
 * The decision index against the store, on a seeded demo city. For every subject with a derivation, every person in
 * a relation and every subject with no records, the index's decision on every action must equal the one read from
 * the store (standingOf, then decide) at the build instant, a millisecond later, and at each instant where a window
 * of the subject's opens or closes (and the millisecond before), up to six years ahead. Before the index loads, a few
 * relations that start or end after now are added to the demo's, so that a measure extended from an organisation
 * can begin and end with the relation rather than with the listing.
 *
 * Then: the index stays sparse, many subjects are put in and taken out of its table, a subject it has never seen gets
 * its kind's default (also asked out of order across the instants where that changes), the index gives the store's
 * bytes, a window's end takes effect with no refresh, and the change observer (wired as src/http/start.ts wires
 * it) keeps the index current through record writes, a retraction and new catalog versions; last, a decision asked
 * while a catalog publication reloads the index must not see it half loaded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { publishCatalog } from '../../src/app/catalogs.ts';
import { openContext, type AppContext } from '../../src/app/context.ts';
import { standingOf } from '../../src/app/decisions.ts';
import { createDemo, demoStartMs } from '../../src/app/demo.ts';
import { retractRecord, submitRecords } from '../../src/app/records.ts';
import { actions } from '../../src/core/actions.ts';
import { parseCatalogDraft, type CatalogDraft } from '../../src/core/catalog.ts';
import { dayMs } from '../../src/core/constants.ts';
import { decide, type Decision } from '../../src/core/decide.ts';
import type { Derivation } from '../../src/core/derive.ts';
import {
  parseSubjectId,
  residentIdCheckCharacter,
  usccCheckCharacter,
  type SubjectId,
} from '../../src/core/identifiers.ts';
import type { Result } from '../../src/core/result.ts';
import { listingMeasures, standingAt, type Relation, type Role } from '../../src/core/standing.ts';
import { isoFromMs } from '../../src/core/time.ts';
import { measureWindows } from '../../src/core/windows.ts';
import { DecisionIndex, followChanges, loadIndex } from '../../src/index/decision-index.ts';
import type { Store } from '../../src/store/ports.ts';
import { testKeys } from '../support/keys.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { demoAgencies, demoCatalogInputs } from '../support/demo-catalogs.ts';

const nowMs = Date.parse('2026-11-22T00:00:00Z');
const aheadMs = 6 * 366 * dayMs;
const hourMs = 3_600_000;
const pageSize = 1_000;

interface Mismatch {
  readonly subject: string;
  readonly action: string;
  readonly at: string;
  readonly index: Result<Decision>;
  readonly store: Result<Decision>;
}

/** What a comparison covered, and every decision on which the two paths disagreed. */
class Comparison {
  subjects = 0;
  instants = 0;
  decisions = 0;
  readonly mismatches: Mismatch[] = [];

  report(t: TestContext): void {
    t.diagnostic(
      `${this.subjects} subjects, ${this.instants} (subject, instant) pairs x ${actions.length} actions = ` +
        `${this.decisions} decisions compared; ${this.mismatches.length} differ`,
    );
  }

  assertNone(): void {
    assert.deepEqual(
      this.mismatches.slice(0, 3),
      [],
      `${this.mismatches.length} of ${this.decisions} decisions differ between the index and the store`,
    );
  }
}

function differs(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return false;
  } catch {
    return true;
  }
}

function decisionOf(result: Result<Decision>): Decision {
  assert.ok(result.ok, result.ok ? '' : result.problem.message);
  return result.value;
}

function demoDraft(schemeId: string): CatalogDraft {
  for (const input of demoCatalogInputs()) {
    const draft = parseCatalogDraft(input);
    if (draft.ok && draft.value.scheme.id === schemeId) return draft.value;
  }
  throw new Error(`no demo catalog ${schemeId}`);
}

function parsed(key: string): SubjectId {
  const subject = parseSubjectId(key);
  assert.ok(subject.ok, `${key} is not an identifier`);
  return subject.value;
}

/** A valid resident ID for a synthetic person: region 110105, a birth date from 1970 on, a sequence number. */
function syntheticPerson(n: number): SubjectId {
  const birth = isoFromMs(Date.UTC(1970, 0, 1) + Math.floor(n / 900) * dayMs)
    .slice(0, 10)
    .replaceAll('-', '');
  const first17 = `110105${birth}${String(n % 900).padStart(3, '0')}`;
  return parsed(`${first17}${residentIdCheckCharacter(first17)}`);
}

describe('decision index', () => {
  let folder: string;
  let store: Store;
  let context: AppContext;
  let index: DecisionIndex;
  /** The refresher's clock: every write below moves it on, and the index is asked at or after it. */
  let clockMs = nowMs;
  const subjects: SubjectId[] = [];
  const derived = new Set<string>();
  const relatedPersons = new Set<string>();
  const unrecorded: SubjectId[] = [];

  /** Every instant at which something about this subject can change, from `fromMs` on, and the ms before each. */
  async function instantsOf(subject: SubjectId, fromMs: number): Promise<number[]> {
    const times: number[] = [];
    const derivation = await store.derivation(subject.key);
    for (const l of derivation?.listings ?? []) times.push(l.startMs, l.endMs);
    for (const w of [...(derivation?.entries ?? []), ...(derivation?.grades ?? [])]) times.push(w.fromMs, w.untilMs);
    if (subject.kind === 'person') {
      const relations = await store.relationsOfPerson(subject.key);
      const organisations = await store.derivations(relations.map((r) => r.organisation));
      for (const r of relations) {
        times.push(r.fromMs, r.untilMs ?? Infinity);
        for (const l of organisations.get(r.organisation)?.listings ?? []) times.push(l.startMs, l.endMs);
      }
    }
    for (const scheme of context.catalogs.schemeIds)
      for (const v of context.catalogs.versionsOf(scheme)) times.push(v.effectiveFromMs);
    const instants = new Set([fromMs, fromMs + 1, fromMs + aheadMs]);
    for (const t of times) {
      if (t <= fromMs || t > fromMs + aheadMs) continue;
      instants.add(t);
      instants.add(t - 1);
    }
    return [...instants].sort((a, b) => a - b);
  }

  async function compare(comparison: Comparison, subject: SubjectId, instants: readonly number[]): Promise<void> {
    comparison.subjects++;
    for (const atMs of instants) {
      comparison.instants++;
      const standing = await standingOf(context, subject, atMs);
      for (const { code } of actions) {
        comparison.decisions++;
        const fromIndex = index.decideFor(subject, code, atMs);
        const fromStore = decide(standing, code);
        if (differs(fromIndex, fromStore))
          comparison.mismatches.push({
            subject: subject.key,
            action: code,
            at: isoFromMs(atMs),
            index: fromIndex,
            store: fromStore,
          });
      }
    }
  }

  /** Compares these subjects at their instants from the refresher's clock on. */
  async function compareNow(keys: readonly string[]): Promise<Comparison> {
    const comparison = new Comparison();
    for (const key of keys) {
      const subject = parsed(key);
      await compare(comparison, subject, await instantsOf(subject, clockMs));
    }
    return comparison;
  }

  function decision(subject: SubjectId, action: string, atMs: number): Decision {
    return decisionOf(index.decideFor(subject, action, atMs));
  }

  /** Submits one record through the use case, at the next hour of the refresher's clock. */
  async function submitOne(subject: SubjectId, agency: string, code: string, agencyRef: string): Promise<void> {
    clockMs += hourMs;
    const input = { agency, agencyRef, subject: subject.key, code, effectiveAt: isoFromMs(clockMs - 60_000) };
    const result = await submitRecords(context, [{ ...input, evidence: `${agencyRef} order` }], { nowMs: clockMs });
    assert.equal(result.accepted, 1, JSON.stringify(result.results));
  }

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'credence-index-'));
    store = openSqliteStore(join(folder, 'credence.db'), { create: true, keys: testKeys });
    context = await openContext(store, { keys: testKeys });
    await createDemo(context, {
      people: 3000,
      seed: 'index-test',
      catalogs: demoCatalogInputs(),
      agencies: demoAgencies(),
    });
    for await (const page of store.scanSubjects(pageSize)) subjects.push(...page);
    for await (const page of store.scanDerivations(pageSize)) for (const d of page) derived.add(d.subject);

    // Relations that end before the listing does, start after now, ended before now, and one that overlaps
    // another of the same person, organisation and role: on up to four organisations whose listing reaches persons.
    const persons = subjects.filter((s) => s.kind === 'person');
    const reaching: Derivation[] = [];
    for await (const page of store.scanDerivations(pageSize))
      for (const d of page)
        if (d.kind === 'organisation' && d.listings.some((l) => l.endMs > nowMs + 60 * dayMs)) reaching.push(d);
    const added: Relation[] = [];
    for (const [k, { subject: organisation }] of reaching.slice(0, 4).entries()) {
      const person = (n: number) => persons[(k * 389 + n * 101 + 17) % persons.length]?.key ?? '';
      const relation = (n: number, role: Role, fromMs: number, untilMs?: number): Relation => ({
        organisation,
        person: person(n),
        role,
        fromMs,
        ...(untilMs === undefined ? {} : { untilMs }),
      });
      added.push(
        relation(0, 'responsible_manager', demoStartMs, nowMs + (30 + k) * dayMs),
        relation(0, 'responsible_manager', nowMs + 10 * dayMs),
        relation(1, 'legal_representative', nowMs + (60 + k) * dayMs, nowMs + (400 + k) * dayMs),
        relation(2, 'legal_representative', demoStartMs - 365 * dayMs, nowMs - dayMs),
      );
    }
    assert.ok(added.length > 0, 'the demo city has an organisation whose listing reaches persons');
    await store.transaction((tx) => tx.putRelations(added));

    for (const s of subjects) {
      if (s.kind === 'person') continue;
      for (const r of await store.relationsOfOrganisation(s.key)) relatedPersons.add(r.person);
    }
    for (const s of subjects) if (!derived.has(s.key) && !relatedPersons.has(s.key)) unrecorded.push(s);

    index = await loadIndex(store, context.catalogs, nowMs);
    // Wired as src/http/start.ts wires it.
    context.observers.push(
      followChanges(
        index,
        store,
        () => context.catalogs,
        () => clockMs,
      ),
    );
  });

  after(async () => {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('every subject with a stored derivation decides as the store does, at every boundary of its windows', async (t) => {
    const comparison = new Comparison();
    for (const subject of subjects)
      if (derived.has(subject.key)) await compare(comparison, subject, await instantsOf(subject, nowMs));
    comparison.report(t);
    assert.ok(comparison.subjects > 1000);
    comparison.assertNone();
  });

  test('every person in a relation decides as the store does, including through the relation', async (t) => {
    const comparison = new Comparison();
    for (const subject of subjects)
      if (relatedPersons.has(subject.key)) await compare(comparison, subject, await instantsOf(subject, nowMs));
    comparison.report(t);
    assert.ok(comparison.subjects > 300);
    comparison.assertNone();
  });

  test('subjects with no records are not held, and decide as the store does', async (t) => {
    const comparison = new Comparison();
    for (const subject of unrecorded) {
      assert.equal(index.has(subject.key), false, `${subject.key} has no records but is held`);
      await compare(comparison, subject, await instantsOf(subject, nowMs));
    }
    comparison.report(t);
    assert.ok(unrecorded.some((s) => s.kind === 'person') && unrecorded.some((s) => s.kind === 'organisation'));
    comparison.assertNone();
  });

  test('the index is sparse: it holds only subjects whose decisions differ from the default at some instant', async (t) => {
    const held = subjects.filter((s) => index.has(s.key));
    t.diagnostic(`${index.size} of ${subjects.length} subjects held, ${index.windowCount} windows`);
    assert.equal(held.length, index.size);
    assert.ok(index.size * 4 < subjects.length, `${index.size} of ${subjects.length} subjects held`);
    for (const s of held) assert.ok(derived.has(s.key) || relatedPersons.has(s.key), `${s.key} held with nothing`);
    const indistinct: string[] = [];
    for (const subject of held) {
      let distinct = false;
      for (const atMs of await instantsOf(subject, nowMs)) {
        const fresh = standingAt(context.catalogs, subject.key, subject.kind, undefined, atMs);
        distinct ||= actions.some(({ code }) => differs(index.decideFor(subject, code, atMs), decide(fresh, code)));
        if (distinct) break;
      }
      if (!distinct) indistinct.push(subject.key);
    }
    assert.deepEqual(indistinct, [], 'held subjects whose every decision is the default one');
  });

  test('a measure stops applying at the exact millisecond its window ends, with no refresh', async (t) => {
    let checked = 0;
    for await (const page of store.scanDerivations(pageSize)) {
      for (const d of page) {
        const subject = parsed(d.subject);
        for (const listing of d.listings) {
          if (listing.endMs <= nowMs + 1) continue;
          const action = listingMeasures(context.catalogs, listing)?.measures[0]?.actions[0];
          if (action === undefined) continue;
          const names = (atMs: number) =>
            decision(subject, action, atMs).reasons.some(
              (r) => 'list' in r.because && r.because.recordId === listing.recordId,
            );
          assert.equal(names(listing.endMs - 1), true, `${d.subject} ${action} just before ${listing.list} ends`);
          assert.equal(names(listing.endMs), false, `${d.subject} ${action} when ${listing.list} ends`);
          checked++;
        }
      }
    }
    t.diagnostic(`${checked} listings checked`);
    assert.ok(checked > 10);
  });

  test("a company the index has never seen gets its kind's default: the A-grade tax incentive", async () => {
    const first17 = '91110108MA01ABCD1';
    const company = parsed(`${first17}${usccCheckCharacter(first17)}`);
    assert.equal(company.kind, 'organisation');
    assert.equal(await store.subject(company.key), undefined);
    assert.equal(index.has(company.key), false);
    for (const atMs of [nowMs, nowMs + 1, nowMs + aheadMs]) {
      const decided = decision(company, 'inspection.exempt', atMs);
      assert.equal(decided.outcome, 'allow');
      assert.deepEqual(
        decided.reasons.map((r) => ({ measure: r.measure, because: r.because, untilMs: r.untilMs })),
        [{ measure: 'a-grade-incentives', because: { grade: 'A' }, untilMs: undefined }],
      );
      assert.deepEqual(decided, decisionOf(decide(await standingOf(context, company, atMs), 'inspection.exempt')));
    }
    const stranger = syntheticPerson(123_456);
    assert.equal(await store.subject(stranger.key), undefined);
    const forPerson = decision(stranger, 'inspection.exempt', nowMs);
    assert.equal(forPerson.outcome, 'deny');
    assert.deepEqual(forPerson.reasons, []);
  });

  test('decisions are the same bytes as the store path gives, held or not (JSON text, keys in order)', async () => {
    const sample = [...subjects.filter((s) => index.has(s.key)).slice(0, 40), ...unrecorded.slice(0, 10)];
    assert.ok(sample.length > 40);
    for (const subject of sample) {
      for (const atMs of [nowMs, nowMs + 30 * dayMs]) {
        const standing = await standingOf(context, subject, atMs);
        for (const { code } of actions) {
          assert.equal(
            JSON.stringify(index.decideFor(subject, code, atMs)),
            JSON.stringify(decide(standing, code)),
            `${subject.key} ${code} at ${isoFromMs(atMs)}`,
          );
        }
      }
    }
  });

  test('many subjects in the table: puts, counts, lookups and removals', () => {
    const held = new DecisionIndex(context.catalogs, nowMs);
    const count = 20_000;
    const people = Array.from({ length: count }, (_, n) => syntheticPerson(n));
    assert.equal(new Set(people.map((p) => p.key)).size, count);
    const listed = (subject: SubjectId, n: number): Derivation => ({
      subject: subject.key,
      kind: 'person',
      entries: [],
      grades: [],
      listings: [
        {
          list: 'flight-conduct-ban',
          scheme: 'conduct-bans',
          version: 1,
          recordId: n + 1,
          code: 'aviation.disruption',
          trigger: 'rule',
          startMs: nowMs,
          endMs: nowMs + (n + 1) * hourMs,
          untilDelisted: false,
          extendedBy: [],
        },
      ],
    });
    for (const [n, p] of people.entries())
      held.put(p, measureWindows(context.catalogs, p.key, p.kind, listed(p, n), nowMs), nowMs);
    assert.equal(held.size, count);
    assert.equal(held.windowCount, count);
    for (const [n, p] of people.entries()) {
      assert.equal(held.has(p.key), true);
      const endMs = nowMs + (n + 1) * hourMs;
      const outcome = (atMs: number) => {
        const decided = held.decideFor(p, 'travel.flight', atMs);
        return decided.ok ? decided.value.outcome : decided.problem.code;
      };
      assert.equal(outcome(endMs - 1), 'deny');
      assert.equal(outcome(endMs), 'allow');
    }
    // A put of the kind's default windows removes the subject; putting them again changes nothing.
    for (const p of [...people.slice(0, count / 2), ...people.slice(0, 10)])
      held.put(p, measureWindows(context.catalogs, p.key, p.kind, undefined, nowMs), nowMs);
    assert.equal(held.size, count / 2);
    assert.equal(held.windowCount, count / 2);
    for (const [n, p] of people.entries()) assert.equal(held.has(p.key), n >= count / 2);
    assert.equal(held.has(syntheticPerson(count).key), false);
  });

  test('a clean person listed on court-defaulters is denied at once; court.performance ends it at once', async () => {
    const person = unrecorded.find((s) => s.kind === 'person');
    assert.ok(person);
    await submitOne(person, 'city-court', 'court.defaulter.refuses', 'index-test-1');
    assert.equal(index.has(person.key), true);
    const denied = decision(person, 'travel.flight', clockMs);
    assert.equal(denied.outcome, 'deny');
    assert.deepEqual(
      denied.reasons.map((r) => r.measure),
      ['high-consumption-restrictions'],
    );
    (await compareNow([person.key])).assertNone();

    await submitOne(person, 'city-court', 'court.performance', 'index-test-2');
    const allowed = decision(person, 'travel.flight', clockMs);
    assert.equal(allowed.outcome, 'allow');
    assert.deepEqual(allowed.reasons, []);
    (await compareNow([person.key])).assertNone();
  });

  test("an organisation listed on market-serious-dishonesty denies its legal representative's bids; a retraction undoes it", async () => {
    let found: { organisation: SubjectId; representative: SubjectId } | undefined;
    for (const organisation of subjects) {
      if (organisation.kind !== 'organisation' || found !== undefined) continue;
      const listings = (await store.derivation(organisation.key))?.listings ?? [];
      if (listings.some((l) => l.list === 'market-serious-dishonesty')) continue;
      for (const r of await store.relationsOfOrganisation(organisation.key)) {
        if (r.role !== 'legal_representative' || r.fromMs > clockMs || r.untilMs !== undefined) continue;
        const representative = parsed(r.person);
        if (decision(representative, 'procurement.bid', clockMs).outcome === 'allow')
          found = { organisation, representative };
      }
    }
    assert.ok(found, 'an organisation with no market listing whose representative may bid');
    const { organisation, representative } = found;
    const reached = async () => [
      organisation.key,
      ...new Set((await store.relationsOfOrganisation(organisation.key)).map((r) => r.person)),
    ];

    await submitOne(organisation, 'market-regulator', 'market.licence_revoked', 'index-test-3');
    const denied = decision(representative, 'procurement.bid', clockMs);
    assert.equal(denied.outcome, 'deny');
    assert.deepEqual(
      denied.reasons.map((r) => ({ measure: r.measure, via: r.via })),
      [{ measure: 'market-joint-sanctions', via: { organisation: organisation.key, role: 'legal_representative' } }],
    );
    assert.equal(decision(organisation, 'procurement.bid', clockMs).outcome, 'deny');
    (await compareNow(await reached())).assertNone();

    // A record about the representative re-reads them with the organisations they represent.
    await submitOne(representative, 'public-security', 'public.smoking', 'index-test-5');
    assert.deepEqual(decision(representative, 'procurement.bid', clockMs).reasons, denied.reasons);
    (await compareNow([representative.key])).assertNone();

    clockMs += hourMs;
    const retracted = await retractRecord(
      context,
      {
        agency: 'market-regulator',
        agencyRef: 'index-test-4',
        retractsRef: 'index-test-3',
        reason: 'revoked in error',
      },
      { nowMs: clockMs },
    );
    assert.equal(retracted.status, 'retracted');
    const allowed = decision(representative, 'procurement.bid', clockMs);
    assert.equal(allowed.outcome, 'allow');
    assert.deepEqual(allowed.reasons, []);
    (await compareNow(await reached())).assertNone();
  });

  test('new catalog versions: the observer reloads the index, which agrees across their effective instants', async (t) => {
    // In 90 days the tax rating asks 95 points for an A and starts to rate government bodies; 30 days later the
    // court list stops applying to organisations themselves (their listings still reach their representatives)
    // and restricts one more action, for listings made from then on.
    clockMs += hourMs;
    const taxFromMs = clockMs + 90 * dayMs;
    const tax = demoDraft('tax-credit');
    const points = tax.scheme.points;
    assert.ok(points);
    const grades = points.grades.map((g) => (g.grade === 'A' ? { ...g, minPoints: 95 } : g));
    const taxScheme = { ...tax.scheme, subjectKinds: [...tax.scheme.subjectKinds, 'government' as const] };
    const court = demoDraft('court-defaulters');
    const courtScheme = {
      ...court.scheme,
      subjectKinds: court.scheme.subjectKinds.filter((k) => k !== 'organisation'),
    };
    const measures = court.measures.map((m) =>
      m.id === 'high-consumption-restrictions' ? { ...m, actions: [...m.actions, 'travel.rail.any'] } : m,
    );
    for (const draft of [
      { ...tax, effectiveFrom: isoFromMs(taxFromMs), scheme: { ...taxScheme, points: { ...points, grades } } },
      { ...court, effectiveFrom: isoFromMs(taxFromMs + 30 * dayMs), scheme: courtScheme, measures },
    ]) {
      const published = await publishCatalog(context, draft, { nowMs: clockMs, actor: 'admin' });
      assert.ok(published.ok, published.ok ? '' : published.problem.message);
    }
    assert.equal(index.catalogs, context.catalogs);
    const comparison = await compareNow(subjects.map((s) => s.key));
    comparison.report(t);
    comparison.assertNone();
  });

  test('subjects it does not hold share a ruling only while it holds: asked out of order, each as the store decides', async (t) => {
    // After the publications above, the defaults change where the new versions take effect (a government body is
    // rated from then on, an organisation no longer under the court scheme), and wherever a default window opens or
    // closes: the ruling kept for a kind and an action must not outlive any of these instants.
    const edges = new Set<number>();
    for (const kind of ['person', 'organisation', 'government'] as const)
      for (const w of measureWindows(context.catalogs, '', kind, undefined, clockMs)) edges.add(w.fromMs).add(w.toMs);
    for (const scheme of context.catalogs.schemeIds)
      for (const v of context.catalogs.versionsOf(scheme)) edges.add(v.effectiveFromMs);
    const ascending = [...edges]
      .flatMap((t) => [t - 1, t, t + 1])
      .filter((t) => t >= clockMs && t <= clockMs + aheadMs)
      .sort((a, b) => a - b);
    // From the instant the index was last loaded at (its windows start there), as compareNow asks.
    const instants = [...ascending, ...ascending.toReversed(), clockMs, clockMs + aheadMs, clockMs];
    const strangers = [
      syntheticPerson(654_321),
      parsed(`91110108MA01ABCE1${usccCheckCharacter('91110108MA01ABCE1')}`),
      parsed(`11110000000013127${usccCheckCharacter('11110000000013127')}`),
    ];
    const comparison = new Comparison();
    for (const subject of strangers) {
      assert.equal(index.has(subject.key), false);
      await compare(comparison, subject, instants);
      const refused = index.decideFor(subject, 'travel.teleport', clockMs);
      assert.deepEqual(refused, {
        ok: false,
        problem: { code: 'unknown_action', message: 'unknown action travel.teleport', field: 'action' },
      });
    }
    comparison.report(t);
    assert.ok(ascending.length > 3, `${ascending.length} instants around the defaults' edges`);
    comparison.assertNone();
  });

  test('a decision asked while a catalog publication reloads the index answers as the store does', async () => {
    // loadIndex rebuilds the live index in place: it clears every shard, then reads the store page by page. Any
    // work that runs between those reads (here a loop that yields to the microtask queue, as concurrent request
    // handlers do; with a network database, whole requests) sees a partly loaded index.
    let subject: SubjectId | undefined;
    for await (const page of store.scanDerivations(pageSize))
      for (const d of page)
        if (d.kind === 'person' && d.listings.some((l) => l.list === 'court-defaulters' && l.endMs > clockMs + dayMs))
          subject ??= parsed(d.subject);
    assert.ok(subject, 'a person on the court defaulter list');
    clockMs += hourMs;
    const atMs = clockMs;
    const expected = decide(await standingOf(context, subject, atMs), 'travel.flight');
    assert.equal(decisionOf(expected).outcome, 'deny');
    const honours = demoDraft('civic-honours');
    let done = false;
    const publishing = publishCatalog(
      context,
      { ...honours, effectiveFrom: isoFromMs(atMs + 365 * dayMs) },
      { nowMs: atMs, actor: 'admin' },
    ).finally(() => {
      done = true;
    });
    const during: Result<Decision>[] = [];
    while (!done) {
      during.push(index.decideFor(subject, 'travel.flight', atMs));
      await Promise.resolve();
    }
    assert.ok((await publishing).ok);
    assert.deepEqual(index.decideFor(subject, 'travel.flight', atMs), expected, 'after the reload');
    const wrong = during.filter((d) => differs(d, expected));
    const because = decisionOf(expected)
      .reasons.map((r) => r.measure)
      .join(', ');
    assert.deepEqual(
      wrong.slice(0, 1).map((d) => ({ subject: subject.key, action: 'travel.flight', at: isoFromMs(atMs), index: d })),
      [],
      `${wrong.length} of ${during.length} decisions asked during the reload differ from the store's (deny: ${because})`,
    );
  });
});
