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

/** What the record brought that is still in force and may be repaired: the listing on `list`, or its direct grade. */
function targetOf(
  context: AppContext,
  derivation: Derivation | undefined,
  record: RecordFact,
  list: string | undefined,
  nowMs: number,
): Result<Target> {
  const active = (from: number, until: number) => from <= nowMs && nowMs < until;
  if (list !== undefined) {
    const listing = derivation?.listings.find(
      (l) => l.recordId === record.id && l.list === list && active(l.startMs, l.endMs),
    );
    if (listing === undefined)
      return fail('nothing_to_repair', `record ${record.id} brought no listing on ${list} in force now`, 'list');
    const version = context.catalogs.versionsOf(listing.scheme).find((v) => v.version === listing.version);
    const policy = version?.catalog.scheme.lists.find((l) => l.id === list)?.repair;
    if (policy === undefined)
      return fail('no_repair_policy', `list ${list} declares no repair; it ends as its rules say`, 'list');
    return ok({ policy, startMs: listing.startMs, scheme: listing.scheme, version: listing.version });
  }
  const grade = derivation?.grades.find((g) => g.recordId === record.id && active(g.fromMs, g.untilMs));
  if (grade === undefined)
    return fail(
      'nothing_to_repair',
      `record ${record.id} set no grade in force now; name the list for a listing`,
      'recordId',
    );
  const version = context.catalogs.versionsOf(grade.scheme).find((v) => v.version === grade.version);
  const policy = version?.catalog.rules.find((r) => r.code === grade.code)?.repair;
  if (policy === undefined)
    return fail('no_repair_policy', `rule ${grade.code} declares no repair for its grade`, 'recordId');
  return ok({ policy, startMs: grade.fromMs, scheme: grade.scheme, version: grade.version });
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
