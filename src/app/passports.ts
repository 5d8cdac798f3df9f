/**
 * A Chinese citizen's passport, linked to the resident ID that is the subject. Decisions, explanations and new
 * records by the passport then reach the person: the documented evasion (buying tickets by passport while listed
 * by resident ID) does not work. A passport that already has records of its own is not linked (merging two
 * histories is a decision for a person, not for this command).
 */
import { parseSubjectId, type SubjectId } from '../core/identifiers.ts';
import { fail, ok, type Result } from '../core/result.ts';
import { appendAudit } from './audit-chain.ts';
import type { AppContext } from './context.ts';

export async function linkPassport(
  context: AppContext,
  request: { readonly subject: string; readonly passport: string },
  options: { readonly nowMs: number; readonly actor: string },
): Promise<Result<{ subject: string; passport: string }>> {
  const subject = parseSubjectId(request.subject);
  if (!subject.ok) return fail(subject.problem.code, subject.problem.message, 'subject');
  if (subject.value.scheme !== 'resident_id')
    return fail('not_a_resident', 'a passport is linked to a resident ID', 'subject');
  const passport = parseSubjectId(request.passport);
  if (!passport.ok) return fail(passport.problem.code, passport.problem.message, 'passport');
  if (passport.value.scheme !== 'passport' || !passport.value.key.startsWith('passport:CHN:')) {
    return fail(
      'not_a_chinese_passport',
      'only a Chinese passport (nationality CHN) belongs to a resident ID',
      'passport',
    );
  }
  const result = await context.store.transaction(async (tx) => {
    const linked = await tx.subjectsOfPassports([passport.value.key]);
    const owner = linked.get(passport.value.key);
    if (owner !== undefined) {
      return fail<{ subject: string; passport: string }>(
        'passport_linked',
        'this passport is already linked to another resident ID',
        'passport',
      );
    }
    const records = (await tx.recordsOf([passport.value.key])).get(passport.value.key) ?? [];
    if (records.length > 0) {
      return fail<{ subject: string; passport: string }>(
        'passport_has_records',
        `this passport has ${records.length} records of its own; they are not merged into the resident's`,
        'passport',
      );
    }
    await tx.putSubjects([subject.value]);
    await tx.linkPassports([{ passport: passport.value.key, subject: subject.value.key, linkedAtMs: options.nowMs }]);
    const event = {
      atMs: options.nowMs,
      kind: 'passport.linked',
      actor: options.actor,
      subject: subject.value.key,
      payload: { passport: context.keys.lookup(passport.value.key) },
    };
    await appendAudit(tx, context.keys, [event]);
    return ok({ subject: subject.value.key, passport: passport.value.key });
  });
  if (result.ok)
    for (const observer of context.observers) await observer.passportLinked?.(result.value.passport, subject.value);
  return result;
}

/** The subject an identifier stands for: a linked passport's resident ID, or the identifier itself. */
export async function resolveSubject(context: AppContext, subject: SubjectId): Promise<SubjectId> {
  if (subject.scheme !== 'passport') return subject;
  const owner = (await context.store.subjectsOfPassports([subject.key])).get(subject.key);
  if (owner === undefined) return subject;
  const parsed = parseSubjectId(owner);
  return parsed.ok ? parsed.value : subject;
}
