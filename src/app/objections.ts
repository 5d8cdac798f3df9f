/**
 * Use cases: objections. A subject (or an organisation's representative) objects to a record within the scheme's
 * window, counted from the notice that told them of it; the record is disputed at once (an open objection is
 * shown with it everywhere); a reviewer decides within the scheme's deadline in working days of the
 * jurisdiction's calendar, and may not decide a record their own agency filed. Overturned means a retraction:
 * every score, grade, listing, notice and index entry that depended on the record is recomputed at once. Every
 * step is notified to the subject and audited.
 */
import type { CatalogVersion, Rule } from '../core/catalog.ts';
import { addWorkingDays, calendarOf, type WorkingCalendar } from '../core/calendar.ts';
import { dayMs, reasonLengthMax, systemReferencePrefix } from '../core/constants.ts';
import { parseSubjectId, type SubjectId } from '../core/identifiers.ts';
import { objectionNotice } from '../core/notices.ts';
import type { RecordFact } from '../core/record.ts';
import { relationInForce } from '../core/standing.ts';
import { fail, ok, type Result } from '../core/result.ts';
import { isoFromMs } from '../core/time.ts';
import type { Notice, Objection, StoreTransaction } from '../store/ports.ts';
import { notifySubjectsChanged, type AppContext } from './context.ts';
import { rederive, retractWithin } from './records.ts';
import { tellAndAudit } from './steps.ts';

/** Without a stored calendar for a jurisdiction, weekends only, China Standard Time. */
const defaultUtcOffsetMinutes = 480;

interface Governing {
  readonly version: CatalogVersion;
  readonly rule: Rule;
}

/** The rule versions that judged a record; their schemes set the windows and deadlines (the longest applies). */
function governing(context: AppContext, subject: SubjectId, record: RecordFact): Governing[] {
  const judged = context.catalogs.judge(record.code, subject.kind, record.effectiveAtMs);
  return judged.ok ? judged.value.map(({ version, rule }) => ({ version, rule })) : [];
}

/** When the window to object to a record closes, and from what it runs. */
export interface ObjectionWindow {
  /** The longest window of the schemes that judged the record. */
  readonly days: number;
  /** When the subject was told: the first notice of the record's effects, else its recording. */
  readonly toldAtMs: number;
  readonly closesAtMs: number;
}

/**
 * The window to object to a record. Each scheme declares its own; a record judged under several gets the most
 * generous. It runs from the first notice of the record's effects (when the subject was told), else from when it
 * was recorded; notices about objections themselves do not count: they cannot reopen a window. Undefined for a
 * record no rule judged (a retraction, an approved repair).
 */
export function objectionWindow(
  rules: readonly { readonly version: CatalogVersion }[],
  record: Pick<RecordFact, 'recordedAtMs'>,
  notices: readonly Pick<Notice, 'kind' | 'createdAtMs'>[],
): ObjectionWindow | undefined {
  if (rules.length === 0) return undefined;
  const days = Math.max(...rules.map((g) => g.version.catalog.scheme.objectionWindowDays));
  let toldAtMs: number | undefined;
  for (const n of notices) {
    if (n.kind.startsWith('objection.')) continue;
    if (toldAtMs === undefined || n.createdAtMs < toldAtMs) toldAtMs = n.createdAtMs;
  }
  toldAtMs ??= record.recordedAtMs;
  return { days, toldAtMs, closesAtMs: toldAtMs + days * dayMs };
}

async function calendarFor(context: AppContext, jurisdiction: string): Promise<WorkingCalendar> {
  const stored = await context.store.calendar(jurisdiction);
  return calendarOf(stored ?? { jurisdiction, utcOffsetMinutes: defaultUtcOffsetMinutes });
}

function ruleInfo(g: Governing | undefined, record: RecordFact) {
  return {
    scheme: g?.version.schemeId ?? '',
    version: g?.version.version ?? 0,
    title: g?.rule.title ?? { 'zh-CN': record.code, en: record.code },
    legalBasis: g?.rule.legalBasis ?? '',
  };
}

