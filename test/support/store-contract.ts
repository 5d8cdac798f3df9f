/**
 * The store contract suite (STYLE.md, "Storage behind narrow ports"): what every adapter of the `Store` port
 * (src/store/ports.ts) must do, written against the port alone so that the SQLite adapter and the PostgreSQL one
 * run the same tests unchanged. Each test opens a fresh, empty store through `open` and closes it.
 *
 * Where the port promises no order (catalog versions, agencies, relations), results are compared sorted; where it
 * does (records in id order, subjects in the order of their lookup tokens, audit events in seq order), the order
 * is part of the check. Every adapter stores subjects by lookup token (store/identities.ts), made with the keys the
 * contract's stores are opened with (test/support/keys.ts).
 */
import assert from 'node:assert/strict';
import { testKeys } from './keys.ts';
import { describe, it } from 'node:test';
import { chainEvents, findChainBreak } from '../../src/app/audit-chain.ts';
import type { CatalogVersion } from '../../src/core/catalog.ts';
import type { NoticeFacts } from '../../src/core/notices.ts';
import type { Derivation, Listing } from '../../src/core/derive.ts';
import {
  parseSubjectId,
  residentIdCheckCharacter,
  usccCheckCharacter,
  type SubjectId,
} from '../../src/core/identifiers.ts';
import type { RecordDraft } from '../../src/core/record.ts';
import type { Relation } from '../../src/core/standing.ts';
import {
  DuplicateReferenceError,
  type AccountRecord,
  type Agency,
  type AuditEvent,
  type AuditEventInput,
  type Change,
  type ListMember,
  type Store,
  type StoreTransaction,
  type TokenRecord,
} from '../../src/store/ports.ts';
import { demoAgencies, demoVersions } from './demo-catalogs.ts';

const dayMs = 86_400_000;
const t0 = Date.parse('2025-11-01T00:00:00Z');
/** More keys than an adapter puts in one statement (the SQLite adapter chunks by 500). */
const manyKeysCount = 1_100;

/* ---------- Subjects ---------- */

function subjectOf(key: string): SubjectId {
  const parsed = parseSubjectId(key);
  if (!parsed.ok) throw new Error(`test identifier ${key} is invalid: ${parsed.problem.message}`);
  return parsed.value;
}

/** The n-th test resident (n < 12,000): a valid resident ID born in 1980, region 110105. */
export function person(n: number): SubjectId {
  const first17 = `1101051980${String(1 + Math.floor(n / 1000)).padStart(2, '0')}01${String(n % 1000).padStart(3, '0')}`;
  return subjectOf(first17 + residentIdCheckCharacter(first17));
}

/** The n-th test company: a valid USCC of a market entity (kind organisation). */
export function organisation(n: number): SubjectId {
  const first17 = `91110105MA${String(n).padStart(7, '0')}`;
  return subjectOf(first17 + usccCheckCharacter(first17));
}

/** The n-th test government body: a valid USCC of a government organ (kind government). */
function government(n: number): SubjectId {
  const first17 = `11110105MB${String(n).padStart(7, '0')}`;
  return subjectOf(first17 + usccCheckCharacter(first17));
}

const visitor = subjectOf('passport:DEU:C01X00T47');

/** The n-th test passport (n < 100,000). */
function passport(n: number): SubjectId {
  return subjectOf(`passport:DEU:C02X${String(n).padStart(5, '0')}`);
}

/** Stores keep subjects in the order of their lookup tokens (keyed hashes): stable, and telling nothing. */
const token = (key: string) => testKeys.lookup(key);
const byKey = (a: { readonly key: string }, b: { readonly key: string }) => compareText(a.key, b.key);

/**
 * The store's own order of subjects, as scanSubjects gives it: an adapter chooses it (the lookup token, or the
 * subject's number where the store numbers them), and every scan and list page follows it.
 */
async function storeOrder(store: Store): Promise<ReadonlyMap<string, number>> {
  const keys = (await collectPages(store.scanSubjects(1_000), 1_000)).map((s) => s.key);
  return new Map(keys.map((key, i) => [key, i]));
}

function rankIn(order: ReadonlyMap<string, number>, key: string): number {
  return order.get(key) ?? assert.fail(`subject ${key} is not in the store's order (not registered)`);
}

async function inStoreOrder(store: Store, keys: readonly string[]): Promise<string[]> {
  const order = await storeOrder(store);
  return [...keys].sort((a, b) => rankIn(order, a) - rankIn(order, b));
}

/** Registers the subjects of these derivations and puts them, as the application does (registered first). */
async function putDerived(tx: StoreTransaction, derivations: readonly Derivation[]): Promise<void> {
  await tx.putSubjects(derivations.map((d) => subjectOf(d.subject)));
  await tx.putDerivations(derivations);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/* ---------- Records ---------- */

function draftOf(subject: SubjectId, agencyRef: string, fields: Partial<RecordDraft> = {}): RecordDraft {
  return {
    agency: 'city-court',
    agencyRef,
    subject: subject.key,
    code: 'court.defaulter',
    effectiveAtMs: t0,
    evidence: `judgment ${agencyRef}`,
    ...fields,
  };
}

/* ---------- Derivations ---------- */

function listingOf(list: string, startMs: number, endMs: number, recordId: number, code = 'court.defaulter'): Listing {
  return {
    list,
    scheme: 'court-defaulters',
    version: 1,
    recordId,
    code,
    trigger: 'rule',
    startMs,
    endMs,
    untilDelisted: false,
    extendedBy: [],
  };
}

function derivationOf(subject: SubjectId, listings: Listing[] = [], points = -5): Derivation {
  return {
    subject: subject.key,
    kind: subject.kind,
    entries: [
      {
        scheme: 'rongcheng-residents',
        version: 1,
        recordId: 1,
        code: 'traffic.drunk_driving',
        points,
        pointsRule: points,
        multiplier: 1,
        capped: false,
        fromMs: t0,
        untilMs: t0 + 365 * dayMs,
      },
    ],
    grades: [],
    listings,
  };
}

/** A derivation using every optional field, so that a round trip is checked on all of them. */
function richDerivationOf(subject: SubjectId): Derivation {
  return {
    subject: subject.key,
    kind: subject.kind,
    entries: [
      {
        scheme: 'rongcheng-residents',
        version: 2,
        recordId: 7,
        code: 'civic.volunteering',
        points: 10,
        pointsRule: 5,
        multiplier: 2,
        capped: true,
        fromMs: t0,
        untilMs: t0 + 30 * dayMs,
        resetBy: 9,
      },
    ],
    grades: [
      {
        scheme: 'tax-credit',
        version: 1,
        recordId: 8,
        code: 'tax.grade_d',
        grade: 'D',
        fromMs: t0,
        untilMs: t0 + 730 * dayMs,
      },
    ],
    listings: [
      {
        list: 'court-defaulters',
        scheme: 'court-defaulters',
        version: 1,
        recordId: 11,
        code: 'court.defaulter',
        trigger: 'threshold',
        caseRef: '(2025)京0105执123号',
        startMs: t0,
        endMs: t0 + 1825 * dayMs,
        untilDelisted: true,
        endedBy: 12,
        extendedBy: [13, 14],
      },
    ],
  };
}

function memberOf(subject: SubjectId, listing: Listing): ListMember {
  return {
    subject: subject.key,
    version: listing.version,
    list: listing.list,
    startMs: listing.startMs,
    endMs: listing.endMs,
    recordId: listing.recordId,
    code: listing.code,
  };
}

/* ---------- Audit events ---------- */

function eventOf(n: number, subject?: SubjectId): AuditEventInput {
  return {
    atMs: t0 + n,
    kind: 'record.accepted',
    actor: 'city-court',
    ...(subject === undefined ? {} : { subject: subject.key }),
    payload: { n, refs: [`R-${n}`], nested: { ok: true, note: '审计' } },
  };
}

/* ---------- Changes ---------- */

type ChangeContent = Omit<Change, 'id'>;

const byPassport = (a: { readonly passport: string }, b: { readonly passport: string }) =>
  compareText(a.passport, b.passport);

/**
 * A change without its id, in a canonical order: the port promises no order within one change, so subjects and
 * passports are sorted here (subjects are not deduplicated, so a subject named twice still shows).
 */
function contentOf(change: Change): ChangeContent {
  return {
    subjects: [...change.subjects].sort(compareText),
    passports: [...change.passports].sort(byPassport),
    catalogs: change.catalogs,
  };
}

/** The change a transaction should leave, from identifiers: each subject once, by lookup token. */
function changeOf(
  subjects: readonly SubjectId[],
  passports: readonly { readonly passport: SubjectId; readonly subject: SubjectId }[] = [],
  catalogs = false,
): ChangeContent {
  const tokens = [...subjects, ...passports.map((p) => p.subject)].map((s) => token(s.key));
  return {
    subjects: [...new Set(tokens)].sort(compareText),
    passports: passports
      .map((p) => ({ passport: token(p.passport.key), subject: token(p.subject.key) }))
      .sort(byPassport),
    catalogs,
  };
}

/** The whole outbox, read in pages of `limit`; checks that ids rise and that no page is longer than asked. */
async function allChanges(store: Store, limit: number, afterId = 0): Promise<Change[]> {
  const all: Change[] = [];
  for (let after = afterId; ;) {
    const page = await store.changes(after, limit);
    assert.ok(page.length <= limit, `a page of changes holds at most ${limit}, not ${page.length}`);
    for (const change of page) {
      // Checked here so that an adapter ignoring afterId fails instead of paging forever.
      assert.ok(Number.isSafeInteger(change.id) && change.id > after, `change ${change.id} comes after ${after}`);
      after = change.id;
    }
    all.push(...page);
    if (page.length < limit) return all;
  }
}

function tokenRecordOf(id: string): TokenRecord {
  return { id, role: 'reviewer', name: `reviewer ${id}`, scope: [], secretHash: `hash-of-${id}`, createdAtMs: t0 };
}

/* ---------- Helpers ---------- */

async function collectPages<T>(pages: AsyncIterable<T[]>, pageSize: number): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) {
    assert.ok(page.length > 0, 'a scan yields no empty page');
    assert.ok(page.length <= pageSize, `a page holds at most ${pageSize} items, not ${page.length}`);
    all.push(...page);
  }
  return all;
}

