/**
 * How a notice's facts are kept in the store: a JSON array by position, as derivations are (derivation-body.ts),
 * since a city keeps a notice or so per record and the key names were a fifth of each. The layout is versioned by its
 * first element; bodies stored as objects before it (with or without their words) are still read as they are.
 *
 *   [1, scheme, version, code, evidence, effectiveAtMs, untilMs|null, objectionDeadlineMs|null, details, ruleVersion?]
 *
 * The subject (protected), the kind, whether it is adverse and the record are the row's own columns.
 */
import type { NoticeFacts } from '../core/notices.ts';

const layout = 1;

type Stored = Omit<NoticeFacts, 'subject' | 'kind' | 'adverse' | 'recordId'>;
type Body = [
  typeof layout,
  string,
  number,
  string,
  string,
  number,
  number | null,
  number | null,
  Readonly<Record<string, unknown>>,
  number?,
];

/** The stored body of a notice's facts. */
export function noticeBody(n: NoticeFacts): string {
  const body: Body = [
    layout,
    n.scheme,
    n.version,
    n.code,
    n.evidence,
    n.effectiveAtMs,
    n.untilMs ?? null,
    n.objectionDeadlineMs ?? null,
    n.details,
  ];
  if (n.ruleVersion !== undefined) body.push(n.ruleVersion);
  return JSON.stringify(body);
}

/** A notice's stored facts from its body (either layout), without the row's columns. */
export function noticeOfBody(text: string): Stored {
  const parsed = JSON.parse(text) as Body | Stored;
  if (!Array.isArray(parsed)) return parsed;
  if (parsed[0] !== layout) throw new Error(`notice body of layout ${String(parsed[0])} is not known here`);
  const [, scheme, version, code, evidence, effectiveAtMs, untilMs, objectionDeadlineMs, details, ruleVersion] = parsed;
  return {
    scheme,
    version,
    code,
    ...(ruleVersion === undefined ? {} : { ruleVersion }),
    evidence,
    effectiveAtMs,
    ...(untilMs === null ? {} : { untilMs }),
    ...(objectionDeadlineMs === null ? {} : { objectionDeadlineMs }),
    details,
  };
}
