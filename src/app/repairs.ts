/**
 * Use cases: repair. A subject applies to end early a listing (on a list that declares a repair policy) or a
 * direct grade (set by a rule that declares one), once the minimum period has run and affirming every declared
 * condition; a reviewer decides within the policy's working days. Approval stores a repair record that ends, at
 * its instant, what the named record brought; the fold (derive.ts) applies it, so rebuild reproduces it, and the
 * notices of the ending follow from the derivation's difference as for any write. (A court defaulter listing needs
 * no application: the performance record ends it the moment it lands.)
 */
import type { RepairPolicy } from '../core/catalog.ts';
import { addWorkingDays, calendarOf } from '../core/calendar.ts';
import type { CatalogSet } from '../core/catalog-set.ts';
import { dayMs, reasonLengthMax, systemReferencePrefix } from '../core/constants.ts';
import type { Derivation } from '../core/derive.ts';
import { parseSubjectId, type SubjectId } from '../core/identifiers.ts';
import { repairNotice } from '../core/notices.ts';
import type { RecordDraft, RecordFact } from '../core/record.ts';
import { fail, ok, type Result } from '../core/result.ts';
import { isoFromMs } from '../core/time.ts';
import type { Repair } from '../store/ports.ts';
import { notifySubjectsChanged, type AppContext } from './context.ts';
import { rederive } from './records.ts';
import { recordDigest } from './audit-chain.ts';
import { tellAndAudit } from './steps.ts';

interface Target {
  readonly policy: RepairPolicy;
  readonly startMs: number;
  readonly scheme: string;
  readonly version: number;
}

/** Something a record brought that is in force at an instant, and the repair policy it falls under (if any). */
export interface Repairable {
  readonly scheme: string;
  readonly version: number;
  /** A listing on this list; absent for a direct grade. */
  readonly list?: string;
  /** A direct grade; absent for a listing. */
  readonly grade?: string;
  readonly startMs: number;
  readonly policy: RepairPolicy | undefined;
}

/**
 * The listings and direct grades a record brought that are in force at `nowMs`, each with its repair policy: the
 * list's for a listing, the rule's for a grade (the version that made it). applyRepair checks against these; the
 * explanation shows them.
 */
export function repairablesOf(
  catalogs: CatalogSet,
  derivation: Derivation | undefined,
  recordId: number,
  nowMs: number,
): Repairable[] {
  const active = (from: number, until: number) => from <= nowMs && nowMs < until;
  const versionOf = (scheme: string, version: number) =>
    catalogs.versionsOf(scheme).find((v) => v.version === version)?.catalog;
  return [
    ...(derivation?.listings ?? [])
      .filter((l) => l.recordId === recordId && active(l.startMs, l.endMs))
      .map((l) => ({
        scheme: l.scheme,
        version: l.version,
        list: l.list,
        startMs: l.startMs,
        policy: versionOf(l.scheme, l.version)?.scheme.lists.find((x) => x.id === l.list)?.repair,
      })),
    ...(derivation?.grades ?? [])
      .filter((g) => g.recordId === recordId && active(g.fromMs, g.untilMs))
      .map((g) => ({
        scheme: g.scheme,
        version: g.version,
        grade: g.grade,
        startMs: g.fromMs,
        policy: versionOf(g.scheme, g.version)?.rules.find((r) => r.code === g.code)?.repair,
      })),
  ];
}

/** What the record brought that is still in force and may be repaired: the listing on `list`, or its direct grade. */
function targetOf(
  context: AppContext,
  derivation: Derivation | undefined,
  record: RecordFact,
  list: string | undefined,
  nowMs: number,
): Result<Target> {
  const repairables = repairablesOf(context.catalogs, derivation, record.id, nowMs);
  if (list !== undefined) {
    const listing = repairables.find((r) => r.list === list);
    if (listing === undefined)
      return fail('nothing_to_repair', `record ${record.id} brought no listing on ${list} in force now`, 'list');
    if (listing.policy === undefined)
      return fail('no_repair_policy', `list ${list} declares no repair; it ends as its rules say`, 'list');
    return ok({ ...listing, policy: listing.policy });
  }
  const grade = repairables.find((r) => r.grade !== undefined);
  if (grade === undefined)
    return fail(
      'nothing_to_repair',
      `record ${record.id} set no grade in force now; name the list for a listing`,
      'recordId',
    );
  if (grade.policy === undefined)
    return fail('no_repair_policy', `rule ${record.code} declares no repair for its grade`, 'recordId');
  return ok({ ...grade, policy: grade.policy });
}

function ruleOf(context: AppContext, target: { scheme: string; version: number }, record: RecordFact) {
  const version = context.catalogs.versionsOf(target.scheme).find((v) => v.version === target.version);
  const rule = version?.catalog.rules.find((r) => r.code === record.code);
  return {
    scheme: target.scheme,
    version: target.version,
    title: rule?.title ?? { 'zh-CN': record.code, en: record.code },
    legalBasis: rule?.legalBasis ?? '',
    jurisdiction: version?.catalog.scheme.jurisdiction ?? '000000',
  };
}