async function allListMembers(store: Store, list: string, atMs: number, limit: number): Promise<ListMember[]> {
  const all: ListMember[] = [];
  const order = await storeOrder(store);
  for (let after: string | undefined; ;) {
    const page = await store.listMembers(list, atMs, limit, after);
    assert.ok(page.length <= limit, `a page of members holds at most ${limit}`);
    // Checked here so that an adapter ignoring afterSubject fails instead of paging forever.
    assert.ok(
      page.every((m) => after === undefined || rankIn(order, m.subject) > rankIn(order, after)),
      `a page after ${after} holds only later subjects`,
    );
    all.push(...page);
    const last = page.at(-1);
    if (page.length < limit || last === undefined) return all;
    after = last.subject;
  }
}

const sortVersions = (versions: readonly CatalogVersion[]) =>
  [...versions].sort((a, b) => compareText(a.schemeId, b.schemeId) || a.version - b.version);
const sortRelations = (relations: readonly Relation[]) =>
  [...relations].sort(
    (a, b) => compareText(a.organisation, b.organisation) || compareText(a.role, b.role) || a.fromMs - b.fromMs,
  );

/** Resolves when `release` is called: lets a test hold a transaction open at a chosen point. */
function gate(): { readonly opened: Promise<void>; readonly release: () => void } {
  let release = () => {};
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { opened, release };
}

