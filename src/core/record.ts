/**
 * A record: an immutable fact an agency reports about a subject. Corrections are new records (a retraction names
 * the record it withdraws), never edits. `validateRecordInput` checks one submitted record against the catalogs
 * in force at its effectiveAt; the store assigns the id and the recording instant.
 */
import {
  agencyRefLengthMax,
  systemReferencePrefix,
  amountMax,
  caseRefLengthMax,
  evidenceLengthMax,
  identifierLengthMax,
} from './constants.ts';
import type { CatalogSet, RuleApplication } from './catalog-set.ts';
import { parseSubjectId, type SubjectId } from './identifiers.ts';
import { fail, ok, type Result } from './result.ts';
import { isoFromMs, parseInstant } from './time.ts';

/** A record as an agency submits it (JSON or a CSV row, already split into fields). */
export interface RecordInput {
  readonly agency?: unknown;
  readonly agencyRef?: unknown;
  readonly subject?: unknown;
  readonly code?: unknown;
  readonly effectiveAt?: unknown;
  readonly evidence?: unknown;
  readonly amount?: unknown;
  readonly caseRef?: unknown;
}

/** A validated record, before the store gives it an id. */
export interface RecordDraft {
  readonly agency: string;
  readonly agencyRef: string;
  readonly subject: string;
  readonly code: string;
  readonly effectiveAtMs: number;
  readonly evidence: string;
  readonly amount?: number;
  readonly caseRef?: string;
}

/** A stored record. */
export interface RecordFact extends RecordDraft {
  readonly id: number;
  readonly recordedAtMs: number;
  /** For a retraction: the id of the record it withdraws. */
  readonly retracts?: number;
  /** For an approved repair: the id of the record whose listings and direct grades end at this one's instant. */
  readonly ends?: number;
}

export interface ValidatedRecord {
  readonly draft: RecordDraft;
  readonly subject: SubjectId;
  readonly applications: readonly RuleApplication[];
}

function requiredText(value: unknown, field: string, max: number): Result<string> {
  if (typeof value !== 'string' || value.trim() === '') return fail('missing_field', `${field} is required`, field);
  const trimmed = value.trim();
  if (trimmed.length > max) return fail('too_long', `${field} is longer than ${max} characters`, field);
  return ok(trimmed);
}

function optionalText(value: unknown, field: string, max: number): Result<string | undefined> {
  if (value === undefined || value === null || value === '') return ok(undefined);
  return requiredText(value, field, max);
}

/** An agency's own reference: required text, not in the space Credence keeps for the records it makes. */
export function agencyReference(value: unknown, field = 'agencyRef'): Result<string> {
  const text = requiredText(value, field, agencyRefLengthMax);
  if (text.ok && text.value.startsWith(systemReferencePrefix))
    return fail('reserved_reference', `references starting with ${systemReferencePrefix} are Credence's own`, field);
  return text;
}

/**
 * Shape, identifier, remit and rule, in that order; the first problem wins. `nowMs` rejects records from the
 * future: a record states something that already became final.
 */
export function validateRecordInput(input: RecordInput, catalogs: CatalogSet, nowMs: number): Result<ValidatedRecord> {
  const agency = requiredText(input.agency, 'agency', identifierLengthMax);
  if (!agency.ok) return agency;
  const agencyRef = agencyReference(input.agencyRef);
  if (!agencyRef.ok) return agencyRef;
  const subjectText = requiredText(input.subject, 'subject', identifierLengthMax);
  if (!subjectText.ok) return subjectText;
  const subject = parseSubjectId(subjectText.value);
  if (!subject.ok) return fail(subject.problem.code, subject.problem.message, 'subject');
  const code = requiredText(input.code, 'code', identifierLengthMax);
  if (!code.ok) return code;
  const effectiveText = requiredText(input.effectiveAt, 'effectiveAt', 40);
  if (!effectiveText.ok) return effectiveText;
  const effectiveAtMs = parseInstant(effectiveText.value, 'effectiveAt');
  if (!effectiveAtMs.ok) return effectiveAtMs;
  if (effectiveAtMs.value > nowMs) {
    return fail(
      'effective_in_future',
      `effectiveAt ${effectiveText.value} is after now (${isoFromMs(nowMs)})`,
      'effectiveAt',
    );
  }
  const evidence = requiredText(input.evidence, 'evidence', evidenceLengthMax);
  if (!evidence.ok) return evidence;
  const caseRef = optionalText(input.caseRef, 'caseRef', caseRefLengthMax);
  if (!caseRef.ok) return caseRef;

  let amount: number | undefined;
  const amountText = typeof input.amount === 'string' ? input.amount.trim() : undefined;
  if (input.amount !== undefined && input.amount !== null && amountText !== '') {
    // A number, or decimal text (CSV); nothing else is coerced (no booleans, arrays, hex or exponents).
    const n =
      typeof input.amount === 'number'
        ? input.amount
        : amountText !== undefined && /^\d+(\.\d+)?$/.test(amountText)
          ? Number(amountText)
          : Number.NaN;
    if (!Number.isFinite(n) || n < 0 || n > amountMax) {
      return fail('invalid_amount', `amount must be a number from 0 to ${amountMax} (yuan)`, 'amount');
    }
    amount = n;
  }

  if (!catalogs.agencyMayReport(agency.value, code.value)) {
    const known = catalogs.judge(code.value, subject.value.kind, effectiveAtMs.value);
    if (!known.ok && known.problem.code === 'unknown_rule_code') return known;
    return fail('outside_remit', `agency ${agency.value} may not report rule ${code.value}`, 'code');
  }
  const applications = catalogs.judge(code.value, subject.value.kind, effectiveAtMs.value);
  if (!applications.ok) return applications;
  for (const { rule } of applications.value) {
    if (!rule.agencies.includes(agency.value)) {
      return fail('outside_remit', `agency ${agency.value} may not report rule ${code.value}`, 'code');
    }
    if (amount === undefined && rule.effects.some((e) => e.kind === 'points_by_amount')) {
      return fail('amount_required', `rule ${code.value} scores by amount; give amount in yuan`, 'amount');
    }
  }

  const draft: RecordDraft = {
    agency: agency.value,
    agencyRef: agencyRef.value,
    subject: subject.value.key,
    code: code.value,
    effectiveAtMs: effectiveAtMs.value,
    evidence: evidence.value,
    ...(amount === undefined ? {} : { amount }),
    ...(caseRef.value === undefined ? {} : { caseRef: caseRef.value }),
  };
  return ok({ draft, subject: subject.value, applications: applications.value });
}

/** Whether two drafts say the same thing: the test for an idempotent repeat of (agency, agencyRef). */
export function sameRecordContent(a: RecordDraft, b: RecordDraft): boolean {
  return (
    a.agency === b.agency &&
    a.agencyRef === b.agencyRef &&
    a.subject === b.subject &&
    a.code === b.code &&
    a.effectiveAtMs === b.effectiveAtMs &&
    a.evidence === b.evidence &&
    a.amount === b.amount &&
    a.caseRef === b.caseRef
  );
}
