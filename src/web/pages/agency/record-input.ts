/**
 * A record as the agency console sends and reads it (the core's shapes, instants as ISO text), the agency's remit from
 * the published catalogs, and the checks the browser makes before sending: the form's checks as you type (every field,
 * with the core's identifier check), and a file line's checks, which are exactly those that would otherwise make the
 * register refuse a whole batch (a missing or overlong field, an amount that is not a number, a code outside the
 * agency's remit): caught here, they stay one line's rejection. The register judges everything else per record
 * (identifier, rule in force, time) and answers per record.
 */
import {
  agencyRefLengthMax,
  amountMax,
  caseRefLengthMax,
  evidenceLengthMax,
  identifierLengthMax,
  subjectTextLengthMax,
  systemReferencePrefix,
} from '../../../core/constants.ts';
import { parseSubjectId } from '../../../core/identifiers.ts';
import type { RecordDraft, RecordFact } from '../../../core/record.ts';
import type { Problem } from '../../../core/result.ts';
import type { PublishedVersion } from '../../catalogs.ts';
import type { I18n, Localized } from '../../i18n.ts';

export type RecordField = 'agencyRef' | 'subject' | 'code' | 'effectiveAt' | 'evidence' | 'amount' | 'caseRef';
export const recordFields: readonly RecordField[] = [
  'subject',
  'code',
  'effectiveAt',
  'evidence',
  'amount',
  'caseRef',
  'agencyRef',
];

/** The body of one record in POST /v1/records: the core's draft, its agency the token's, its time ISO text. */
export type RecordBody = Omit<RecordDraft, 'agency' | 'effectiveAtMs'> & { readonly effectiveAt: string };

/** A stored record as the API answers it (GET /v1/records): the core's, its instants ISO text. */
export type StoredRecord = Omit<RecordFact, 'effectiveAtMs' | 'recordedAtMs' | 'ends'> & {
  readonly effectiveAt: string;
  readonly recordedAt: string;
};

/** The answer of POST /v1/records: counts and one result per record, in order. */
export interface SubmitResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly results: readonly {
    readonly index: number;
    readonly status: 'accepted' | 'duplicate' | 'rejected';
    readonly recordId?: number;
    readonly error?: { readonly code: string; readonly message: string; readonly field?: string };
  }[];
}

/** A rule code an agency may report, as the form offers it. */
export interface RemitRule {
  readonly code: string;
  readonly title: Localized;
  /** Some version of some scheme scores this code by amount, so a record of it needs one. */
  readonly amountRequired: boolean;
}

/** What the browser knows of the agency: its id, the codes it may report, and every published code. */
export interface Remit {
  readonly agency: string;
  readonly rules: ReadonlyMap<string, RemitRule>;
  readonly known: ReadonlySet<string>;
}

/**
 * The agency's remit from the published catalogs (the register's remit check): the codes it may report under any
 * published version, each with its title in the newest version that has it, narrowed to the scope when there is
 * one; and every rule code of any version, to tell an unknown code from one outside the remit.
 */
export function remitOf(versions: readonly PublishedVersion[], agency: string, scope: readonly string[]): Remit {
  const rules = new Map<string, RemitRule>();
  const byAge = [...versions].sort((a, b) => Date.parse(a.publishedAt) - Date.parse(b.publishedAt));
  for (const v of byAge) {
    for (const rule of v.catalog.rules) {
      if (!rule.agencies.includes(agency)) continue;
      const amountRequired =
        (rules.get(rule.code)?.amountRequired ?? false) || rule.effects.some((e) => e.kind === 'points_by_amount');
      rules.set(rule.code, { code: rule.code, title: rule.title, amountRequired });
    }
  }
  const inScope = [...rules.values()]
    .sort((a, b) => a.code.localeCompare(b.code))
    .filter((r) => scope.length === 0 || scope.includes(r.code));
  return {
    agency,
    rules: new Map(inScope.map((r) => [r.code, r])),
    known: new Set(versions.flatMap((v) => v.catalog.rules.map((r) => r.code))),
  };
}

