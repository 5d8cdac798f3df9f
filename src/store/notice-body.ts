/**
 * How a notice's facts are kept in the store: a JSON array by position, as derivations are (derivation-body.ts),
 * since a city keeps a notice or so per record and the key names were a fifth of each. The layout is versioned by its
 * first element; bodies stored as objects before it (with or without their words) are still read as they are.
 *
 *   [1, scheme, version, code, evidence, effectiveAtMs, untilMs|null, objectionDeadlineMs|null, details, ruleVersion?]
 *   [2, the same, with code, evidence and effectiveAtMs null where they are the notice's record's own]
 *
 * The subject (protected), the kind, whether it is adverse and the record are the row's own columns. Most notices
 * tell one record's effect from the record's own instant (points deducted or awarded, a listing it starts), so
 * layout 2 leaves out what the record row already holds and the store reads it back from there: records are never
 * changed once stored (a retraction or a repair is a record of its own). At a city's hundred million notices that is
 * about 55 bytes each (docs/performance.md, "Fewer bytes a record").
 */
import type { NoticeFacts } from '../core/notices.ts';

/** What a notice's record row holds of the facts layout 2 leaves out. */
export interface NoticeRecord {
  readonly code: string;
  readonly evidence: string;
  readonly effectiveAtMs: number;
}

type Stored = Omit<NoticeFacts, 'subject' | 'kind' | 'adverse' | 'recordId'>;
type Body = [
  1 | 2,
  string,
  number,
  string | null,
  string | null,
  number | null,
  number | null,
  number | null,
  Readonly<Record<string, unknown>>,
  number?,
];

/**
 * The stored body of a notice's facts: layout 2, leaving out what `record` (the notice's record's row) holds, when it is
 * given; layout 1, whole, when not.
 */
export function noticeBody(n: NoticeFacts, record?: NoticeRecord): string {
  const body: Body = [
    record === undefined ? 1 : 2,
    n.scheme,
    n.version,
    record?.code === n.code ? null : n.code,
    record?.evidence === n.evidence ? null : n.evidence,
    record?.effectiveAtMs === n.effectiveAtMs ? null : n.effectiveAtMs,
    n.untilMs ?? null,
    n.objectionDeadlineMs ?? null,
    n.details,
  ];
  if (n.ruleVersion !== undefined) body.push(n.ruleVersion);
  return JSON.stringify(body);
}

/**
 * A notice's stored facts from its body (any layout), without the row's columns; `record` is the notice's record's
 * row, which a body of layout 2 needs.
 */
export function noticeOfBody(text: string, record?: NoticeRecord): Stored {
  const parsed = JSON.parse(text) as Body | Stored;
  if (!Array.isArray(parsed)) return parsed;
  const [at, scheme, version, code, evidence, effectiveAtMs, untilMs, objectionDeadlineMs, details, ruleVersion] =
    parsed;
  if (at !== 1 && at !== 2) throw new Error(`notice body of layout ${String(at)} is not known here`);
  const echo = (value: string | number | null, field: keyof NoticeRecord) => {
    if (value !== null) return value;
    if (record === undefined) throw new Error(`notice body of layout 2 read without its record's ${field}`);
    return record[field];
  };
  return {
    scheme,
    version,
    code: echo(code, 'code') as string,
    ...(ruleVersion === undefined ? {} : { ruleVersion }),
    evidence: echo(evidence, 'evidence') as string,
    effectiveAtMs: echo(effectiveAtMs, 'effectiveAtMs') as number,
    ...(untilMs === null ? {} : { untilMs }),
    ...(objectionDeadlineMs === null ? {} : { objectionDeadlineMs }),
    details,
  };
}
