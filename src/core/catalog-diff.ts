/**
 * What changed between two versions of a scheme's catalog, for people: rules, measures and lists matched by their
 * code or id (added, removed, changed), the scheme's own settings, and for each change the fields that differ, as
 * dotted paths with the value before and after. The public catalog pages and the administrator's draft page show
 * it; it is the readable form of "what does this version change".
 */
import type { CatalogDraft } from './catalog.ts';

export type CatalogSection = 'catalog' | 'scheme' | 'list' | 'rule' | 'measure';

export interface FieldChange {
  /** Dotted path inside the item: `effects.0.points`, `title.en`, `points.grades.2.minPoints`. */
  readonly path: string;
  /** Absent when the field is new. */
  readonly before?: unknown;
  /** Absent when the field was removed. */
  readonly after?: unknown;
}

export interface CatalogChange {
  readonly section: CatalogSection;
  /** The rule's code, the measure's or list's id; the scheme's id for `scheme`; `catalog` for the version's own fields. */
  readonly id: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** For `changed`: every differing leaf. For `added` and `removed`: empty (the item itself is the change). */
  readonly fields: readonly FieldChange[];
}

type Json = unknown;

const isRecord = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaf differences between two JSON values, depth first, object keys in sorted order (stable output). */
export function diffValues(before: Json, after: Json, path = ''): FieldChange[] {
  const at = (key: string | number) => (path === '' ? String(key) : `${path}.${key}`);
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: FieldChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= before.length) out.push({ path: at(i), after: after[i] });
      else if (i >= after.length) out.push({ path: at(i), before: before[i] });
      else out.push(...diffValues(before[i], after[i], at(i)));
    }
    return out;
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    const out: FieldChange[] = [];
    for (const key of keys) {
      const had = before[key] !== undefined;
      const has = after[key] !== undefined;
      if (had && !has) out.push({ path: at(key), before: before[key] });
      else if (!had && has) out.push({ path: at(key), after: after[key] });
      else if (had && has) out.push(...diffValues(before[key], after[key], at(key)));
    }
    return out;
  }
  if (Object.is(before, after)) return [];
  return [{ path, before, after }];
}

function diffById<T>(
  section: CatalogSection,
  before: readonly T[],
  after: readonly T[],
  idOf: (item: T) => string,
): CatalogChange[] {
  const old = new Map(before.map((item) => [idOf(item), item]));
  const now = new Map(after.map((item) => [idOf(item), item]));
  const out: CatalogChange[] = [];
  // In the order of the newer version, then what it dropped, in the older one's order.
  for (const [id, item] of now) {
    const was = old.get(id);
    if (was === undefined) out.push({ section, id, change: 'added', fields: [] });
    else {
      const fields = diffValues(was, item);
      if (fields.length > 0) out.push({ section, id, change: 'changed', fields });
    }
  }
  for (const id of old.keys()) if (!now.has(id)) out.push({ section, id, change: 'removed', fields: [] });
  return out;
}

/**
 * The changes from `before` (the version in force, or undefined for a first version) to `after`. Identical
 * catalogs give []; a first version gives every item as added.
 */
export function diffCatalogs(before: CatalogDraft | undefined, after: CatalogDraft): CatalogChange[] {
  const withoutLists = ({ lists: _lists, ...rest }: CatalogDraft['scheme']) => rest;
  const listsAfter = after.scheme.lists;
  const schemeAfter = withoutLists(after.scheme);
  const out: CatalogChange[] = [];
  if (before === undefined) {
    out.push({ section: 'scheme', id: after.scheme.id, change: 'added', fields: [] });
  } else {
    const versionFields = diffValues(
      { effectiveFrom: before.effectiveFrom, notes: before.notes },
      { effectiveFrom: after.effectiveFrom, notes: after.notes },
    );
    if (versionFields.length > 0)
      out.push({ section: 'catalog', id: 'catalog', change: 'changed', fields: versionFields });
    const schemeFields = diffValues(withoutLists(before.scheme), schemeAfter);
    if (schemeFields.length > 0)
      out.push({ section: 'scheme', id: after.scheme.id, change: 'changed', fields: schemeFields });
  }
  out.push(...diffById('list', before?.scheme.lists ?? [], listsAfter, (l) => l.id));
  out.push(...diffById('rule', before?.rules ?? [], after.rules, (r) => r.code));
  out.push(...diffById('measure', before?.measures ?? [], after.measures, (m) => m.id));
  return out;
}
