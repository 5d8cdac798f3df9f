/**
 * What the public pages read from the API, typed, and the few rules they apply to it: which version of a scheme is
 * in force (the newest whose effective date has come, as the register decides), and a published version's body,
 * kept once fetched (a published version never changes).
 */
import { get, withQuery } from '../../api.ts';
import type { CatalogDraft } from '../../../core/catalog.ts';
import { versionInForce, type SchemeSummary, type VersionSummary } from '../../catalogs.ts';
import type { Localized } from '../../i18n.ts';

export type { SchemeSummary, VersionSummary } from '../../catalogs.ts';

export interface CatalogVersionBody extends VersionSummary {
  readonly scheme: string;
  readonly catalog: CatalogDraft;
}

export interface ListSummary {
  readonly id: string;
  readonly scheme: string;
  readonly title: Localized;
  readonly color: 'black' | 'red';
  readonly members: number;
}

export interface PublicMember {
  readonly subject: string;
  readonly since: string;
  readonly until: string;
  readonly publishedUntil: string;
  readonly code: string;
  readonly reason: Localized;
  readonly legalBasis: string;
}

export interface MembersPage {
  readonly list: string;
  readonly title: Localized;
  readonly members: readonly PublicMember[];
  readonly next?: string;
}

export interface Statistics {
  readonly at: string;
  readonly membersPerList: Readonly<Record<string, number>>;
  readonly membersPerListMonth: readonly { readonly list: string; readonly month: string; readonly members: number }[];
  readonly recordsPerRuleMonth: readonly { readonly code: string; readonly month: string; readonly records: number }[];
  readonly gradesPerScheme: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export const loadSchemes = () => get<{ schemes: SchemeSummary[] }>('/v1/catalogs').then((b) => b.schemes);
export const loadLists = () => get<{ lists: ListSummary[] }>('/v1/lists').then((b) => b.lists);
export const loadStatistics = () => get<Statistics>('/v1/public/statistics');

const versions = new Map<string, Promise<CatalogVersionBody>>();

/** One published version, whole; fetched once per page load (a failure is not kept). */
export function loadVersion(scheme: string, version: number): Promise<CatalogVersionBody> {
  const key = `${scheme}/${version}`;
  let found = versions.get(key);
  if (found === undefined) {
    found = get<CatalogVersionBody>(`/v1/catalogs/${encodeURIComponent(scheme)}/versions/${version}`);
    found.catch(() => versions.delete(key));
    versions.set(key, found);
  }
  return found;
}

export { versionInForce };

export type VersionStatus = 'inForce' | 'superseded' | 'upcoming';

export function statusOf(v: VersionSummary, inForce: VersionSummary | undefined, atMs: number): VersionStatus {
  if (Date.parse(v.effectiveFrom) > atMs) return 'upcoming';
  return v.version === inForce?.version ? 'inForce' : 'superseded';
}

/** Each scheme with its version in force (or, before any takes effect, its first) and that version's body. */
export async function loadSchemesWithVersions(
  atMs: number,
): Promise<{ summary: SchemeSummary; shown: VersionSummary | undefined; body: CatalogVersionBody | undefined }[]> {
  const schemes = await loadSchemes();
  return Promise.all(
    schemes.map(async (summary) => {
      const shown = versionInForce(summary.versions, atMs) ?? summary.versions[0];
      const body = shown === undefined ? undefined : await loadVersion(summary.scheme, shown.version);
      return { summary, shown, body };
    }),
  );
}

/** The API path of a public list's members, with its query. */
export function membersPath(list: string, query: Readonly<Record<string, string | number | undefined>>): string {
  return withQuery(`/v1/public/lists/${encodeURIComponent(list)}/members`, query);
}

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
