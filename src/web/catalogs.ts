/**
 * The published catalogs, as the consoles need them: every version of every scheme (GET /v1/catalogs, then each
 * version), read once per page load. The agency console takes its remit from them (which rule codes name the
 * agency, which score by amount); the service desk takes the titles of lists and rules and each scheme's
 * objection window, to explain a decision's reasons. A version's catalog is the core's CatalogDraft as JSON.
 */
import { versionInForce as coreVersionInForce, type CatalogDraft } from '../core/catalog.ts';
import { get } from './api.ts';
import type { Localized } from './i18n.ts';

/** A version as GET /v1/catalogs lists it. */
export interface VersionSummary {
  readonly version: number;
  readonly publishedAt: string;
  readonly effectiveFrom: string;
}

/** A scheme as GET /v1/catalogs lists it. */
export interface SchemeSummary {
  readonly scheme: string;
  readonly title: Localized;
  readonly authority: Localized;
  readonly model: string;
  readonly versions: readonly VersionSummary[];
}

/** The version in force at an instant, by the core's rule (the newest whose effective date has come). */
export function versionInForce<V extends VersionSummary>(versions: readonly V[], atMs: number): V | undefined {
  const dated = versions.map((v) => ({ version: v.version, effectiveFromMs: Date.parse(v.effectiveFrom), v }));
  return coreVersionInForce(dated, atMs)?.v;
}

/** One published version, whole (GET /v1/catalogs/:scheme/versions/:version). */
export interface PublishedVersion {
  readonly scheme: string;
  readonly version: number;
  readonly publishedAt: string;
  readonly effectiveFrom: string;
  readonly catalog: CatalogDraft;
}

let loading: Promise<readonly PublishedVersion[]> | undefined;

/** Every published version of every scheme; the same promise for the page's lifetime (retried after a failure). */
export function loadPublishedVersions(): Promise<readonly PublishedVersion[]> {
  loading ??= (async () => {
    const { schemes } = await get<{ schemes: readonly SchemeSummary[] }>('/v1/catalogs');
    const wanted = schemes.flatMap((s) => s.versions.map((v) => ({ scheme: s.scheme, version: v.version })));
    return Promise.all(
      wanted.map((w) =>
        get<PublishedVersion>(`/v1/catalogs/${encodeURIComponent(w.scheme)}/versions/${String(w.version)}`),
      ),
    );
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/** One published version of a scheme, if it is among those loaded. */
export function findVersion(
  versions: readonly PublishedVersion[],
  scheme: string,
  version: number,
): PublishedVersion | undefined {
  return versions.find((v) => v.scheme === scheme && v.version === version);
}
