/**
 * The in-memory decision index: for each subject whose measures differ from those every subject of its kind is
 * under by default, its measure windows (core/windows.ts). A check is a hash lookup and a scan of a few windows;
 * it never touches the store, and a measure whose end has passed stops matching at that instant.
 *
 * Subjects are held in a SubjectTable (subject-table.ts), which keeps identifiers packed in typed arrays: at a
 * city's or a country's size a lookup costs about one cache miss. A subject the index does not hold, nearly every
 * one asked about, gets its kind's default ruling, which is the same for all of them until a window of the
 * defaults opens or closes or a catalog version takes effect: it is worked out once for that stretch and shared,
 * and a decision adds only its subject and instant. The index is loaded at start and kept current by the app's change
 * observer: every committed write re-reads the subjects it changed (and the persons an organisation's listing
 * extends to) before the write's response is sent.
 */
import type { CatalogSet } from '../core/catalog-set.ts';
import { decisionOf, type Decision } from '../core/decide.ts';
import type { Derivation } from '../core/derive.ts';
import { parseSubjectId, type SubjectId, type SubjectKind } from '../core/identifiers.ts';
import { fail, ok, type Result } from '../core/result.ts';
import type { Relation } from '../core/standing.ts';
import {
  decideFromWindows,
  measureWindows,
  ruleFromWindows,
  type MeasureWindow,
  type RulingStretch,
} from '../core/windows.ts';
import type { Store } from '../store/ports.ts';
import { SubjectTable } from './subject-table.ts';

const kinds: readonly SubjectKind[] = ['person', 'organisation', 'government'];

interface Entry {
  readonly kind: SubjectKind;
  readonly windows: readonly MeasureWindow[];
}

function sameWindows(a: readonly MeasureWindow[], b: readonly MeasureWindow[], nowMs: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return false;
    if (Math.max(x.fromMs, nowMs) !== Math.max(y.fromMs, nowMs) || x.toMs !== y.toMs) return false;
    const mx = x.measure;
    const my = y.measure;
    if (mx.measure !== my.measure || mx.scheme !== my.scheme || mx.version !== my.version || mx.untilMs !== my.untilMs)
      return false;
    if (!('grade' in mx.basis) || !('grade' in my.basis) || mx.basis.grade !== my.basis.grade || mx.via || my.via)
      return false;
  }
  return true;
}

export class DecisionIndex {
  #catalogs: CatalogSet;
  #subjects = new SubjectTable<Entry>();
  #defaults = new Map<SubjectKind, readonly MeasureWindow[]>();
  /** Per kind and action, the default ruling last worked out, for the stretch of time it holds for. */
  #defaultRulings = new Map<SubjectKind, Map<string, Result<RulingStretch>>>();
  #passports = new Map<string, SubjectId>();
  #fromMs: number;

  constructor(catalogs: CatalogSet, fromMs: number) {
    this.#catalogs = catalogs;
    this.#fromMs = fromMs;
    this.#computeDefaults();
  }

