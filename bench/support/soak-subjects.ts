/**
 * Subjects for bench/soak.ts: the demo population read back from the store (by kind, and the current court
 * defaulters), and a fixed pool of new residents the demo does not hold, with check characters computed by
 * core/identifiers.ts, for records about people the register has not seen before.
 */
import { listMembersPageMax } from '../../src/core/constants.ts';
import { parseResidentId, residentIdCheckCharacter } from '../../src/core/identifiers.ts';
import type { Store } from '../../src/store/ports.ts';

/** Yanqing district: a real region code that the demo population generator never uses. */
const freshRegion = '110119';
const freshBirthDateFirstMs = Date.parse('1960-01-01T00:00:00Z');
const freshPerBirthDate = 1_000;
const dayMs = 86_400_000;

export interface SoakSubjects {
  /** Resident IDs of demo persons. */
  readonly residents: readonly string[];
  /** USCCs of demo companies (kind organisation: the tax rules apply to them). */
  readonly organisations: readonly string[];
  /** Every demo subject: residents, foreigners by passport, companies, government bodies. */
  readonly all: readonly string[];
  /** Current members of the court defaulter list. */
  readonly listed: readonly string[];
  /** Valid resident IDs that are not in the demo. */
  readonly fresh: readonly string[];
}

/** `count` valid resident IDs in a region the demo does not use, all different. */
export function freshResidentIds(count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const birth = new Date(freshBirthDateFirstMs + Math.floor(i / freshPerBirthDate) * dayMs);
    const date = `${birth.getUTCFullYear()}${String(birth.getUTCMonth() + 1).padStart(2, '0')}${String(birth.getUTCDate()).padStart(2, '0')}`;
    const first17 = `${freshRegion}${date}${String(i % freshPerBirthDate).padStart(3, '0')}`;
    const id = `${first17}${residentIdCheckCharacter(first17)}`;
    const parsed = parseResidentId(id);
    if (!parsed.ok) throw new Error(`generated resident ID ${id} is invalid: ${parsed.problem.message}`);
    ids.push(id);
  }
  return ids;
}

export async function readSoakSubjects(
  store: Store,
  listId: string,
  nowMs: number,
  freshCount: number,
): Promise<SoakSubjects> {
  const residents: string[] = [];
  const organisations: string[] = [];
  const all: string[] = [];
  for await (const page of store.scanSubjects(5_000)) {
    for (const subject of page) {
      all.push(subject.key);
      if (subject.scheme === 'resident_id') residents.push(subject.key);
      else if (subject.kind === 'organisation') organisations.push(subject.key);
    }
  }
  const listed = (await store.listMembers(listId, nowMs, listMembersPageMax)).map((m) => m.subject);
  if (residents.length === 0 || organisations.length === 0 || listed.length === 0) {
    throw new Error(
      `the demo is too small: ${residents.length} residents, ${organisations.length} companies, ${listed.length} listed; use more --people`,
    );
  }
  const demo = new Set(all);
  const fresh = freshResidentIds(freshCount);
  if (fresh.some((id) => demo.has(id))) throw new Error('a generated resident ID is already in the demo');
  return { residents, organisations, all, listed, fresh };
}