type Say = I18n['t'];

const lengthOf: Readonly<Record<Exclude<RecordField, 'amount'>, number>> = {
  agencyRef: agencyRefLengthMax,
  subject: subjectTextLengthMax,
  code: identifierLengthMax,
  effectiveAt: 40,
  evidence: evidenceLengthMax,
  caseRef: caseRefLengthMax,
};

/** A required text field: present, not too long. */
function checkText(value: unknown, field: Exclude<RecordField, 'amount'>, t: Say): Problem | undefined {
  if (typeof value !== 'string' || value.trim() === '')
    return { code: 'missing_field', message: t('agency.check.required'), field };
  const max = lengthOf[field];
  if (value.trim().length > max) return { code: 'too_long', message: t('agency.check.tooLong', { max }), field };
  return undefined;
}

/** An amount: a number, or decimal text (CSV); empty is none. As the core reads it. */
export function readAmount(value: unknown): number | undefined | 'invalid' {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && value <= amountMax ? value : 'invalid';
  if (typeof value !== 'string') return 'invalid';
  const text = value.trim();
  if (text === '') return undefined;
  if (!/^\d+(\.\d+)?$/.test(text)) return 'invalid';
  const n = Number(text);
  return n <= amountMax ? n : 'invalid';
}

function checkCode(code: string, remit: Remit, t: Say): Problem | undefined {
  if (remit.rules.has(code)) return undefined;
  if (!remit.known.has(code))
    return { code: 'unknown_rule_code', message: t('agency.check.unknownRule', { code }), field: 'code' };
  return { code: 'outside_remit', message: t('agency.check.remit', { code }), field: 'code' };
}

function checkReference(value: string, t: Say): Problem | undefined {
  if (value.trim().startsWith(systemReferencePrefix))
    return {
      code: 'reserved_reference',
      message: t('agency.check.reserved', { prefix: systemReferencePrefix }),
      field: 'agencyRef',
    };
  return undefined;
}

/** The form's values: what the inputs hold. effectiveAt is a datetime-local value, read in China Standard Time. */
export interface FormValues {
  readonly subject: string;
  readonly code: string;
  readonly effectiveAt: string;
  readonly evidence: string;
  readonly amount: string;
  readonly caseRef: string;
  readonly agencyRef: string;
}

/** A datetime-local value (YYYY-MM-DDTHH:mm[:ss]) read in China Standard Time, as an ISO 8601 instant. */
export function instantOfLocal(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  return `${value.length === 16 ? `${value}:00` : value}+08:00`;
}

