/**
 * Use cases: a subject's standing and its explanation, and a decision on an action. Until the in-memory decision
 * index exists, a decision reads the subject's stored derivation (and those of organisations it represents).
 * Every decision gets an id a person can cite and an audit event.
 */
import { randomUUID } from 'node:crypto';
import { decide, type Decision } from '../core/decide.ts';
import { parseSubjectId, type SubjectId } from '../core/identifiers.ts';
import type { RecordFact } from '../core/record.ts';
import { fail, ok, type Result } from '../core/result.ts';
import { standingAt, type Standing } from '../core/standing.ts';
import type { Objection } from '../store/ports.ts';
import { appendAudit } from './audit-chain.ts';
import { resolveSubject } from './passports.ts';
import type { AppContext } from './context.ts';

export interface Explanation {
  readonly subject: SubjectId;
  readonly standing: Standing;
  readonly records: readonly RecordFact[];
  /** Objections to the subject's records; an open one marks its record disputed. */
  readonly objections: readonly Objection[];
}

export async function standingOf(context: AppContext, subject: SubjectId, atMs: number): Promise<Standing> {
  const { store, catalogs } = context;
  const derivation = await store.derivation(subject.key);
  const relations = subject.kind === 'person' ? await store.relationsOfPerson(subject.key) : [];
  const organisations =
    relations.length === 0 ? new Map() : await store.derivations(relations.map((r) => r.organisation));
  const related = relations.flatMap((relation) => {
    const d = organisations.get(relation.organisation);
    return d === undefined ? [] : [{ relation, derivation: d }];
  });
  return standingAt(catalogs, subject.key, subject.kind, derivation, atMs, related);
}

export async function explain(context: AppContext, subjectText: string, atMs: number): Promise<Result<Explanation>> {
  const identifier = parseSubjectId(subjectText);
  if (!identifier.ok) return identifier;
  // A linked passport explains the person it belongs to.
  const subject = await resolveSubject(context, identifier.value);
  const standing = await standingOf(context, subject, atMs);
  const records = await context.store.recordsOf(subject.key);
  const objections = await context.store.objectionsOf(subject.key);
  return ok({ subject, standing, records, objections });
}

export interface DecisionMade extends Decision {
  readonly decisionId: string;
}

export async function checkAction(
  context: AppContext,
  request: { readonly subject: string; readonly action: string; readonly atMs: number },
  options: { readonly nowMs: number; readonly actor: string },
): Promise<Result<DecisionMade>> {
  const parsed = parseSubjectId(request.subject);
  if (!parsed.ok) return fail(parsed.problem.code, parsed.problem.message, 'subject');
  const standing = await standingOf(context, await resolveSubject(context, parsed.value), request.atMs);
  const decision = decide(standing, request.action);
  if (!decision.ok) return decision;
  const made: DecisionMade = { decisionId: randomUUID(), ...decision.value };
  await context.store.transaction(async (tx) => {
    const event = {
      atMs: options.nowMs,
      kind: 'decision.made',
      actor: options.actor,
      subject: made.subject,
      payload: {
        decisionId: made.decisionId,
        action: made.action,
        atMs: made.atMs,
        outcome: made.outcome,
        reasons: made.reasons.map((r) => r.measure),
        catalogVersions: made.catalogVersions,
      },
    };
    await appendAudit(tx, context.keys, [event]);
  });
  return ok(made);
}