  #computeDefaults(): void {
    this.#defaults = new Map(
      kinds.map((kind) => [kind, measureWindows(this.#catalogs, '', kind, undefined, this.#fromMs)]),
    );
    this.#defaultRulings = new Map(kinds.map((kind) => [kind, new Map()]));
  }

  get catalogs(): CatalogSet {
    return this.#catalogs;
  }

  /** Subjects held (those whose measures differ from their kind's default). */
  get size(): number {
    return this.#subjects.size;
  }

  get windowCount(): number {
    let n = 0;
    for (const entry of this.#subjects.values()) n += entry.windows.length;
    return n;
  }

  /** Whether these windows are the default of every subject of the kind (a subject with them is not held). */
  isDefault(kind: SubjectKind, windows: readonly MeasureWindow[], nowMs: number): boolean {
    return sameWindows(windows, this.#defaults.get(kind) ?? [], nowMs);
  }

  /** Puts a subject's windows, or drops it when they are its kind's default (the index stays sparse). */
  put(subject: SubjectId, windows: readonly MeasureWindow[], nowMs: number): void {
    if (this.isDefault(subject.kind, windows, nowMs)) this.#subjects.delete(subject.key);
    else this.#subjects.set(subject.key, { kind: subject.kind, windows });
  }

  /** Takes over another index's contents in one step, so that a reload never shows a half-built index. */
  adopt(other: DecisionIndex): void {
    this.#subjects = other.#subjects;
    this.#catalogs = other.#catalogs;
    this.#fromMs = other.#fromMs;
    this.#defaults = other.#defaults;
    this.#defaultRulings = other.#defaultRulings;
    this.#passports = other.#passports;
  }

  has(key: string): boolean {
    return this.#subjects.has(key);
  }

  /** A decision from a parsed subject. */
  decideFor(subject: SubjectId, action: string, atMs: number): Result<Decision> {
    const entry = this.#subjects.get(subject.key);
    if (entry !== undefined)
      return decideFromWindows(this.#catalogs, subject.key, subject.kind, entry.windows, action, atMs);
    const ruling = this.#defaultRuling(subject.kind, action, atMs);
    return ruling.ok ? ok(decisionOf(subject.key, action, atMs, ruling.value)) : ruling;
  }

  /**
   * The ruling for a subject of this kind that the index does not hold: the one last worked out while it holds,
   * else a new one from the kind's default windows. An unknown action's refusal is not kept (any text may come).
   */
  #defaultRuling(kind: SubjectKind, action: string, atMs: number): Result<RulingStretch> {
    const byAction = this.#defaultRulings.get(kind);
    const kept = byAction?.get(action);
    if (kept?.ok === true && kept.value.fromMs <= atMs && atMs < kept.value.toMs) return kept;
    const ruling = ruleFromWindows(this.#catalogs, kind, this.#defaults.get(kind) ?? [], action, atMs);
    if (ruling.ok) byAction?.set(action, ruling);
    return ruling;
  }

  /** A decision from an identifier as typed: resident ID, USCC or passport:CCC:NUMBER. */
  decide(subjectText: string, action: string, atMs: number): Result<Decision> {
    const subject = parseSubjectId(subjectText);
    if (!subject.ok) return fail(subject.problem.code, subject.problem.message, 'subject');
    // A linked Chinese passport stands for the resident it belongs to.
    const resident = subject.value.scheme === 'passport' ? this.#passports.get(subject.value.key) : undefined;
    return this.decideFor(resident ?? subject.value, action, atMs);
  }

  linkPassport(passport: string, subject: SubjectId): void {
    this.#passports.set(passport, subject);
  }
}

/** Organisations whose listings carry measures that extend to recorded persons, and those persons' relations. */
function extendsToPersons(catalogs: CatalogSet, derivation: Derivation, nowMs: number): boolean {
  if (derivation.kind === 'person') return false;
  return derivation.listings.some((l) => {
    if (l.endMs <= nowMs) return false;
    const version = catalogs.versionsOf(l.scheme).find((v) => v.version === l.version);
    return (
      version?.catalog.measures.some((m) => 'list' in m.on && m.on.list === l.list && m.extendsTo.length > 0) ?? false
    );
  });
}

type Related = { relation: Relation; derivation: Derivation }[];

const organisationKinds: readonly SubjectKind[] = ['organisation', 'government'];

/**
 * Windows for these subjects from the store: their derivations, and for persons the organisations they represent.
 * The per-person reads are issued together: on a networked store they are in flight at once, not one by one.
 */
async function windowsOf(store: Store, catalogs: CatalogSet, subjects: readonly SubjectId[], nowMs: number) {
  const derivations = await store.derivations(subjects.map((s) => s.key));
  const relations = await Promise.all(
    subjects.map((s) => (s.kind === 'person' ? store.relationsOfPerson(s.key) : Promise.resolve([]))),
  );
  const organisations = await store.derivations([...new Set(relations.flat().map((r) => r.organisation))]);
  return subjects.map((subject, i) => {
    const related: Related = (relations[i] ?? []).flatMap((relation) => {
      const d = organisations.get(relation.organisation);
      return d === undefined ? [] : [{ relation, derivation: d }];
    });
    return {
      subject,
      windows: measureWindows(catalogs, subject.key, subject.kind, derivations.get(subject.key), nowMs, related),
    };
  });
}

const pageSize = 5_000;

/** How far a load has come: derivations read (those in force) and subjects held so far. */
export interface IndexLoadProgress {
  readonly read: number;
  readonly held: number;
}

/**
 * Builds the index from the store: every stored derivation, and every person an organisation's listing reaches.
 * `onProgress` is told after each page (a city's load reads for minutes).
 */
export async function loadIndex(
  store: Store,
  catalogs: CatalogSet,
  nowMs: number,
  live?: DecisionIndex,
  onProgress?: (progress: IndexLoadProgress) => void,
): Promise<DecisionIndex> {
  // Built aside and swapped in at the end: decisions during a reload use the previous index, never a half one.
  const index = new DecisionIndex(catalogs, nowMs);
  for (const link of await store.passportLinks()) {
    const resident = parseSubjectId(link.subject);
    if (resident.ok) index.linkPassport(link.passport, resident.value);
  }
  const reach = new Map<string, Related>();
  // Only organisations' listings reach persons: the first scan reads theirs alone.
  for await (const page of store.scanDerivations(pageSize, { kinds: organisationKinds, inForceAfterMs: nowMs })) {
    for (const d of page) {
      if (!extendsToPersons(catalogs, d, nowMs)) continue;
      for (const relation of await store.relationsOfOrganisation(d.subject)) {
        const list = reach.get(relation.person) ?? [];
        list.push({ relation, derivation: d });
        reach.set(relation.person, list);
      }
    }
  }
  // A derivation with nothing in force after now gives its kind's default windows: the store skips those.
  let read = 0;
  for await (const page of store.scanDerivations(pageSize, { inForceAfterMs: nowMs })) {
    read += page.length;
    onProgress?.({ read, held: index.size });
    for (const d of page) {
      // Its own windows first: most are its kind's default, and a subject the index does not keep is not even read
      // (a store may open each identity only when asked for it). The persons organisations reach are put below.
      const windows = measureWindows(catalogs, '', d.kind, d, nowMs);
      if (index.isDefault(d.kind, windows, nowMs)) continue;
      const parsed = parseSubjectId(d.subject);
      if (parsed.ok) index.put(parsed.value, windows, nowMs);
    }
  }
  // The persons organisations' listings reach, again with their own derivation (or none) and those listings.
  const reached = [...reach.keys()];
  for (let i = 0; i < reached.length; i += pageSize) {
    const persons = reached.slice(i, i + pageSize);
    const own = await store.derivations(persons);
    for (const person of persons) {
      const parsed = parseSubjectId(person);
      const windows = measureWindows(catalogs, person, 'person', own.get(person), nowMs, reach.get(person));
      if (parsed.ok) index.put(parsed.value, windows, nowMs);
    }
  }
  onProgress?.({ read, held: index.size });
  if (live === undefined) return index;
  live.adopt(index);
  return live;
}

/** Re-reads changed subjects, and the persons their organisations' listings reach, into the index. */
export async function refreshSubjects(
  index: DecisionIndex,
  store: Store,
  subjects: readonly SubjectId[],
  nowMs: number,
): Promise<void> {
  const affected = new Map(subjects.map((s) => [s.key, s]));
  const organisations = subjects.filter((s) => s.kind !== 'person');
  for (const relations of await Promise.all(organisations.map((s) => store.relationsOfOrganisation(s.key)))) {
    for (const relation of relations) {
      const parsed = parseSubjectId(relation.person);
      if (parsed.ok) affected.set(parsed.value.key, parsed.value);
    }
  }
  for (const { subject, windows } of await windowsOf(store, index.catalogs, [...affected.values()], nowMs))
    index.put(subject, windows, nowMs);
}

/**
 * Keeps an index current with committed writes (the app's change observer). A catalog publication reloads it
 * aside; subjects that change while the reload reads are refreshed again after the swap, so no write is lost
 * between the reload's snapshot and its swap.
 */
export function followChanges(index: DecisionIndex, store: Store, catalogs: () => CatalogSet, clock: () => number) {
  let reloading: Promise<void> | undefined;
  const changedDuringReload = new Map<string, SubjectId>();
  return {
    async subjectsChanged(subjects: readonly SubjectId[]): Promise<void> {
      if (reloading) for (const s of subjects) changedDuringReload.set(s.key, s);
      await refreshSubjects(index, store, subjects, clock());
    },
    async passportLinked(passport: string, subject: SubjectId): Promise<void> {
      index.linkPassport(passport, subject);
    },
    async catalogsChanged(): Promise<void> {
      const reload = loadIndex(store, catalogs(), clock(), index).then(() => undefined);
      reloading = reload;
      try {
        await reload;
      } finally {
        if (reloading === reload) reloading = undefined;
      }
      const again = [...changedDuringReload.values()];
      changedDuringReload.clear();
      if (again.length > 0) await refreshSubjects(index, store, again, clock());
    },
  };
}
