/**
 * All published catalog versions, indexed for the questions the core asks: which rules apply to a record (by code,
 * at its effectiveAt), which version of a scheme is in force at an instant, which scheme owns a list.
 * Built once per set of catalogs; immutable.
 */
import type { SubjectKind } from './identifiers.ts';
import { versionInForce, type CatalogVersion, type ListDefinition, type Rule } from './catalog.ts';
import { fail, ok, type Result } from './result.ts';
import { isoFromMs } from './time.ts';

export interface RuleApplication {
  readonly version: CatalogVersion;
  readonly rule: Rule;
}

export interface CatalogSet {
  readonly schemeIds: readonly string[];
  versionsOf(schemeId: string): readonly CatalogVersion[];
  inForce(schemeId: string, atMs: number): CatalogVersion | undefined;
  /** Every scheme whose version in force at `atMs` has a rule with this code, for this kind of subject. */
  judge(code: string, kind: SubjectKind, atMs: number): Result<readonly RuleApplication[]>;
  /** Whether an agency may report a code (under any version): its remit. */
  agencyMayReport(agency: string, code: string): boolean;
  list(listId: string): { readonly schemeId: string; readonly list: ListDefinition } | undefined;
  readonly listIds: readonly string[];
}

/** Whether the set is built of exactly these versions (a published version never changes, so its number names it). */
export function builtOf(set: CatalogSet, versions: readonly CatalogVersion[]): boolean {
  const held = set.schemeIds.reduce((n, scheme) => n + set.versionsOf(scheme).length, 0);
  return (
    held === versions.length && versions.every((v) => set.versionsOf(v.schemeId).some((h) => h.version === v.version))
  );
}

export function buildCatalogSet(versions: readonly CatalogVersion[]): CatalogSet {
  const bySchemeId = new Map<string, CatalogVersion[]>();
  const schemesByCode = new Map<string, Set<string>>();
  const agenciesByCode = new Map<string, Set<string>>();
  const lists = new Map<string, { schemeId: string; list: ListDefinition }>();
  const sorted = [...versions].sort((a, b) => a.schemeId.localeCompare(b.schemeId) || a.version - b.version);
  for (const v of sorted) {
    const schemeVersions = bySchemeId.get(v.schemeId) ?? [];
    schemeVersions.push(v);
    bySchemeId.set(v.schemeId, schemeVersions);
    for (const rule of v.catalog.rules) {
      const schemes = schemesByCode.get(rule.code) ?? new Set<string>();
      schemes.add(v.schemeId);
      schemesByCode.set(rule.code, schemes);
      const agencies = agenciesByCode.get(rule.code) ?? new Set<string>();
      for (const agency of rule.agencies) agencies.add(agency);
      agenciesByCode.set(rule.code, agencies);
    }
    // The newest version's definition of a list wins; list ids are global, owned by one scheme.
    for (const list of v.catalog.scheme.lists) lists.set(list.id, { schemeId: v.schemeId, list });
  }
  const inForceCache = new Map<string, readonly CatalogVersion[]>();
  const inForce = (schemeId: string, atMs: number): CatalogVersion | undefined => {
    let schemeVersions = inForceCache.get(schemeId);
    if (schemeVersions === undefined) {
      schemeVersions = bySchemeId.get(schemeId) ?? [];
      inForceCache.set(schemeId, schemeVersions);
    }
    return versionInForce(schemeVersions, atMs);
  };

  return {
    schemeIds: [...bySchemeId.keys()],
    listIds: [...lists.keys()].sort(),
    versionsOf: (schemeId) => bySchemeId.get(schemeId) ?? [],
    inForce,
    list: (listId) => lists.get(listId),
    agencyMayReport: (agency, code) => agenciesByCode.get(code)?.has(agency) ?? false,
    judge(code, kind, atMs) {
      const schemes = schemesByCode.get(code);
      if (schemes === undefined) return fail('unknown_rule_code', `no published catalog has a rule ${code}`, 'code');
      const applications: RuleApplication[] = [];
      let inForceForOtherKinds = false;
      for (const schemeId of schemes) {
        const version = inForce(schemeId, atMs);
        const rule = version?.catalog.rules.find((r) => r.code === code);
        if (version === undefined || rule === undefined) continue;
        if (!version.catalog.scheme.subjectKinds.includes(kind)) {
          inForceForOtherKinds = true;
          continue;
        }
        applications.push({ version, rule });
      }
      if (applications.length > 0) return ok(applications);
      if (inForceForOtherKinds) {
        return fail('rule_not_for_subject_kind', `rule ${code} does not apply to a subject of kind ${kind}`, 'subject');
      }
      return fail(
        'no_rule_in_force',
        `no catalog version in force at ${isoFromMs(atMs)} has a rule ${code}`,
        'effectiveAt',
      );
    },
  };
}
