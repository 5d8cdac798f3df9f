/**
 * What the portal reads from the API, typed as the routes document it, and the published catalog versions it
 * names rules, lists, bands and repair policies from (public, and never changed once published, so each is read
 * once per page load). Paths take the subject's identifier: API paths, never the page's own address.
 */
import type { CatalogDraft, RepairPolicy } from '../../../core/catalog.ts';
import type { GradeEntry, Listing, PointsEntry, PointsStanding } from '../../../core/derive.ts';
import type { HistoryStep } from '../../../core/history.ts';
import type { RecordFact } from '../../../core/record.ts';
import type { AppliedMeasure, Role } from '../../../core/standing.ts';
import { get } from '../../api.ts';
import type { Localized } from '../../i18n.ts';

/* The core's types as the API sends them (http/present.ts, http/subjects/explained.ts): instants as ISO text. */

export type RelationRole = Role;

export interface Represented {
  readonly organisation: string;
  readonly kind: string;
  readonly role: RelationRole;
  readonly since: string;
  readonly until?: string;
}

export type ListingView = Readonly<
  Pick<
    Listing,
    'list' | 'scheme' | 'version' | 'recordId' | 'code' | 'trigger' | 'caseRef' | 'untilDelisted' | 'endedBy'
  >
> & { readonly start: string; readonly end: string };

export type MeasureView = Omit<AppliedMeasure, 'basis' | 'untilMs'> & {
  readonly basis: { readonly listing: ListingView } | { readonly grade: string };
  readonly until?: string;
};

export interface StandingView {
  readonly subject: string;
  readonly at: string;
  readonly schemes: readonly {
    readonly scheme: string;
    readonly version: number;
    readonly points?: Omit<PointsStanding, 'directGrade'> & {
      readonly directGradeRecordId?: number;
      readonly directGradeUntil?: string;
    };
    readonly listings: readonly ListingView[];
  }[];
  readonly measures: readonly MeasureView[];
}

export interface HistoryView {
  readonly from: string;
  readonly to: string;
  readonly schemes: readonly {
    readonly scheme: string;
    readonly steps: readonly (Omit<HistoryStep, 'atMs'> & { readonly at: string })[];
  }[];
}

export type RepairOption = Pick<RepairPolicy, 'minimumDays' | 'conditions' | 'reviewWorkingDays'> & {
  readonly scheme: string;
  readonly version: number;
  readonly list?: string;
  readonly grade?: string;
  readonly applicableFrom: string;
};

export type RecordView = Omit<RecordFact, 'effectiveAtMs' | 'recordedAtMs'> & {
  readonly effectiveAt: string;
  readonly recordedAt: string;
  readonly retractedBy?: number;
  readonly disputed: boolean;
  readonly rules: readonly {
    readonly scheme: string;
    readonly version: number;
    readonly code: string;
    readonly title: Localized;
    readonly legalBasis: string;
  }[];
  readonly entries: readonly (Readonly<Omit<PointsEntry, 'recordId' | 'code' | 'fromMs' | 'untilMs'>> & {
    readonly from: string;
    readonly until: string;
  })[];
  readonly grades: readonly (Readonly<Pick<GradeEntry, 'scheme' | 'version' | 'grade' | 'endedBy'>> & {
    readonly from: string;
    readonly until: string;
  })[];
  readonly listings: readonly ListingView[];
  readonly objectionDeadline?: string;
  readonly objectable: boolean;
  readonly repairs: readonly RepairOption[];
};

export interface NoticeView {
  readonly id: number;
  readonly kind: string;
  readonly adverse: boolean;
  readonly createdAt: string;
  readonly recordId: number;
  readonly code: string;
  readonly rule: Localized;
  readonly legalBasis: string;
  readonly evidence: string;
  readonly until?: string;
  readonly objectionDeadline?: string;
  readonly measures: readonly { readonly measure: string; readonly title: Localized }[];
  readonly text: Localized;
}

export interface ObjectionView {
  readonly id: number;
  readonly recordId: number;
  readonly filedAt: string;
  readonly grounds: string;
  readonly reviewDueAt: string;
  readonly overdue: boolean;
  readonly status: 'open' | 'upheld' | 'overturned';
  readonly decidedAt?: string;
  readonly decisionReasons?: string;
}

export interface RepairView {
  readonly id: number;
  readonly recordId: number;
  readonly list?: string;
  readonly appliedAt: string;
  readonly statement: string;
  readonly reviewDueAt: string;
  readonly overdue: boolean;
  readonly status: 'open' | 'approved' | 'refused';
  readonly decidedAt?: string;
  readonly decisionReasons?: string;
}

export interface AccessEntry {
  readonly at: string;
  readonly kind: string;
  readonly actor: string;
  readonly what: string;
}

/** The API's paths about one subject. */
export const subjectPath = (subject: string, what: string) => `/v1/subjects/${encodeURIComponent(subject)}/${what}`;

/* ---------- Published catalogs ---------- */

export interface PublishedVersion {
  readonly scheme: string;
  readonly version: number;
  readonly effectiveFrom: string;
  readonly catalog: CatalogDraft;
}

export interface Catalogs {
  readonly titleOf: (scheme: string) => Localized | undefined;
  readonly version: (scheme: string, version: number) => PublishedVersion | undefined;
  /** A list's definition, as the version that made a listing has it. */
  readonly list: (scheme: string, version: number, list: string) => CatalogDraft['scheme']['lists'][number] | undefined;
}

let published: Promise<Catalogs> | undefined;

export function loadCatalogs(): Promise<Catalogs> {
  published ??= (async () => {
    const { schemes } = await get<{
      schemes: { scheme: string; title: Localized; versions: { version: number }[] }[];
    }>('/v1/catalogs');
    const versions = await Promise.all(
      schemes.flatMap((s) =>
        s.versions.map((v) =>
          get<PublishedVersion>(`/v1/catalogs/${encodeURIComponent(s.scheme)}/versions/${v.version}`),
        ),
      ),
    );
    const find = (scheme: string, version: number) =>
      versions.find((v) => v.scheme === scheme && v.version === version);
    return {
      titleOf: (scheme) => schemes.find((s) => s.scheme === scheme)?.title,
      version: find,
      list: (scheme, version, list) => find(scheme, version)?.catalog.scheme.lists.find((l) => l.id === list),
    };
  })();
  // A failed read is tried again next time.
  published.catch(() => {
    published = undefined;
  });
  return published;
}