async function findRecord(
  tx: StoreTransaction,
  subject: string,
  recordId: number,
): Promise<{ record?: RecordFact; all: RecordFact[] }> {
  const all = (await tx.recordsOf([subject])).get(subject) ?? [];
  const record = all.find((r) => r.id === recordId);
  return record === undefined ? { all } : { record, all };
}

export async function fileObjection(
  context: AppContext,
  request: { readonly subject: string; readonly recordId: number; readonly grounds: string; readonly filedBy?: string },
  options: { readonly nowMs: number; readonly actor: string },
): Promise<Result<Objection>> {
  const parsed = parseSubjectId(request.subject);
  if (!parsed.ok) return fail(parsed.problem.code, parsed.problem.message, 'subject');
  const subject = parsed.value;
  const grounds = request.grounds.trim();
  if (grounds === '' || grounds.length > reasonLengthMax) {
    return fail('invalid_grounds', `grounds are required, at most ${reasonLengthMax} characters`, 'grounds');
  }
  const filedBy = request.filedBy === undefined ? subject.key : parseSubjectId(request.filedBy);
  if (typeof filedBy !== 'string' && !filedBy.ok) return fail(filedBy.problem.code, filedBy.problem.message, 'filedBy');
  const filer = typeof filedBy === 'string' ? filedBy : filedBy.value.key;

  let changed: SubjectId[] = [];
  const result = await context.store.transaction(async (tx): Promise<Result<Objection>> => {
    const { record, all } = await findRecord(tx, subject.key, request.recordId);
    if (record === undefined)
      return fail('record_not_found', `the subject has no record ${request.recordId}`, 'recordId');
    if (record.retracts !== undefined) return fail('not_objectable', `record ${record.id} is a retraction`, 'recordId');
    if (all.some((r) => r.retracts === record.id))
      return fail('not_objectable', `record ${record.id} was retracted`, 'recordId');
    if (filer !== subject.key) {
      // Only an organisation's recorded legal representative or responsible manager files for it.
      const relations = await context.store.relationsOfPerson(filer);
      const represents = relations.some((r) => r.organisation === subject.key && relationInForce(r, options.nowMs));
      if (!represents)
        return fail(
          'not_a_representative',
          'the filer is not recorded as a legal representative or responsible manager of this organisation',
          'filedBy',
        );
    }
    const rules = governing(context, subject, record);
    // Each scheme declares its own deadline; a record judged under several gets the most generous.
    const reviewDays = Math.max(...rules.map((g) => g.version.catalog.scheme.objectionReviewWorkingDays));
    const period = objectionWindow(rules, record, await tx.noticesOfRecord(subject.key, record.id));
    if (period === undefined) throw new Error(`record ${record.id} has no rule in force`);
    const windowClosesAtMs = period.closesAtMs;
    if (options.nowMs >= windowClosesAtMs) {
      return fail(
        'objection_window_closed',
        `the window to object to record ${record.id} closed at ${isoFromMs(windowClosesAtMs)} (${period.days} days from the notice of ${isoFromMs(period.toldAtMs)})`,
        'recordId',
      );
    }
    if (await tx.openObjectionOf(record.id)) {
      return fail('objection_exists', `record ${record.id} already has an open objection`, 'recordId');
    }
    const jurisdiction = rules[0]?.version.catalog.scheme.jurisdiction ?? subject.region ?? '000000';
    const calendar = await calendarFor(context, jurisdiction);
    const objection = await tx.insertObjection({
      subject: subject.key,
      recordId: record.id,
      filedAtMs: options.nowMs,
      filedBy: filer,
      grounds,
      windowClosesAtMs,
      reviewDueAtMs: addWorkingDays(calendar, options.nowMs, reviewDays),
      status: 'open',
    });
    // In schemes where a disputed record stops counting, its effects end now (and return if it is upheld).
    if (rules.some((g) => g.version.catalog.scheme.disputedStopsCounting)) {
      await rederive(context, tx, [subject], new Map([[subject.key, record]]), options.nowMs);
      changed = [subject];
    }
    await tellAndAudit(
      context,
      tx,
      options.nowMs,
      objectionNotice(
        { kind: 'objection.filed', reviewDueAtMs: objection.reviewDueAtMs },
        objection,
        record,
        ruleInfo(rules[0], record),
      ),
      {
        kind: 'objection.filed',
        actor: options.actor,
        subject: subject.key,
        payload: {
          objectionId: objection.id,
          recordId: record.id,
          filedBy: context.keys.lookup(filer),
          reviewDueAtMs: objection.reviewDueAtMs,
        },
      },
    );
    return ok(objection);
  });
  await notifySubjectsChanged(context, changed);
  return result;
}