export async function applyRepair(
  context: AppContext,
  request: {
    readonly subject: string;
    readonly recordId: number;
    readonly list?: string;
    readonly conditions: readonly string[];
    readonly statement: string;
  },
  options: { readonly nowMs: number; readonly actor: string },
): Promise<Result<Repair>> {
  const parsed = parseSubjectId(request.subject);
  if (!parsed.ok) return fail(parsed.problem.code, parsed.problem.message, 'subject');
  const subject = parsed.value;
  const statement = request.statement.trim();
  if (statement === '' || statement.length > reasonLengthMax) {
    return fail(
      'invalid_statement',
      `a statement of how the conditions are met is required, at most ${reasonLengthMax} characters`,
      'statement',
    );
  }
  return context.store.transaction(async (tx): Promise<Result<Repair>> => {
    const records = (await tx.recordsOf([subject.key])).get(subject.key) ?? [];
    const record = records.find((r) => r.id === request.recordId && r.retracts === undefined && r.ends === undefined);
    if (record === undefined)
      return fail('record_not_found', `the subject has no record ${request.recordId}`, 'recordId');
    const derivation = (await tx.derivationsOf([subject.key])).get(subject.key);
    const target = targetOf(context, derivation, record, request.list, options.nowMs);
    if (!target.ok) return target;
    const { policy, startMs } = target.value;
    const earliestMs = startMs + policy.minimumDays * dayMs;
    if (options.nowMs < earliestMs) {
      return fail(
        'repair_too_early',
        `repair may be applied for from ${isoFromMs(earliestMs)} (${policy.minimumDays} days served)`,
        'recordId',
      );
    }
    const missing = policy.conditions.filter((c) => !request.conditions.includes(c));
    if (missing.length > 0)
      return fail('repair_conditions_unmet', `the application must affirm: ${missing.join(', ')}`, 'conditions');
    if (await tx.openRepairOf(record.id))
      return fail('repair_pending', `record ${record.id} already has an open repair application`, 'recordId');
    const rule = ruleOf(context, target.value, record);
    const calendar = calendarOf(
      (await context.store.calendar(rule.jurisdiction)) ?? { jurisdiction: rule.jurisdiction, utcOffsetMinutes: 480 },
    );
    const repair = await tx.insertRepair({
      subject: subject.key,
      recordId: record.id,
      ...(request.list === undefined ? {} : { list: request.list }),
      appliedAtMs: options.nowMs,
      conditions: [...policy.conditions],
      statement,
      reviewDueAtMs: addWorkingDays(calendar, options.nowMs, policy.reviewWorkingDays),
      status: 'open',
    });
    await tellAndAudit(
      context,
      tx,
      options.nowMs,
      repairNotice({ kind: 'repair.applied', reviewDueAtMs: repair.reviewDueAtMs }, repair, record, rule),
      {
        kind: 'repair.applied',
        actor: options.actor,
        subject: subject.key,
        payload: {
          repairId: repair.id,
          recordId: record.id,
          list: request.list ?? null,
          reviewDueAtMs: repair.reviewDueAtMs,
        },
      },
    );
    return ok(repair);
  });
}

export async function decideRepair(
  context: AppContext,
  request: {
    readonly repairId: number;
    readonly outcome: 'approved' | 'refused';
    readonly reasons: string;
    readonly reviewer: string;
  },
  options: { readonly nowMs: number },
): Promise<Result<Repair>> {
  const reasons = request.reasons.trim();
  if (reasons === '' || reasons.length > reasonLengthMax)
    return fail('invalid_reasons', `reasons are required, at most ${reasonLengthMax} characters`, 'reasons');
  let changed: SubjectId[] = [];
  const result = await context.store.transaction(async (tx): Promise<Result<Repair>> => {
    const repair = await tx.repair(request.repairId);
    if (repair === undefined) return fail('repair_not_found', `no repair application ${request.repairId}`, 'id');
    if (repair.status !== 'open')
      return fail('repair_decided', `repair application ${repair.id} was already decided (${repair.status})`, 'id');
    const records = (await tx.recordsOf([repair.subject])).get(repair.subject) ?? [];
    const record = records.find((r) => r.id === repair.recordId);
    if (record === undefined) throw new Error(`repair ${repair.id} names a missing record`);
    const subject = (await tx.subjectsOf([repair.subject])).get(repair.subject);
    if (subject === undefined) throw new Error(`repair ${repair.id} names an unregistered subject`);
    const derivation = (await tx.derivationsOf([repair.subject])).get(repair.subject);
    const target = targetOf(context, derivation, record, repair.list, options.nowMs);
    let repairRecordId: number | undefined;
    let repairRecordDigest: string | undefined;
    if (request.outcome === 'approved' && target.ok) {
      const draft: RecordDraft = {
        agency: record.agency,
        agencyRef: `${systemReferencePrefix}repair-${repair.id}`,
        subject: record.subject,
        code: record.code,
        effectiveAtMs: options.nowMs,
        evidence: `repair ${repair.id} approved: ${reasons}`,
      };
      const [stored] = await tx.insertRecords([{ draft, recordedAtMs: options.nowMs, ends: record.id }]);
      if (stored === undefined) throw new Error('insert returned nothing');
      repairRecordId = stored.id;
      repairRecordDigest = recordDigest(stored);
      await rederive(context, tx, [subject], new Map([[subject.key, stored]]), options.nowMs);
      changed = [subject];
    }
    const decided: Repair = {
      ...repair,
      status: request.outcome,
      decidedAtMs: options.nowMs,
      decidedBy: request.reviewer,
      decisionReasons: reasons,
      ...(repairRecordId === undefined ? {} : { repairRecordId }),
    };
    await tx.updateRepair(decided);
    const rule = ruleOf(context, target.ok ? target.value : { scheme: '', version: 0 }, record);
    await tellAndAudit(
      context,
      tx,
      options.nowMs,
      repairNotice({ kind: 'repair.decided', outcome: request.outcome, reasons }, repair, record, rule),
      {
        kind: 'repair.decided',
        actor: request.reviewer,
        subject: repair.subject,
        payload: {
          repairId: repair.id,
          outcome: request.outcome,
          repairRecordId: repairRecordId ?? null,
          ...(repairRecordDigest === undefined ? {} : { repairRecordDigest }),
        },
      },
    );
    return ok(decided);
  });
  await notifySubjectsChanged(context, changed);
  return result;
}
