/**
 * A subject's data rights: an export of everything Credence holds about them, and the access log (who read their
 * data and when). Every read of a subject's data by staff, every decision about them and every export is an audit
 * event naming the subject; the access log is those events.
 */
import type { Derivation } from '../core/derive.ts';
import { parseSubjectId, type SubjectId } from '../core/identifiers.ts';
import type { RecordFact } from '../core/record.ts';
import { ok, fail, type Result } from '../core/result.ts';
import type { Relation, Standing } from '../core/standing.ts';
import { renderNotice } from '../core/notices.ts';
import type { AuditEvent, Notice, Objection } from '../store/ports.ts';
import { appendAudit } from './audit-chain.ts';
import type { AppContext } from './context.ts';
import { standingOf } from './decisions.ts';

/** Kinds of audit event that are someone reading the subject's data. */
export const readKinds: ReadonlySet<string> = new Set(['data.read', 'data.exported', 'decision.made']);
const exportNoticesMax = 100_000;
const accessLogMax = 10_000;

export interface AccessEntry {
  readonly atMs: number;
  readonly kind: string;
  readonly actor: string;
  readonly what: string;
}

export interface SubjectExport {
  readonly subject: SubjectId;
  readonly exportedAtMs: number;
  readonly standing: Standing;
  readonly records: readonly RecordFact[];
  readonly derivation: Derivation | null;
  readonly notices: readonly Notice[];
  readonly objections: readonly Objection[];
  readonly relations: readonly Relation[];
  readonly accessLog: readonly AccessEntry[];
}

function accessEntry(e: AuditEvent): AccessEntry {
  const what =
    e.kind === 'decision.made'
      ? `decision on ${String(e.payload.action)}: ${String(e.payload.outcome)}`
      : e.kind === 'data.exported'
        ? 'export of all data'
        : `read ${String(e.payload.route ?? e.payload.what ?? '')}`;
  return { atMs: e.atMs, kind: e.kind, actor: e.actor, what };
}

export async function accessLog(context: AppContext, subject: string, limit = accessLogMax): Promise<AccessEntry[]> {
  const events = await context.store.auditEventsOf(subject, limit);
  return events.filter((e) => readKinds.has(e.kind)).map(accessEntry);
}

/** A read of a subject's data outside the HTTP routes (the command line): audited like theirs, as data.read. */
export async function logRead(
  context: AppContext,
  subjects: string | readonly string[],
  options: { readonly nowMs: number; readonly actor: string; readonly what: string },
): Promise<void> {
  // Several subjects read at once (a simulation's sample) are one transaction, an event each.
  const events = (typeof subjects === 'string' ? [subjects] : subjects).map((subject) => ({
    atMs: options.nowMs,
    kind: 'data.read',
    actor: options.actor,
    subject,
    payload: { route: options.what },
  }));
  if (events.length === 0) return;
  await context.store.transaction((tx) => appendAudit(tx, context.keys, events));
}

export async function exportSubject(
  context: AppContext,
  subjectText: string,
  options: { readonly nowMs: number; readonly actor: string },
): Promise<Result<SubjectExport>> {
  const parsed = parseSubjectId(subjectText);
  if (!parsed.ok) return fail(parsed.problem.code, parsed.problem.message, 'subject');
  const subject = parsed.value;
  const { store } = context;
  // The export is itself a read: logged first, so the export contains it.
  await store.transaction(async (tx) => {
    const event = {
      atMs: options.nowMs,
      kind: 'data.exported',
      actor: options.actor,
      subject: subject.key,
      payload: { what: 'export' },
    };
    await appendAudit(tx, context.keys, [event]);
  });
  return ok({
    subject,
    exportedAtMs: options.nowMs,
    standing: await standingOf(context, subject, options.nowMs),
    records: await store.recordsOf(subject.key),
    derivation: (await store.derivation(subject.key)) ?? null,
    notices: (await store.noticesOf(subject.key, exportNoticesMax)).map((n) => renderNotice(context.catalogs, n)),
    objections: await store.objectionsOf(subject.key),
    relations:
      subject.kind === 'person'
        ? await store.relationsOfPerson(subject.key)
        : await store.relationsOfOrganisation(subject.key),
    accessLog: await accessLog(context, subject.key),
  });
}