export function runStoreContract(name: string, open: () => Promise<Store>): void {
  /** Runs a test body on a fresh store and always closes it. */
  async function withStore(body: (store: Store) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await body(store);
    } finally {
      await store.close();
    }
  }

  describe(`store contract: ${name}`, () => {
    describe('catalogs, agencies, subjects and relations', () => {
      it('round-trips published catalog versions exactly', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.catalogVersions(), []);
          const versions = demoVersions();
          const first = versions[0];
          assert.ok(first !== undefined, 'the demo has catalogs');
          const second: CatalogVersion = {
            ...first,
            version: 2,
            publishedAtMs: first.publishedAtMs + 10 * dayMs,
            effectiveFromMs: first.effectiveFromMs + 40 * dayMs,
          };
          await store.transaction(async (tx) => {
            for (const version of versions) await tx.insertCatalogVersion(version);
          });
          await store.transaction((tx) => tx.insertCatalogVersion(second));

          assert.deepEqual(sortVersions(await store.catalogVersions()), sortVersions([...versions, second]));
        }));

      it('upserts agencies by id', () =>
        withStore(async (store) => {
          const agencies = demoAgencies();
          await store.transaction((tx) => tx.putAgencies(agencies));
          const renamed: Agency = {
            id: 'city-court',
            kind: 'court_of_appeal',
            name: { 'zh-CN': '市高级人民法院', en: 'City High Court' },
          };
          const added: Agency = {
            id: 'port-authority',
            kind: 'port',
            name: { 'zh-CN': '港务局', en: 'Port Authority' },
          };
          await store.transaction((tx) => tx.putAgencies([renamed, added]));

          const expected = [...agencies.filter((a) => a.id !== renamed.id), renamed, added];
          const stored = await store.agencies();
          assert.equal(stored.length, agencies.length + 1);
          assert.deepEqual(
            [...stored].sort((a, b) => compareText(a.id, b.id)),
            expected.sort((a, b) => compareText(a.id, b.id)),
          );
        }));

      it('keeps an identity without a subject, and names it back from its lookup token only', () =>
        withStore(async (store) => {
          assert.equal(await store.identifierOf(token(person(7).key)), undefined);
          await store.transaction((tx) => tx.rememberIdentity(person(7).key));
          await store.transaction((tx) => tx.rememberIdentity(person(7).key));
          assert.equal(await store.identifierOf(token(person(7).key)), person(7).key);
          // Kept as an identity, not as a subject of the register: it counts nowhere.
          assert.equal(await store.subject(person(7).key), undefined);
          assert.deepEqual((await store.summary()).subjectsByKind, {});
          assert.equal(await store.identifierOf('not-a-token'), undefined);
          // A rolled-back transaction keeps nothing.
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.rememberIdentity(person(8).key);
              throw new Error('roll back');
            }),
          );
          assert.equal(await store.identifierOf(token(person(8).key)), undefined);
        }));

      it('puts subjects idempotently and reads each back as given', () =>
        withStore(async (store) => {
          const subjects = [person(1), person(2), organisation(1), government(1), visitor];
          assert.equal(await store.subject(person(1).key), undefined);
          await store.transaction((tx) => tx.putSubjects(subjects));
          await store.transaction((tx) => tx.putSubjects([...subjects, person(1)]));

          for (const subject of subjects) assert.deepEqual(await store.subject(subject.key), subject);
          const stored = await store.subject(visitor.key);
          assert.ok(stored !== undefined && !('region' in stored), 'a passport has no region, not region: undefined');
          assert.equal(await store.subject(person(3).key), undefined);
          const summary = await store.summary();
          assert.deepEqual(summary.subjectsByKind, { person: 3, organisation: 1, government: 1 });
          assert.deepEqual(
            (await collectPages(store.scanSubjects(100), 100)).sort(byKey),
            [...subjects].sort(byKey),
            'each subject once',
          );
          const seen = await store.transaction((tx) => tx.subjectsOf([person(1).key, person(3).key, visitor.key]));
          assert.deepEqual(
            seen,
            new Map([
              [person(1).key, person(1)],
              [visitor.key, visitor],
            ]),
          );
        }));

      it('finds the relations naming a person', () =>
        withStore(async (store) => {
          const [alice, bob, carol] = [person(1), person(2), person(3)];
          const relations: Relation[] = [
            { organisation: organisation(1).key, person: alice.key, role: 'legal_representative', fromMs: t0 },
            {
              organisation: organisation(2).key,
              person: alice.key,
              role: 'responsible_manager',
              fromMs: t0,
              untilMs: t0 + 90 * dayMs,
            },
            { organisation: organisation(2).key, person: bob.key, role: 'legal_representative', fromMs: t0 },
          ];
          await store.transaction(async (tx) => {
            await tx.putSubjects([alice, bob, carol, organisation(1), organisation(2)]);
            await tx.putRelations(relations);
          });
          await store.transaction((tx) => tx.putRelations(relations));

          const ofAlice = await store.relationsOfPerson(alice.key);
          assert.deepEqual(sortRelations(ofAlice), sortRelations(relations.slice(0, 2)));
          assert.ok(
            ofAlice.every((r) => r.untilMs !== undefined || !('untilMs' in r)),
            'an open relation has no untilMs key',
          );
          assert.deepEqual(await store.relationsOfPerson(bob.key), relations.slice(2));
          assert.deepEqual(await store.relationsOfPerson(carol.key), []);
        }));
    });

    describe('records', () => {
      it('assigns increasing ids and round-trips every field, omitting absent optional ones', () =>
        withStore(async (store) => {
          const subject = person(1);
          const drafts = [
            draftOf(subject, 'R-1', { amount: 1234.56, caseRef: '(2025)京0105执123号', effectiveAtMs: t0 + dayMs }),
            draftOf(subject, 'R-2'),
            draftOf(subject, 'R-3', { code: 'tax.arrears', agency: 'tax-bureau', amount: 0, effectiveAtMs: t0 - 1 }),
            draftOf(subject, 'R-4', { caseRef: 'C-4', evidence: '证据 #4 "quoted"' }),
          ];
          const first = await store.transaction(async (tx) => {
            await tx.putSubjects([subject]);
            return tx.insertRecords(drafts.map((draft) => ({ draft, recordedAtMs: t0 + 2 * dayMs })));
          });
          assert.deepEqual(
            first,
            drafts.map((draft, i) => ({ ...draft, id: first[i]?.id, recordedAtMs: t0 + 2 * dayMs })),
          );
          const ids = first.map((r) => r.id);
          assert.ok(
            ids.every((id, i) => Number.isSafeInteger(id) && id > 0 && (i === 0 || id > (ids[i - 1] ?? 0))),
            `ids increase in insertion order: ${ids.join(', ')}`,
          );

          const original = first[0];
          assert.ok(original !== undefined);
          const retractionDraft = draftOf(subject, 'R-5', { evidence: 'entered in error' });
          const [retraction] = await store.transaction((tx) =>
            tx.insertRecords([{ draft: retractionDraft, recordedAtMs: t0 + 3 * dayMs, retracts: original.id }]),
          );
          assert.ok(retraction !== undefined);
          assert.deepEqual(retraction, {
            ...retractionDraft,
            id: retraction.id,
            recordedAtMs: t0 + 3 * dayMs,
            retracts: original.id,
          });
          assert.ok(retraction.id > Math.max(...ids), 'a later insert gets a larger id');

          const stored = await store.recordsOf(subject.key);
          assert.deepEqual(stored, [...first, retraction]);
          const bare = stored[1];
          assert.ok(bare !== undefined);
          for (const field of ['amount', 'caseRef', 'retracts']) {
            assert.ok(!(field in bare), `a record without ${field} has no ${field} key`);
          }
          assert.equal(stored[2]?.amount, 0, 'an amount of 0 is kept, not dropped');
          assert.deepEqual(await store.recordsOf(person(2).key), []);
        }));

      it('finds records by agency reference, seeing the transaction’s own writes', () =>
        withStore(async (store) => {
          const subject = organisation(1);
          await store.transaction(async (tx) => {
            await tx.putSubjects([subject]);
            await tx.insertRecords([
              { draft: draftOf(subject, 'R-1'), recordedAtMs: t0 },
              { draft: draftOf(subject, 'R-1', { agency: 'tax-bureau', code: 'tax.arrears' }), recordedAtMs: t0 },
            ]);
          });
          await store.transaction(async (tx) => {
            const [second] = await tx.insertRecords([{ draft: draftOf(subject, 'R-2'), recordedAtMs: t0 }]);
            const found = await tx.recordsByRef('city-court', ['R-1', 'R-2', 'R-missing', 'R-1']);
            assert.deepEqual([...found.keys()].sort(), ['R-1', 'R-2']);
            assert.equal(found.get('R-1')?.agency, 'city-court');
            assert.equal(found.get('R-1')?.code, 'court.defaulter');
            assert.deepEqual(found.get('R-2'), second);

            const tax = await tx.recordsByRef('tax-bureau', ['R-1', 'R-2']);
            assert.deepEqual([...tax.keys()], ['R-1']);
            assert.equal(tax.get('R-1')?.code, 'tax.arrears');
            assert.deepEqual(await tx.recordsByRef('nobody', ['R-1']), new Map());
            assert.deepEqual(await tx.recordsByRef('city-court', []), new Map());
          });
        }));

      it('groups records by subject in id order', () =>
        withStore(async (store) => {
          const [a, b, c] = [person(1), organisation(1), person(2)];
          const order = [a, b, a, c, a, b];
          const stored = await store.transaction(async (tx) => {
            await tx.putSubjects([a, b, c]);
            // Effective instants run backwards, so id order and effectiveAt order differ.
            return tx.insertRecords(
              order.map((s, i) => ({
                draft: draftOf(s, `R-${i}`, { effectiveAtMs: t0 - i * dayMs }),
                recordedAtMs: t0,
              })),
            );
          });
          const expected = (s: SubjectId) => stored.filter((r) => r.subject === s.key);

          const grouped = await store.transaction((tx) => tx.recordsOf([b.key, a.key, person(9).key, a.key]));
          assert.deepEqual(grouped.get(a.key), expected(a));
          assert.deepEqual(grouped.get(b.key), expected(b));
          assert.deepEqual(grouped.get(person(9).key) ?? [], []);
          assert.equal(grouped.has(c.key), false, 'only the subjects asked for');
          for (const s of [a, b, c]) assert.deepEqual(await store.recordsOf(s.key), expected(s));
        }));

      it('pages through records in id order within an id range, each once, with its subject', () =>
        withStore(async (store) => {
          const [a, b] = [person(1), organisation(1)];
          const stored = await store.transaction(async (tx) => {
            await tx.putSubjects([a, b]);
            return tx.insertRecords([a, b, a, b, a].map((s, i) => ({ draft: draftOf(s, `I-${i}`), recordedAtMs: t0 })));
          });
          const ids = stored.map((r) => r.id);
          const [first = 0, second = 0, , fourth = 0] = ids;
          assert.deepEqual(await store.recordsInIdRange(0, Number.POSITIVE_INFINITY, 100), stored);
          assert.deepEqual(await store.recordsInIdRange(first, fourth, 100), stored.slice(1, 4), '(after, through]');
          assert.deepEqual(await store.recordsInIdRange(first, Number.POSITIVE_INFINITY, 2), stored.slice(1, 3));
          assert.deepEqual(await store.recordsInIdRange(second, second, 10), [], 'an empty range');
          assert.deepEqual(await store.recordsInIdRange(ids.at(-1) ?? 0, Number.POSITIVE_INFINITY, 10), []);
        }));

      it('refuses a second record with the same agency reference', () =>
        withStore(async (store) => {
          const subject = person(1);
          await store.transaction(async (tx) => {
            await tx.putSubjects([subject]);
            await tx.insertRecords([{ draft: draftOf(subject, 'R-1'), recordedAtMs: t0 }]);
          });

          await assert.rejects(
            store.transaction((tx) =>
              tx.insertRecords([{ draft: draftOf(subject, 'R-1', { evidence: 'again' }), recordedAtMs: t0 + 1 }]),
            ),
            (error: unknown) => error instanceof DuplicateReferenceError && error.code === 'duplicate_reference',
          );
          // A repeat within one batch is refused too, and the whole batch with it.
          await assert.rejects(
            store.transaction((tx) =>
              tx.insertRecords([
                { draft: draftOf(subject, 'R-2'), recordedAtMs: t0 },
                { draft: draftOf(subject, 'R-2'), recordedAtMs: t0 },
              ]),
            ),
            DuplicateReferenceError,
          );
          // The same reference from another agency is another record.
          await store.transaction((tx) =>
            tx.insertRecords([
              { draft: draftOf(subject, 'R-1', { agency: 'tax-bureau', code: 'tax.arrears' }), recordedAtMs: t0 },
            ]),
          );

          const stored = await store.recordsOf(subject.key);
          assert.deepEqual(
            stored.map((r) => [r.agency, r.agencyRef, r.evidence]),
            [
              ['city-court', 'R-1', 'judgment R-1'],
              ['tax-bureau', 'R-1', 'judgment R-1'],
            ],
          );
        }));
    });

    describe('transactions', () => {
      it('returns the value of the work', () =>
        withStore(async (store) => {
          assert.equal(await store.transaction(async () => 42), 42);
          assert.equal(await store.transaction(async (tx) => tx.auditTail()), undefined);
        }));

      it('rolls back everything written in a transaction that throws, and stays usable', () =>
        withStore(async (store) => {
          const kept = person(1);
          const keptListing = listingOf('court-defaulters', t0, t0 + 100 * dayMs, 1);
          const keptDerivation = derivationOf(kept, [keptListing]);
          await store.transaction(async (tx) => {
            await tx.putSubjects([kept]);
            await tx.putDerivations([keptDerivation]);
          });

          const lost = organisation(1);
          const boom = new Error('boom');
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.insertCatalogVersion(demoVersions()[0] ?? assert.fail('the demo has catalogs'));
              await tx.putAgencies(demoAgencies());
              await tx.putSubjects([lost, person(2)]);
              await tx.putRelations([
                { organisation: lost.key, person: person(2).key, role: 'legal_representative', fromMs: t0 },
              ]);
              await tx.insertRecords([
                { draft: draftOf(lost, 'R-1'), recordedAtMs: t0 },
                { draft: draftOf(kept, 'R-2'), recordedAtMs: t0 },
              ]);
              await tx.putDerivations([
                derivationOf(lost, [listingOf('market-serious-dishonesty', t0, t0 + dayMs, 1)]),
                derivationOf(kept, [listingOf('rail-conduct-ban', t0, t0 + dayMs, 2)], -50),
              ]);
              await tx.appendAuditEvents(chainEvents(await tx.auditTail(), [eventOf(1, lost), eventOf(2)], testKeys));
              assert.equal((await tx.recordsByRef('city-court', ['R-1'])).size, 1, 'the transaction sees its writes');
              throw boom;
            }),
            (error: unknown) => error === boom,
          );

          assert.deepEqual(await store.catalogVersions(), []);
          assert.deepEqual(await store.agencies(), []);
          assert.equal(await store.subject(lost.key), undefined);
          assert.deepEqual(await store.relationsOfPerson(person(2).key), []);
          assert.deepEqual(await store.recordsOf(lost.key), []);
          assert.deepEqual(await store.recordsOf(kept.key), []);
          assert.equal(await store.derivation(lost.key), undefined);
          assert.deepEqual(await store.derivation(kept.key), keptDerivation, 'a replaced derivation comes back');
          assert.deepEqual(await store.listMembers('court-defaulters', t0, 10), [memberOf(kept, keptListing)]);
          assert.deepEqual(await store.listMembers('rail-conduct-ban', t0, 10), []);
          assert.deepEqual(await store.countListMembers(t0), new Map([['court-defaulters', 1]]));
          assert.deepEqual(await store.auditEvents(0, 10), []);
          assert.deepEqual(await store.summary(), {
            subjectsByKind: { person: 1 },
            recordsByCode: {},
            records: 0,
            auditEvents: 0,
          });

          // Still usable: the same writes commit now, with the ids and seqs free again.
          const [record] = await store.transaction(async (tx) => {
            await tx.putSubjects([lost]);
            await tx.appendAuditEvents(chainEvents(await tx.auditTail(), [eventOf(1, lost)], testKeys));
            return tx.insertRecords([{ draft: draftOf(lost, 'R-1'), recordedAtMs: t0 }]);
          });
          assert.deepEqual(await store.recordsOf(lost.key), [record]);
          assert.deepEqual(
            (await store.auditEvents(0, 10)).map((e) => e.seq),
            [1],
          );
        }));

      it('never interleaves transactions started together', () =>
        withStore(async (store) => {
          const transactionsCount = 24;
          let running = 0;
          const outcomes = await Promise.allSettled(
            Array.from({ length: transactionsCount }, (_, i) =>
              store.transaction(async (tx) => {
                running += 1;
                assert.equal(running, 1, 'no other transaction runs meanwhile');
                try {
                  const tail = await tx.auditTail();
                  // Yield to the event loop between the read and the write, so an interleaving would show.
                  await new Promise((resolve) => setTimeout(resolve, 1));
                  await tx.appendAuditEvents(chainEvents(tail, [eventOf(i)], testKeys));
                  if (i % 5 === 4) throw new Error(`transaction ${i} fails after writing`);
                  return i;
                } finally {
                  running -= 1;
                }
              }),
            ),
          );

          const failed = outcomes.filter((o) => o.status === 'rejected');
          assert.equal(failed.length, Math.floor(transactionsCount / 5));
          for (const outcome of failed) assert.match(String(outcome.reason), /fails after writing/);
          const events = await store.auditEvents(0, 100);
          const committed = transactionsCount - failed.length;
          assert.deepEqual(
            events.map((e) => e.seq),
            Array.from({ length: committed }, (_, i) => i + 1),
          );
          assert.equal(findChainBreak(undefined, events), undefined);
          assert.deepEqual(
            events.map((e) => e.payload.n).sort((a, b) => Number(a) - Number(b)),
            Array.from({ length: transactionsCount }, (_, i) => i).filter((i) => i % 5 !== 4),
          );
        }));

      it('does not show a transaction’s uncommitted writes to reads outside it', () =>
        withStore(async (store) => {
          const subject = person(1);
          const written = gate();
          const proceed = gate();
          const pending = store.transaction(async (tx) => {
            await tx.putSubjects([subject]);
            await tx.insertRecords([{ draft: draftOf(subject, 'R-1'), recordedAtMs: t0 }]);
            await tx.putDerivations([derivationOf(subject, [listingOf('court-defaulters', t0, t0 + dayMs, 1)])]);
            written.release();
            await proceed.opened;
            throw new Error('abandoned');
          });
          await written.opened;
          // Reads started while the transaction is open; they may wait for it, but must not see its writes.
          const reads = Promise.all([
            store.subject(subject.key),
            store.recordsOf(subject.key),
            store.derivation(subject.key),
            store.listMembers('court-defaulters', t0, 10),
            store.summary(),
          ]);
          proceed.release();
          await assert.rejects(pending, /abandoned/);
          const [seenSubject, seenRecords, seenDerivation, seenMembers, seenSummary] = await reads;
          assert.equal(seenSubject, undefined);
          assert.deepEqual(seenRecords, []);
          assert.equal(seenDerivation, undefined);
          assert.deepEqual(seenMembers, []);
          assert.equal(seenSummary.records, 0);
        }));
    });

    describe('derivations and listings', () => {
      it('tells which derivations differ from the stored ones: missing, different, or the same after a round trip', () =>
        withStore(async (store) => {
          const [same, changed, unstored, company] = [person(1), person(2), person(3), organisation(1)];
          const rich = richDerivationOf(same);
          await store.transaction(async (tx) => {
            await tx.putSubjects([same, changed, unstored, company]);
            await tx.putDerivations([rich, derivationOf(changed)]);
          });
          assert.deepEqual(
            await store.derivationsDiffering([
              rich,
              derivationOf(changed, [], -7),
              derivationOf(unstored),
              derivationOf(company),
            ]),
            new Map([
              [changed.key, 'different'],
              [unstored.key, 'missing'],
              [company.key, 'missing'],
            ]),
          );
          assert.deepEqual(await store.derivationsDiffering([derivationOf(changed)]), new Map());
          assert.deepEqual(
            await store.derivationsDiffering([{ ...rich, kind: 'organisation' }]),
            new Map([[same.key, 'different']]),
            'the same body under another kind is another derivation',
          );
          assert.deepEqual(await store.derivationsDiffering([]), new Map());
        }));

      it('replaces a subject’s derivation and its listings', () =>
        withStore(async (store) => {
          const subject = person(1);
          const onCourt = listingOf('court-defaulters', t0, t0 + 100 * dayMs, 1);
          const onRail = listingOf('rail-conduct-ban', t0 + 10 * dayMs, t0 + 190 * dayMs, 2, 'rail.smoking');
          await store.transaction(async (tx) => {
            await tx.putSubjects([subject]);
            await tx.putDerivations([derivationOf(subject, [onCourt])]);
          });
          const replacement = derivationOf(subject, [onRail], -20);
          await store.transaction((tx) => tx.putDerivations([replacement]));

          const at = t0 + 20 * dayMs;
          assert.deepEqual(await store.derivation(subject.key), replacement);
          assert.deepEqual(await store.listMembers('court-defaulters', at, 10), []);
          assert.deepEqual(await store.listMembers('rail-conduct-ban', at, 10), [memberOf(subject, onRail)]);
          assert.deepEqual(await store.countListMembers(at), new Map([['rail-conduct-ban', 1]]));

          const rich = richDerivationOf(subject);
          await store.transaction((tx) => tx.putDerivations([rich]));
          assert.deepEqual(await store.derivation(subject.key), rich);
          assert.deepEqual(await store.listMembers('rail-conduct-ban', at, 10), []);

          const cleared = derivationOf(subject);
          await store.transaction((tx) => tx.putDerivations([cleared]));
          assert.deepEqual(await store.derivation(subject.key), cleared);
          assert.deepEqual(await store.countListMembers(at), new Map());
          assert.equal(await store.derivation(person(2).key), undefined);
        }));

      it('gives the expiry run the derivations due, in the order they fell due, until told', () =>
        withStore(async (store) => {
          const [a, b, c] = [person(1), person(2), person(3)];
          // a: a listing ends at day 100, its entry at day 365; b: a listing ends at day 10; c: nothing ends.
          const first = derivationOf(a, [listingOf('court-defaulters', t0, t0 + 100 * dayMs, 1)]);
          const second = derivationOf(b, [listingOf('court-defaulters', t0, t0 + 10 * dayMs, 2)]);
          const never = { ...derivationOf(c), entries: [] };
          await store.transaction((tx) => putDerived(tx, [first, second, never]));
          const due = async (atMs: number) =>
            (await collectPages(store.scanDerivationsDue(atMs, 1), 1)).map((d) => d.subject);

          assert.deepEqual(await due(t0 + 10 * dayMs - 1), []);
          assert.deepEqual(await due(t0 + 10 * dayMs), [b.key]);
          assert.deepEqual(await due(t0 + 365 * dayMs), [b.key, a.key]);
          assert.deepEqual(await collectPages(store.scanDerivationsDue(t0 + 100 * dayMs, 5), 5), [second, first]);

          // Told up to day 100: each is due next at its first end after it (the entries, at day 365).
          await store.transaction((tx) => tx.putDerivationsTold([first, second], t0 + 100 * dayMs));
          assert.deepEqual(await due(t0 + 364 * dayMs), []);
          assert.deepEqual((await due(t0 + 365 * dayMs)).sort(), [a.key, b.key].sort());
          await store.transaction((tx) => tx.putDerivationsTold([first, second], t0 + 365 * dayMs));
          assert.deepEqual(await due(t0 + 10_000 * dayMs), []);

          // Rewritten, a derivation is due again from its first end, past ones included.
          await store.transaction((tx) => tx.putDerivations([first]));
          assert.deepEqual(await due(t0 + 100 * dayMs), [a.key]);
          // Rewritten with the instant the run has told up to, from its first end after that.
          await store.transaction((tx) => tx.putDerivations([first], t0 + 100 * dayMs));
          assert.deepEqual(await due(t0 + 364 * dayMs), []);
          assert.deepEqual(await due(t0 + 365 * dayMs), [a.key]);
          assert.equal(await store.derivation(c.key).then((d) => d?.entries.length), 0);
        }));

      it('skips in a scan the derivations with nothing in force after an instant, when asked', () =>
        withStore(async (store) => {
          const [ended, inForce, empty, company] = [person(1), person(2), person(3), organisation(1)];
          const endsEarly = { ...derivationOf(ended, [listingOf('court-defaulters', t0, t0 + 10 * dayMs, 1)]) };
          const derivations = [
            { ...endsEarly, entries: [] },
            derivationOf(inForce),
            { ...derivationOf(empty), entries: [] },
            derivationOf(company),
          ];
          await store.transaction((tx) => putDerived(tx, derivations));
          const subjects = async (only: Parameters<Store['scanDerivations']>[1]) =>
            (await collectPages(store.scanDerivations(1, only), 1)).map((d) => d.subject).sort();
          const all = [ended, inForce, empty, company].map((s) => s.key).sort();
          assert.deepEqual(await subjects({ inForceAfterMs: t0 + 10 * dayMs - 1 }), all);
          // Ended at day 10: skipped from then on. Nothing ends in the empty one: it is read whatever the instant.
          assert.deepEqual(
            await subjects({ inForceAfterMs: t0 + 10 * dayMs }),
            [inForce, empty, company].map((s) => s.key).sort(),
          );
          assert.deepEqual(await subjects({ inForceAfterMs: t0 + 365 * dayMs }), [empty.key]);
          assert.deepEqual(await subjects({ kinds: ['organisation'], inForceAfterMs: t0 + 10 * dayMs }), [company.key]);
          assert.deepEqual(await subjects({ kinds: ['organisation'], inForceAfterMs: t0 + 365 * dayMs }), []);
        }));

      it('counts a listing from its start, inclusive, to its end, exclusive', () =>
        withStore(async (store) => {
          const subject = organisation(1);
          const listing = listingOf('market-serious-dishonesty', t0 + dayMs, t0 + 2 * dayMs, 1, 'market.fraud');
          await store.transaction((tx) => putDerived(tx, [derivationOf(subject, [listing])]));

          const expectations: [number, boolean][] = [
            [listing.startMs - 1, false],
            [listing.startMs, true],
            [listing.endMs - 1, true],
            [listing.endMs, false],
          ];
          for (const [at, active] of expectations) {
            assert.deepEqual(
              await store.listMembers(listing.list, at, 10),
              active ? [memberOf(subject, listing)] : [],
              `member at ${new Date(at).toISOString()}`,
            );
            assert.deepEqual(
              await store.countListMembers(at),
              active ? new Map([[listing.list, 1]]) : new Map(),
              `count at ${new Date(at).toISOString()}`,
            );
          }
        }));

      it('counts a list’s members at several instants, started after a bound, each subject once', () =>
        withStore(async (store) => {
          const list = 'court-defaulters';
          const early = person(1);
          const late = person(2);
          const twice = organisation(3);
          await store.transaction((tx) =>
            putDerived(tx, [
              derivationOf(early, [listingOf(list, t0, t0 + 100 * dayMs, 1)]),
              derivationOf(late, [listingOf(list, t0 + 10 * dayMs, t0 + 20 * dayMs, 2)]),
              // Two listings of one subject active together count once.
              derivationOf(twice, [
                listingOf(list, t0 + 10 * dayMs, t0 + 50 * dayMs, 3),
                listingOf(list, t0 + 15 * dayMs, t0 + 60 * dayMs, 4, 'court.defaulter.obstruction'),
              ]),
              derivationOf(person(4), [listingOf('rail-conduct-ban', t0, t0 + 100 * dayMs, 5)]),
            ]),
          );
          const none = Number.MIN_SAFE_INTEGER;
          assert.deepEqual(
            await store.countListMembersAt(list, [
              { atMs: t0 - 1, startedAfterMs: none },
              { atMs: t0, startedAfterMs: none },
              { atMs: t0 + 16 * dayMs, startedAfterMs: none },
              // Started after t0: the early listing is past its period; the bound is exclusive.
              { atMs: t0 + 16 * dayMs, startedAfterMs: t0 },
              { atMs: t0 + 16 * dayMs, startedAfterMs: t0 + 10 * dayMs },
              { atMs: t0 + 20 * dayMs, startedAfterMs: none },
              { atMs: t0 + 100 * dayMs, startedAfterMs: none },
            ]),
            [0, 1, 3, 2, 1, 2, 0],
          );
          assert.deepEqual(await store.countListMembersAt('nope', [{ atMs: t0, startedAfterMs: none }]), [0]);
          assert.deepEqual(await store.countListMembersAt(list, []), []);
        }));

      it('pages through a list’s members in subject order', () =>
        withStore(async (store) => {
          const list = 'court-defaulters';
          const at = t0 + 5 * dayMs;
          const members = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? person(i) : organisation(i)));
          const listings = new Map(members.map((s, i) => [s.key, listingOf(list, t0, t0 + 10 * dayMs, i + 1)]));
          const ended = person(100);
          const elsewhere = person(101);
          await store.transaction((tx) =>
            putDerived(tx, [
              ...members.map((s) => derivationOf(s, [listings.get(s.key) ?? assert.fail()])),
              derivationOf(ended, [listingOf(list, t0, at, 50)]),
              derivationOf(elsewhere, [listingOf('rail-conduct-ban', t0, t0 + 10 * dayMs, 51)]),
            ]),
          );

          const expected = (
            await inStoreOrder(
              store,
              members.map((s) => s.key),
            )
          ).map((key) => memberOf(subjectOf(key), listings.get(key) ?? assert.fail()));
          for (const limit of [1, 3, 8, 100]) {
            assert.deepEqual(await allListMembers(store, list, at, limit), expected, `pages of ${limit}`);
          }
          const third = expected[2];
          assert.ok(third !== undefined);
          assert.deepEqual(await store.listMembers(list, at, 2, third.subject), expected.slice(3, 5));
          assert.deepEqual(await store.listMembers(list, at, 10, expected.at(-1)?.subject), []);
          assert.deepEqual(
            await store.countListMembers(at),
            new Map([
              [list, members.length],
              ['rail-conduct-ban', 1],
            ]),
          );
        }));

      it('gives one member row per subject with two active listings on the same list', () =>
        withStore(async (store) => {
          const list = 'court-defaulters';
          const twice = person(1);
          const once = person(2);
          // Different records under different codes put the same subject on the list twice.
          const byRule = listingOf(list, t0, t0 + 100 * dayMs, 3, 'court.defaulter');
          const byThreshold: Listing = {
            ...listingOf(list, t0 + dayMs, t0 + 200 * dayMs, 7, 'court.contempt'),
            trigger: 'threshold',
          };
          const onceListing = listingOf(list, t0, t0 + 50 * dayMs, 9);
          await store.transaction((tx) =>
            putDerived(tx, [derivationOf(twice, [byRule, byThreshold]), derivationOf(once, [onceListing])]),
          );

          const at = t0 + 2 * dayMs;
          const rows = await store.listMembers(list, at, 10);
          assert.deepEqual(
            rows.map((r) => r.subject),
            await inStoreOrder(store, [twice.key, once.key]),
          );
          assert.deepEqual(await store.countListMembers(at), new Map([[list, 2]]));
          const paged = await allListMembers(store, list, at, 1);
          assert.deepEqual(
            paged.map((r) => r.subject),
            await inStoreOrder(store, [twice.key, once.key]),
          );

          const row = rows.find((r) => r.subject === twice.key);
          assert.ok(row !== undefined);
          assert.equal(row.list, list);
          assert.ok(row.startMs <= at && at < row.endMs, 'the row is active at the instant asked');
          assert.ok(
            [byRule, byThreshold].some((l) => l.recordId === row.recordId && l.code === row.code),
            `the row's record ${row.recordId} and code ${row.code} name one of the subject's listings`,
          );
          assert.deepEqual(
            rows.find((r) => r.subject === once.key),
            memberOf(once, onceListing),
          );
        }));

      it('reads many derivations at once', () =>
        withStore(async (store) => {
          const subjects = Array.from({ length: manyKeysCount }, (_, i) => person(i));
          const derivations = subjects.map((s, i) =>
            derivationOf(s, i % 100 === 0 ? [listingOf('court-defaulters', t0, t0 + dayMs, i + 1)] : [], -(i + 1)),
          );
          await store.transaction((tx) => putDerived(tx, derivations));
          // Replacing them all in one call crosses any chunking of the listings' deletion too.
          const replaced = derivations.map((d, i) =>
            i % 100 === 0
              ? derivationOf(subjectOf(d.subject), [], -(i + 1))
              : i % 100 === 50
                ? richDerivationOf(subjectOf(d.subject))
                : d,
          );
          await store.transaction((tx) => tx.putDerivations(replaced));

          const unknown = Array.from({ length: 30 }, (_, i) => organisation(i).key);
          const keys = [...subjects.map((s) => s.key).reverse(), ...unknown, subjects[0]?.key ?? ''];
          const found = await store.derivations(keys);
          assert.equal(found.size, manyKeysCount);
          for (const d of replaced) assert.deepEqual(found.get(d.subject), d);
          for (const key of unknown) assert.equal(found.has(key), false);
          assert.deepEqual(await store.derivations([]), new Map());
          // Only the rich derivations' listings are left: every first listing was replaced by none.
          const members = await allListMembers(store, 'court-defaulters', t0, 1_000);
          assert.deepEqual(
            members.map((m) => m.subject),
            await inStoreOrder(
              store,
              replaced.filter((d, i) => i % 100 === 50).map((d) => d.subject),
            ),
          );
        }));
    });

    describe('scans', () => {
      it('scans nothing in an empty store', () =>
        withStore(async (store) => {
          assert.deepEqual(await collectPages(store.scanSubjects(3), 3), []);
          assert.deepEqual(await collectPages(store.scanSubjectRecords(3), 3), []);
          assert.deepEqual(await collectPages(store.scanDerivations(3), 3), []);
          assert.deepEqual(await collectPages(store.scanDerivedWithoutRecords(3), 3), []);
        }));

      it('pages through subjects, their records and derivations in key order, each once', () =>
        withStore(async (store) => {
          const subjects = [
            ...Array.from({ length: 5 }, (_, i) => person(i)),
            organisation(1),
            organisation(2),
            government(1),
            government(2),
            visitor,
          ];
          const withRecords = [subjects[9], subjects[0], subjects[5], subjects[3], subjects[7], subjects[1]].map(
            (s) => s ?? assert.fail(),
          );
          const withDerivations = subjects.slice(0, 8);
          const stored = await store.transaction(async (tx) => {
            await tx.putSubjects([...subjects].reverse());
            await tx.putDerivations(withDerivations.map((s, i) => derivationOf(s, [], -(i + 1))));
            // Two rounds, so each subject's records are not contiguous by id.
            return tx.insertRecords(
              [...withRecords, ...withRecords].map((s, i) => ({ draft: draftOf(s, `R-${i}`), recordedAtMs: t0 })),
            );
          });

          const pageSize = 3;
          const order = await storeOrder(store);
          const ordered = <T>(items: readonly T[], key: (item: T) => string) =>
            [...items].sort((a, b) => rankIn(order, key(a)) - rankIn(order, key(b)));
          assert.deepEqual(
            (await collectPages(store.scanSubjects(pageSize), pageSize)).sort(byKey),
            [...subjects].sort(byKey),
            'each subject once',
          );
          assert.deepEqual(
            await collectPages(store.scanSubjectRecords(pageSize), pageSize),
            ordered(withRecords, (s) => s.key).map((subject) => ({
              subject,
              records: stored.filter((r) => r.subject === subject.key),
            })),
          );
          // In parts: each subject with records in exactly one part, in the store's order within it, whatever the count.
          const whole = await collectPages(store.scanSubjectRecords(pageSize), pageSize);
          for (const count of [1, 2, 3, 7, 20]) {
            const parts = [];
            for (let index = 0; index < count; index++)
              parts.push(await collectPages(store.scanSubjectRecords(pageSize, { index, of: count }), pageSize));
            assert.deepEqual(
              parts.flat().sort((a, b) => byKey(a.subject, b.subject)),
              [...whole].sort((a, b) => byKey(a.subject, b.subject)),
              `${count} parts`,
            );
            for (const part of parts)
              assert.deepEqual(
                part,
                ordered(part, (p) => p.subject.key),
                `a part of ${count} in the store's order`,
              );
          }
          assert.deepEqual(
            await collectPages(store.scanDerivations(pageSize), pageSize),
            ordered(
              withDerivations.map((s, i) => derivationOf(s, [], -(i + 1))),
              (d) => d.subject,
            ),
          );
          for (const size of [1, 2, 3]) {
            assert.deepEqual(
              await collectPages(store.scanDerivations(size, { kinds: ['organisation', 'government'] }), size),
              ordered(
                withDerivations.map((s, i) => derivationOf(s, [], -(i + 1))).filter((d) => d.kind !== 'person'),
                (d) => d.subject,
              ),
              `organisations' and bodies' derivations alone, in pages of ${size}`,
            );
          }
          assert.deepEqual(
            (await collectPages(store.scanDerivations(pageSize, { kinds: ['government'] }), pageSize)).map(
              (d) => d.subject,
            ),
            [government(1).key],
          );
          const withoutRecords = ordered(
            withDerivations.filter((s) => !withRecords.includes(s)),
            (s) => s.key,
          ).map((s) => s.key);
          assert.equal(withoutRecords.length, 3);
          for (const size of [1, 2, 3]) {
            assert.deepEqual(
              await collectPages(store.scanDerivedWithoutRecords(size), size),
              withoutRecords,
              `derivations of subjects without records, in pages of ${size}`,
            );
          }
          for (const size of [1, 2, 6, 10, 11]) {
            const keys = (await collectPages(store.scanSubjects(size), size)).map((s) => s.key);
            assert.deepEqual(keys, [...order.keys()], `subjects in pages of ${size}, in one order`);
          }
        }));
    });

    describe('summary and audit log', () => {
      it('counts subjects by kind, records by code without retractions, and audit events', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.summary(), {
            subjectsByKind: {},
            recordsByCode: {},
            records: 0,
            auditEvents: 0,
          });
          const [a, b, c] = [person(1), organisation(1), government(1)];
          await store.transaction(async (tx) => {
            await tx.putSubjects([a, b, c, person(2)]);
            const [first] = await tx.insertRecords([
              { draft: draftOf(a, 'R-1'), recordedAtMs: t0 },
              { draft: draftOf(b, 'R-2'), recordedAtMs: t0 },
              { draft: draftOf(b, 'R-3', { agency: 'tax-bureau', code: 'tax.arrears', amount: 5 }), recordedAtMs: t0 },
            ]);
            await tx.insertRecords([
              { draft: draftOf(a, 'R-4'), recordedAtMs: t0 + 1, retracts: first?.id ?? assert.fail() },
            ]);
            await tx.appendAuditEvents(
              chainEvents(await tx.auditTail(), [eventOf(1), eventOf(2), eventOf(3)], testKeys),
            );
          });

          assert.deepEqual(await store.summary(), {
            subjectsByKind: { person: 2, organisation: 1, government: 1 },
            recordsByCode: { 'court.defaulter': 2, 'tax.arrears': 1 },
            records: 4,
            auditEvents: 3,
          });
        }));

      it('appends the audit log and pages through it in seq order', () =>
        withStore(async (store) => {
          assert.equal(await store.transaction((tx) => tx.auditTail()), undefined);
          const subject = person(1);
          const first = await store.transaction(async (tx) => {
            const events = chainEvents(await tx.auditTail(), [eventOf(1, subject), eventOf(2), eventOf(3)], testKeys);
            await tx.appendAuditEvents(events);
            return events;
          });
          const second = await store.transaction(async (tx) => {
            const tail = await tx.auditTail();
            const last = first.at(-1);
            assert.deepEqual(tail, { seq: last?.seq, hash: last?.hash });
            const events = chainEvents(
              tail,
              [4, 5, 6, 7].map((n) => eventOf(n, n % 2 === 0 ? subject : undefined)),
              testKeys,
            );
            await tx.appendAuditEvents(events);
            return events;
          });
          const appended: AuditEvent[] = [...first, ...second];

          const pages: AuditEvent[][] = [];
          for (let after = 0; ;) {
            const page = await store.auditEvents(after, 3);
            if (page.length === 0) break;
            pages.push(page);
            after = page.at(-1)?.seq ?? assert.fail();
          }
          assert.deepEqual(
            pages.map((p) => p.map((e) => e.seq)),
            [[1, 2, 3], [4, 5, 6], [7]],
          );
          assert.deepEqual(pages.flat(), appended);
          const plain = pages.flat()[1];
          assert.ok(plain !== undefined && !('subject' in plain), 'an event without a subject has no subject key');
          assert.equal(findChainBreak(undefined, pages.flat()), undefined);
          assert.deepEqual(await store.auditEvents(5, 100), appended.slice(5));
          assert.deepEqual(await store.auditEvents(7, 100), []);
          assert.deepEqual(await store.auditEvents(0, 0), []);
        }));

      it('ends a page of audit events at its byte budget, always holding at least one event', () =>
        withStore(async (store) => {
          const sized = (n: number): AuditEventInput => ({ ...eventOf(n), payload: { n, text: 'x'.repeat(1_000) } });
          const appended = await store.transaction(async (tx) => {
            const events = chainEvents(await tx.auditTail(), [1, 2, 3, 4, 5].map(sized), testKeys);
            await tx.appendAuditEvents(events);
            return events;
          });
          const bytes = JSON.stringify(appended[0]?.payload).length;
          const seqs = async (after: number, bytesMax: number) =>
            (await store.auditEvents(after, 100, bytesMax)).map((e) => e.seq);
          assert.deepEqual(await seqs(0, 2 * bytes), [1, 2], 'two payloads reach a budget of two');
          assert.deepEqual(await seqs(0, 2 * bytes + 1), [1, 2, 3], 'the third begins below it');
          assert.deepEqual(await seqs(3, 1), [4], 'one event even over budget');
          assert.deepEqual(await seqs(4, 10 * bytes), [5]);
          assert.deepEqual(
            (await store.auditEvents(1, 2, 10 * bytes)).map((e) => e.seq),
            [2, 3],
            'and the limit holds',
          );
          const pages: number[][] = [];
          for (let after = 0; ;) {
            const page = await seqs(after, 2 * bytes);
            if (page.length === 0) break;
            pages.push(page);
            after = page.at(-1) ?? assert.fail();
          }
          assert.deepEqual(pages, [[1, 2], [3, 4], [5]]);
        }));
    });

    describe('notices', () => {
      it('puts notices in the outbox with ids, reads a subject’s newest first with paging, and sees derivations in a transaction', () =>
        withStore(async (store) => {
          const subject = person(7);
          const notice = (n: number): NoticeFacts => ({
            subject: subject.key,
            kind: n % 2 === 0 ? 'points.deducted' : 'listing.started',
            adverse: n % 3 !== 0,
            scheme: 'rongcheng-residents',
            version: 1,
            recordId: 0,
            code: 'traffic.warning',
            evidence: `evidence ${n}`,
            effectiveAtMs: t0 + n,
            ...(n % 3 !== 0 ? { objectionDeadlineMs: t0 + 15 * dayMs } : {}),
            details: { n },
          });
          const stored = await store.transaction(async (tx) => {
            await tx.putSubjects([subject]);
            const [record] = await tx.insertRecords([{ draft: draftOf(subject, 'N-1'), recordedAtMs: t0 }]);
            assert.ok(record);
            await tx.putDerivations([derivationOf(subject)]);
            assert.deepEqual(
              (await tx.derivationsOf([subject.key, person(8).key])).get(subject.key),
              derivationOf(subject),
            );
            // The third tells its record's own code, evidence and instant (which a store may read from the record).
            return tx.insertNotices(
              [1, 2, 3].map((n) => ({
                ...notice(n),
                recordId: record.id,
                ...(n === 3
                  ? { code: record.code, evidence: record.evidence, effectiveAtMs: record.effectiveAtMs }
                  : {}),
              })),
              t0 + 1,
            );
          });
          assert.deepEqual(
            stored.map((n) => [n.code, n.evidence, n.effectiveAtMs]),
            [
              ['traffic.warning', 'evidence 1', t0 + 1],
              ['traffic.warning', 'evidence 2', t0 + 2],
              ['court.defaulter', 'judgment N-1', t0],
            ],
          );
          assert.deepEqual(
            await store.transaction((tx) => tx.noticesOfRecord(subject.key, stored[2]?.recordId ?? 0)),
            stored,
          );
          assert.ok(
            stored.every((n, i) => i === 0 || n.id > (stored[i - 1]?.id ?? 0)),
            'ids rise',
          );
          const newest = await store.noticesOf(subject.key, 2);
          assert.deepEqual(newest, [stored[2], stored[1]]);
          const older = await store.noticesOf(subject.key, 2, newest.at(-1)?.id);
          assert.deepEqual(older, [stored[0]]);
          assert.deepEqual(await store.noticesOf(person(8).key, 10), []);
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.insertNotices([{ ...notice(4), recordId: stored[0]?.recordId ?? 0 }], t0 + 2);
              throw new Error('rolled back');
            }),
            /rolled back/,
          );
          assert.equal((await store.noticesOf(subject.key, 10)).length, 3);
        }));
    });

    describe('accounts', () => {
      it('lists every account oldest first, then by login, each as inserted; a taken login is refused', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.accounts(), []);
          const account = (login: string, createdAtMs: number, extra: Partial<AccountRecord> = {}): AccountRecord => ({
            login,
            role: 'reviewer',
            name: login,
            scope: [],
            passwordHash: `scrypt$hash-of-${login}`,
            createdAtMs,
            ...extra,
          });
          const rita = account('rita', t0 + 2);
          const ada = account('ada', t0 + 2, { role: 'admin' });
          const desk = account('desk', t0 + 1, {
            role: 'service-point',
            scope: ['travel.flight', 'travel.rail.any'],
            disabledAtMs: t0 + 5,
          });
          await store.transaction(async (tx) => {
            for (const a of [rita, ada, desk]) assert.equal(await tx.insertAccount(a), true);
            assert.equal(await tx.insertAccount(account('rita', t0 + 9)), false);
          });
          assert.deepEqual(await store.accounts(), [desk, ada, rita]);
          assert.deepEqual(await store.account('rita'), rita);
          // A rolled-back account is not listed.
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.insertAccount(account('zed', t0 + 3));
              throw new Error('rolled back');
            }),
            /rolled back/,
          );
          assert.deepEqual(
            (await store.accounts()).map((a) => a.login),
            ['desk', 'ada', 'rita'],
          );
        }));
    });

    describe('repairs', () => {
      it('reads one subject’s repair applications oldest first, each as inserted and as updated', () =>
        withStore(async (store) => {
          const [alice, bob] = [person(1), person(2)];
          const records = await store.transaction(async (tx) => {
            await tx.putSubjects([alice, bob]);
            return tx.insertRecords(
              [draftOf(alice, 'RP-1'), draftOf(alice, 'RP-2'), draftOf(bob, 'RP-3')].map((draft) => ({
                draft,
                recordedAtMs: t0,
              })),
            );
          });
          const [a1, a2, b1] = records.map((r) => r.id) as [number, number, number];
          const application = (subject: SubjectId, recordId: number, appliedAtMs: number, list?: string) => ({
            subject: subject.key,
            recordId,
            ...(list === undefined ? {} : { list }),
            appliedAtMs,
            conditions: ['obligation_performed', 'commitment_signed'],
            statement: `paid in full (${recordId})`,
            reviewDueAtMs: appliedAtMs + 14 * dayMs,
            status: 'open' as const,
          });
          const inserted = await store.transaction(async (tx) => [
            await tx.insertRepair(application(alice, a2, t0 + 2, 'court-defaulters')),
            await tx.insertRepair(application(bob, b1, t0 + 1)),
            await tx.insertRepair(application(alice, a1, t0 + 3)),
          ]);
          const [first, , third] = inserted;
          assert.ok(first !== undefined && third !== undefined);
          const decided = {
            ...first,
            status: 'refused' as const,
            decidedAtMs: t0 + 5,
            decidedBy: 'reviewer-1',
            decisionReasons: 'not yet performed',
          };
          await store.transaction((tx) => tx.updateRepair(decided));
          assert.deepEqual(await store.repairsOf(alice.key), [decided, third]);
          assert.deepEqual(
            (await store.repairsOf(bob.key)).map((r) => r.recordId),
            [b1],
          );
          assert.deepEqual(await store.repairsOf(person(3).key), []);
        }));
    });

    describe('change outbox', () => {
      it('writes one change per committed transaction that changed what decisions read, oldest first', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.changes(0, 10), []);
          const [p1, p2, p3, p4, p5] = [person(1), person(2), person(3), person(4), person(5)];
          const [o1, o2] = [organisation(1), organisation(2)];
          const catalog = demoVersions()[0] ?? assert.fail('the demo has catalogs');
          const relation = (o: SubjectId, p: SubjectId): Relation => ({
            organisation: o.key,
            person: p.key,
            role: 'legal_representative',
            fromMs: t0,
          });
          const expected: ChangeContent[] = [];

          await store.transaction((tx) => putDerived(tx, [derivationOf(p1), derivationOf(o1)]));
          expected.push(changeOf([p1, o1]));
          await store.transaction(async (tx) => {
            await tx.putSubjects([o2, p2, p3]);
            await tx.putRelations([relation(o2, p2), relation(o2, p3)]);
          });
          expected.push(changeOf([o2, p2, p3]));
          await store.transaction((tx) =>
            tx.linkPassports([
              { passport: passport(1).key, subject: p4.key, linkedAtMs: t0 },
              { passport: passport(2).key, subject: p4.key, linkedAtMs: t0 },
            ]),
          );
          expected.push(
            changeOf(
              [],
              [
                { passport: passport(1), subject: p4 },
                { passport: passport(2), subject: p4 },
              ],
            ),
          );
          await store.transaction((tx) => tx.insertCatalogVersion(catalog));
          expected.push(changeOf([], [], true));

          // Several writes of several kinds, some naming the same subject again, make one change.
          await store.transaction(async (tx) => {
            await putDerived(tx, [derivationOf(p5)]);
            await putDerived(tx, [derivationOf(p5, [], -7), derivationOf(p1)]);
            await tx.putRelations([relation(o1, p5)]);
            await tx.linkPassports([{ passport: passport(3).key, subject: p5.key, linkedAtMs: t0 }]);
            await tx.insertCatalogVersion({ ...catalog, version: catalog.version + 1 });
          });
          expected.push(changeOf([p5, p1, o1], [{ passport: passport(3), subject: p5 }], true));

          // Writes that change nothing a decision reads leave no change.
          await store.transaction(async (tx) => {
            await tx.putAgencies(demoAgencies());
            await tx.putSubjects([person(6)]);
            await tx.rememberIdentity(person(7).key);
            await tx.insertRecords([{ draft: draftOf(person(6), 'R-1'), recordedAtMs: t0 }]);
            await tx.appendAuditEvents(chainEvents(await tx.auditTail(), [eventOf(1, person(6))], testKeys));
            await tx.putToken(tokenRecordOf('tok-1'));
            await tx.putMeta('outbox-test', 'yes');
          });
          await store.transaction((tx) => tx.appendAuditEvents(chainEvents(undefined, [], testKeys)));
          await store.transaction(async (tx) =>
            tx.appendAuditEvents(chainEvents(await tx.auditTail(), [eventOf(2)], testKeys)),
          );
          await store.transaction((tx) => tx.putToken(tokenRecordOf('tok-2')));
          await store.transaction(async () => undefined);

          // A transaction that rolls back leaves none, whatever it wrote first.
          await assert.rejects(
            store.transaction(async (tx) => {
              await putDerived(tx, [derivationOf(person(8))]);
              await tx.putRelations([relation(o2, person(8))]);
              await tx.linkPassports([{ passport: passport(4).key, subject: person(8).key, linkedAtMs: t0 }]);
              await tx.insertCatalogVersion({ ...catalog, version: catalog.version + 2 });
              throw new Error('rolled back');
            }),
            /rolled back/,
          );

          const changes = await allChanges(store, 100);
          assert.deepEqual(changes.map(contentOf), expected);
          assert.ok(
            changes.every((c, i) => i === 0 || c.id > (changes[i - 1]?.id ?? Infinity)),
            `ids increase in commit order: ${changes.map((c) => c.id).join(', ')}`,
          );
          // The transactions that left no change are not there; a later one comes after the rest.
          await store.transaction((tx) => putDerived(tx, [derivationOf(person(9))]));
          const [latest, ...more] = await store.changes(changes.at(-1)?.id ?? assert.fail(), 10);
          assert.deepEqual(more, []);
          assert.ok(latest !== undefined);
          assert.deepEqual(contentOf(latest), changeOf([person(9)]));
        }));

      it('names subjects and passports by lookup token only; identifiersOf maps each token back', () =>
        withStore(async (store) => {
          const [p1, p2, o1] = [person(1), person(2), organisation(1)];
          const identifiers = [p1, p2, o1, passport(1), government(1)];
          await store.transaction(async (tx) => {
            await putDerived(tx, [derivationOf(p1), derivationOf(government(1))]);
            await tx.putRelations([{ organisation: o1.key, person: p2.key, role: 'legal_representative', fromMs: t0 }]);
            await tx.linkPassports([{ passport: passport(1).key, subject: p1.key, linkedAtMs: t0 }]);
          });

          const [change, ...rest] = await store.changes(0, 10);
          assert.deepEqual(rest, []);
          assert.ok(change !== undefined);
          assert.deepEqual(
            contentOf(change),
            changeOf([p1, government(1), o1, p2], [{ passport: passport(1), subject: p1 }]),
          );
          const text = JSON.stringify(change);
          for (const identifier of identifiers) {
            // A passport number alone names its holder as well as the whole identifier does.
            const bare = identifier.key.split(':').at(-1) ?? identifier.key;
            assert.ok(!text.includes(bare), `the change does not hold ${identifier.key}`);
          }

          const named = await store.identifiersOf(change.subjects);
          assert.deepEqual(
            [...named].sort((a, b) => compareText(a[0], b[0])),
            [p1, government(1), o1, p2]
              .map((s) => [token(s.key), s.key] as const)
              .sort((a, b) => compareText(a[0], b[0])),
          );
          const passports = await store.identifiersOf(change.passports.flatMap((p) => [p.passport, p.subject]));
          assert.deepEqual(
            passports,
            new Map([
              [token(passport(1).key), passport(1).key],
              [token(p1.key), p1.key],
            ]),
          );
        }));

      it('pages through the outbox after an id, and drops exactly the changes through an id', () =>
        withStore(async (store) => {
          for (let i = 1; i <= 5; i += 1) await store.transaction((tx) => putDerived(tx, [derivationOf(person(i))]));
          const all = await allChanges(store, 100);
          assert.deepEqual(
            all.map(contentOf),
            [1, 2, 3, 4, 5].map((i) => changeOf([person(i)])),
          );
          const [c1, c2, c3, c4, c5] = all as [Change, Change, Change, Change, Change];

          assert.deepEqual(await store.changes(0, 2), [c1, c2]);
          assert.deepEqual(await store.changes(c2.id, 2), [c3, c4]);
          assert.deepEqual(await store.changes(c4.id, 2), [c5]);
          assert.deepEqual(await store.changes(c5.id, 2), []);
          assert.deepEqual(await store.changes(c1.id, 100), [c2, c3, c4, c5]);
          assert.deepEqual(await store.changes(0, 0), []);
          assert.deepEqual(await allChanges(store, 1), all);

          // Dropping rolled back keeps everything.
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.dropChanges(c5.id);
              throw new Error('rolled back');
            }),
            /rolled back/,
          );
          assert.deepEqual(await store.changes(0, 100), all);

          // Dropping is not itself a change.
          await store.transaction((tx) => tx.dropChanges(c3.id));
          assert.deepEqual(await store.changes(0, 100), [c4, c5]);
          await store.transaction((tx) => tx.dropChanges(c3.id));
          assert.deepEqual(await store.changes(0, 100), [c4, c5], 'dropping again drops nothing more');
          await store.transaction((tx) => tx.dropChanges(0));
          assert.deepEqual(await store.changes(0, 100), [c4, c5]);

          // A transaction that drops and derives keeps its own change: it is written after the drop, at commit.
          await store.transaction(async (tx) => {
            await tx.dropChanges(c5.id);
            await putDerived(tx, [derivationOf(person(6))]);
          });
          const [c6, ...after] = await store.changes(0, 100);
          assert.deepEqual(after, []);
          assert.ok(c6 !== undefined && c6.id > c5.id, `the new change's id ${c6?.id} comes after ${c5.id}`);
          assert.deepEqual(contentOf(c6), changeOf([person(6)]));
        }));

      it('never reuses an id, even once the outbox was emptied', () =>
        withStore(async (store) => {
          assert.equal(await store.lastChangeId(), 0, 'an empty outbox');
          for (let i = 1; i <= 3; i += 1) await store.transaction((tx) => putDerived(tx, [derivationOf(person(i))]));
          const last = (await store.changes(0, 100)).at(-1) ?? assert.fail('three changes were written');
          assert.equal(await store.lastChangeId(), last.id);
          await store.transaction((tx) => tx.dropChanges(last.id));
          assert.deepEqual(await store.changes(0, 100), []);
          assert.equal(await store.lastChangeId(), 0, 'emptied');

          // A reader that goes on after the last id it published must see the next change.
          await store.transaction((tx) => putDerived(tx, [derivationOf(person(4))]));
          const next = await store.changes(0, 100);
          assert.equal(next.length, 1);
          assert.ok(
            (next[0]?.id ?? 0) > last.id,
            `the change after an emptied outbox has id ${next[0]?.id}, after the dropped ${last.id}`,
          );
          assert.deepEqual(await store.changes(last.id, 100), next);
          assert.equal(await store.lastChangeId(), next[0]?.id);
          // This handle committed all of them: each is said once, then forgotten; an unknown id never is.
          assert.equal(store.committedHere(next[0]?.id ?? 0), true);
          assert.equal(store.committedHere(next[0]?.id ?? 0), false, 'forgotten once told');
          assert.equal(store.committedHere(last.id + 1_000), false);
        }));

      it('gives the stored identifiers behind lookup tokens, and nothing for the others', () =>
        withStore(async (store) => {
          assert.deepEqual(await store.identifiersOf([]), new Map());
          const stored = [person(1), organisation(1), government(1), visitor];
          await store.transaction(async (tx) => {
            await tx.putSubjects(stored.slice(0, 3));
            await tx.rememberIdentity(visitor.key);
          });
          await assert.rejects(
            store.transaction(async (tx) => {
              await tx.rememberIdentity(person(8).key);
              throw new Error('rolled back');
            }),
            /rolled back/,
          );
          // Reading by an identifier computes its token, but stores nothing.
          assert.equal(await store.subject(person(9).key), undefined);

          const asked = [
            ...stored.map((s) => token(s.key)),
            token(person(8).key),
            token(person(9).key),
            'not-a-token',
            token(person(1).key),
          ];
          assert.deepEqual(await store.identifiersOf(asked), new Map(stored.map((s) => [token(s.key), s.key])));
          assert.deepEqual(await store.identifiersOf([token(person(9).key)]), new Map());
        }));

      it('reads many identifiers at once', () =>
        withStore(async (store) => {
          const subjects = Array.from({ length: manyKeysCount }, (_, i) => person(i));
          await store.transaction((tx) => tx.putSubjects(subjects));
          const unknown = Array.from({ length: 30 }, (_, i) => token(organisation(i).key));
          const found = await store.identifiersOf([...subjects.map((s) => token(s.key)).reverse(), ...unknown]);
          assert.deepEqual(found, new Map(subjects.map((s) => [token(s.key), s.key])));
        }));
    });

    describe('closing', () => {
      it('closes idempotently, after the transactions in flight', () =>
        withStore(async (store) => {
          const subject = person(1);
          const pending = store.transaction(async (tx) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            await tx.putSubjects([subject]);
            return 'committed';
          });
          await Promise.all([store.close(), store.close()]);
          assert.equal(await pending, 'committed');
          await store.close();
        }));
    });
  });
}