export async function decideObjection(
  context: AppContext,
  request: {
    readonly objectionId: number;
    readonly outcome: 'upheld' | 'overturned';
    readonly reasons: string;
    readonly reviewer: string;
    /** The agency the reviewer works for, if any: they may not decide that agency's records. */
    readonly reviewerAgency?: string;
  },
  options: { readonly nowMs: number },
): Promise<Result<Objection>> {
  const reasons = request.reasons.trim();
  if (reasons === '' || reasons.length > reasonLengthMax) {
    return fail('invalid_reasons', `reasons are required, at most ${reasonLengthMax} characters`, 'reasons');
  }
  let changed: SubjectId[] = [];
  const result = await context.store.transaction(async (tx): Promise<Result<Objection>> => {
    const objection = await tx.objection(request.objectionId);
    if (objection === undefined) return fail('objection_not_found', `no objection ${request.objectionId}`, 'id');
    if (objection.status !== 'open') {
      return fail('objection_decided', `objection ${objection.id} was already decided (${objection.status})`, 'id');
    }
    const { record, all } = await findRecord(tx, objection.subject, objection.recordId);
    if (record === undefined) throw new Error(`objection ${objection.id} names a missing record`);
    if (request.reviewerAgency !== undefined && request.reviewerAgency === record.agency) {
      return fail(
        'reviewer_conflict',
        `a reviewer of ${record.agency} may not decide an objection to a record ${record.agency} filed`,
        'reviewer',
      );
    }
    const parsedSubject = parseSubjectId(objection.subject);
    let retractionRecordId: number | undefined;
    // The agency may have retracted the record meanwhile: then the objection is overturned by that retraction.
    const retractedAlready = all.find((r) => r.retracts === record.id);
    if (request.outcome === 'overturned' && retractedAlready !== undefined) {
      retractionRecordId = retractedAlready.id;
    } else if (request.outcome === 'overturned') {
      const retraction = await retractWithin(
        context,
        tx,
        record,
        `${systemReferencePrefix}objection-${objection.id}`,
        `objection ${objection.id} overturned: ${reasons}`,
        options.nowMs,
        request.reviewer,
      );
      retractionRecordId = retraction.stored.id;
      changed = [retraction.subject];
    }
    const decided: Objection = {
      ...objection,
      status: request.outcome,
      decidedAtMs: options.nowMs,
      decidedBy: request.reviewer,
      decisionReasons: reasons,
      ...(retractionRecordId === undefined ? {} : { retractionRecordId }),
    };
    await tx.updateObjection(decided);
    if (request.outcome === 'upheld' && parsedSubject.ok) {
      const rulesOfRecord = governing(context, parsedSubject.value, record);
      if (rulesOfRecord.some((g) => g.version.catalog.scheme.disputedStopsCounting)) {
        await rederive(context, tx, [parsedSubject.value], new Map([[parsedSubject.value.key, record]]), options.nowMs);
        changed = [parsedSubject.value];
      }
    }
    const subject = parseSubjectId(objection.subject);
    const rules = subject.ok ? governing(context, subject.value, record) : [];
    await tellAndAudit(
      context,
      tx,
      options.nowMs,
      objectionNotice(
        { kind: 'objection.decided', outcome: request.outcome, reasons },
        objection,
        record,
        ruleInfo(rules[0], record),
      ),
      {
        kind: 'objection.decided',
        actor: request.reviewer,
        subject: objection.subject,
        payload: {
          objectionId: objection.id,
          recordId: record.id,
          outcome: request.outcome,
          ...(retractionRecordId === undefined ? {} : { retractionRecordId }),
        },
      },
    );
    return ok(decided);
  });
  await notifySubjectsChanged(context, changed);
  return result;
}