/** Now in China Standard Time as a datetime-local value (the input's max). */
export function localNow(nowMs: number): string {
  return new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** Every field's first problem, for the form (shown as the user types). */
export function formProblems(
  values: FormValues,
  remit: Remit,
  nowMs: number,
  t: Say,
): Partial<Record<RecordField, Problem>> {
  const problems: Partial<Record<RecordField, Problem>> = {};
  const subject = checkText(values.subject, 'subject', t);
  if (subject) problems.subject = subject;
  else {
    const parsed = parseSubjectId(values.subject);
    if (!parsed.ok)
      problems.subject = {
        code: parsed.problem.code,
        message: t('agency.field.subject.problem', { message: parsed.problem.message }),
        field: 'subject',
      };
  }
  const code = checkText(values.code, 'code', t) ?? checkCode(values.code, remit, t);
  if (code) problems.code = code;
  const at = instantOfLocal(values.effectiveAt);
  if (values.effectiveAt === '')
    problems.effectiveAt = { code: 'missing_field', message: t('agency.check.required'), field: 'effectiveAt' };
  else if (at === undefined || Number.isNaN(Date.parse(at)))
    problems.effectiveAt = { code: 'invalid_instant', message: t('agency.check.instant'), field: 'effectiveAt' };
  else if (Date.parse(at) > nowMs)
    problems.effectiveAt = { code: 'effective_in_future', message: t('agency.check.future'), field: 'effectiveAt' };
  const evidence = checkText(values.evidence, 'evidence', t);
  if (evidence) problems.evidence = evidence;
  const amount = readAmount(values.amount);
  if (amount === 'invalid')
    problems.amount = {
      code: 'invalid_amount',
      message: t('agency.check.amount', { max: amountMax }),
      field: 'amount',
    };
  else if (amount === undefined && remit.rules.get(values.code)?.amountRequired === true)
    problems.amount = { code: 'amount_required', message: t('agency.check.required'), field: 'amount' };
  if (values.caseRef.trim() !== '') {
    const caseRef = checkText(values.caseRef, 'caseRef', t);
    if (caseRef) problems.caseRef = caseRef;
  }
  const agencyRef = checkText(values.agencyRef, 'agencyRef', t) ?? checkReference(values.agencyRef, t);
  if (agencyRef) problems.agencyRef = agencyRef;
  return problems;
}

/** The form's values as a record to send (call once formProblems is empty). */
export function bodyOfForm(values: FormValues, remit: Remit): RecordBody {
  const amount = readAmount(values.amount);
  return {
    agencyRef: values.agencyRef.trim(),
    subject: values.subject.trim(),
    code: values.code,
    effectiveAt: instantOfLocal(values.effectiveAt) ?? values.effectiveAt,
    evidence: values.evidence.trim(),
    ...(typeof amount === 'number' && remit.rules.has(values.code) ? { amount } : {}),
    ...(values.caseRef.trim() === '' ? {} : { caseRef: values.caseRef.trim() }),
  };
}

/**
 * One line of a file (its fields by name) as a record to send, or the problem that would otherwise refuse the
 * whole batch. An `agency` column, when present, must name the agency reporting.
 */
export function bodyOfLine(
  raw: Readonly<Record<string, unknown>>,
  remit: Remit,
  t: Say,
): { ok: true; body: RecordBody } | { ok: false; problem: Problem } {
  const agency = raw.agency;
  if (agency !== undefined && agency !== null && agency !== '' && agency !== remit.agency)
    return {
      ok: false,
      problem: {
        code: 'agency_mismatch',
        message: t('agency.check.agency', { agency: String(agency), own: remit.agency }),
        field: 'agency',
      },
    };
  for (const field of ['agencyRef', 'subject', 'code', 'effectiveAt', 'evidence'] as const) {
    const problem = checkText(raw[field], field, t);
    if (problem) return { ok: false, problem };
  }
  const code = String(raw.code).trim();
  const remitProblem = checkCode(code, remit, t);
  if (remitProblem) return { ok: false, problem: remitProblem };
  const amount = readAmount(raw.amount);
  if (amount === 'invalid')
    return {
      ok: false,
      problem: { code: 'invalid_amount', message: t('agency.check.amount', { max: amountMax }), field: 'amount' },
    };
  const caseRef = raw.caseRef;
  const hasCaseRef = caseRef !== undefined && caseRef !== null && caseRef !== '';
  if (hasCaseRef) {
    const problem = checkText(caseRef, 'caseRef', t);
    if (problem) return { ok: false, problem };
  }
  return {
    ok: true,
    body: {
      agencyRef: String(raw.agencyRef).trim(),
      subject: String(raw.subject).trim(),
      code,
      effectiveAt: String(raw.effectiveAt).trim(),
      evidence: String(raw.evidence).trim(),
      ...(amount === undefined ? {} : { amount }),
      ...(hasCaseRef ? { caseRef: String(caseRef).trim() } : {}),
    },
  };
}

/** The form field an API error names (`subject`, `records.0.subject`, `params.agencyRef`), if it is one. */
export function fieldOf(apiField: string | undefined): RecordField | undefined {
  const last = apiField?.split('.').at(-1);
  return recordFields.find((f) => f === last);
}

/** A reference suggestion: the agency, the day in China Standard Time and a random part. */
export function suggestReference(agency: string, nowMs: number): string {
  const day = new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
  const random = new Uint8Array(4);
  globalThis.crypto.getRandomValues(random);
  const part = [...random].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${agency}-${day}-${part}`.toUpperCase().slice(0, agencyRefLengthMax);
}
