/**
 * Notices: what a subject is told when a write changes its standing. Computed by comparing the subject's
 * derivation before and after the write (a new record, a retraction), so that every effect, including effects a
 * backdated record has on later ones, is told: a listing started, extended, ended early or withdrawn; points
 * deducted, awarded, changed or withdrawn; a grade changed. Adverse notices say how and by when to object.
 * Every notice says what happened, under which rule and version, the legal basis, the evidence, until when, in
 * zh-CN and en. The app commits notices in the same transaction as the effects (an outbox): no secret listings.
 */
import type { CatalogSet } from './catalog-set.ts';
import type { CatalogVersion, Rule } from './catalog.ts';
import { dayMs } from './constants.ts';
import { gradeAt, type Derivation, type Listing, type PointsEntry, type PointsStanding } from './derive.ts';
import type { RecordFact } from './record.ts';
import { isoFromMs } from './time.ts';

export type NoticeKind =
  | 'listing.started'
  | 'listing.extended'
  | 'listing.ended'
  | 'listing.withdrawn'
  | 'points.deducted'
  | 'points.awarded'
  | 'points.changed'
  | 'points.withdrawn'
  | 'grade.changed'
  | 'objection.filed'
  | 'objection.decided'
  | 'repair.applied'
  | 'repair.decided';

type Localized = { readonly 'zh-CN': string; readonly en: string };

export interface NoticeDraft {
  readonly subject: string;
  readonly kind: NoticeKind;
  readonly adverse: boolean;
  readonly scheme: string;
  readonly version: number;
  /** The record whose effect this is (for a grade change: the write's record). */
  readonly recordId: number;
  readonly code: string;
  readonly rule: Localized;
  readonly legalBasis: string;
  readonly evidence: string;
  readonly effectiveAtMs: number;
  readonly untilMs?: number;
  /** For adverse notices: object by this instant (the scheme's window from the notice). */
  readonly objectionDeadlineMs?: number;
  readonly details: Readonly<Record<string, unknown>>;
  readonly measures: readonly {
    readonly measure: string;
    readonly title: Localized;
    readonly actions: readonly string[];
  }[];
  readonly text: Localized;
}

const day = (ms: number) => isoFromMs(ms).slice(0, 10);
const listingKey = (l: Listing) => `${l.list}\u0000${l.recordId}\u0000${l.trigger}`;
const entryKey = (e: PointsEntry) => `${e.scheme}\u0000${e.recordId}\u0000${e.code}`;

function versionOf(catalogs: CatalogSet, scheme: string, version: number): CatalogVersion | undefined {
  return catalogs.versionsOf(scheme).find((v) => v.version === version);
}

interface Context {
  readonly catalogs: CatalogSet;
  readonly subject: string;
  readonly records: ReadonlyMap<number, RecordFact>;
  readonly nowMs: number;
}

function basis(c: Context, scheme: string, version: number, recordId: number, code: string) {
  const v = versionOf(c.catalogs, scheme, version);
  const rule: Rule | undefined = v?.catalog.rules.find((r) => r.code === code);
  const record = c.records.get(recordId);
  return {
    v,
    rule: rule?.title ?? { 'zh-CN': code, en: code },
    legalBasis: rule?.legalBasis ?? '',
    evidence: record?.evidence ?? '',
    effectiveAtMs: record?.effectiveAtMs ?? c.nowMs,
    windowDays: v?.catalog.scheme.objectionWindowDays ?? 15,
  };
}

function objection(
  c: Context,
  adverse: boolean,
  windowDays: number,
): { objectionDeadlineMs?: number; zh: string; en: string } {
  if (!adverse) return { zh: '', en: '' };
  const deadline = c.nowMs + windowDays * dayMs;
  return {
    objectionDeadlineMs: deadline,
    zh: `如有异议，请于${day(deadline)}前（${windowDays}日内）提出。`,
    en: ` You may object until ${day(deadline)} (${windowDays} days).`,
  };
}

function measuresOfListing(v: CatalogVersion | undefined, list: string) {
  return (v?.catalog.measures ?? [])
    .filter((m) => 'list' in m.on && m.on.list === list)
    .map((m) => ({ measure: m.id, title: m.title, actions: m.actions }));
}

function measuresOfGrade(v: CatalogVersion | undefined, grade: string) {
  return (v?.catalog.measures ?? [])
    .filter((m) => 'grades' in m.on && m.on.grades.includes(grade))
    .map((m) => ({ measure: m.id, title: m.title, actions: m.actions }));
}

function listingNotice(c: Context, kind: NoticeKind, l: Listing, previousEndMs?: number): NoticeDraft {
  const b = basis(c, l.scheme, l.version, l.recordId, l.code);
  const definition = b.v?.catalog.scheme.lists.find((x) => x.id === l.list);
  const black = definition?.color !== 'red';
  const adverse = black
    ? kind === 'listing.started' || kind === 'listing.extended'
    : kind === 'listing.ended' || kind === 'listing.withdrawn';
  const title = definition?.title ?? { 'zh-CN': l.list, en: l.list };
  const o = objection(c, adverse, b.windowDays);
  const measures = measuresOfListing(b.v, l.list);
  const measureText = {
    zh: measures.length === 0 ? '' : `相关措施：${measures.map((m) => m.title['zh-CN']).join('；')}。`,
    en:
      measures.length === 0
        ? ''
        : ` Measures: ${measures.map((m) => `${m.title.en} (${m.actions.join(', ')})`).join('; ')}.`,
  };
  const until = l.untilDelisted
    ? {
        zh: `至履行义务时止，最迟至${day(l.endMs)}`,
        en: `until the obligation is performed, at the latest until ${day(l.endMs)}`,
      }
    : { zh: `至${day(l.endMs)}`, en: `until ${day(l.endMs)}` };
  const ruleText = {
    zh: `依据规则${l.code}（${b.rule['zh-CN']}，${l.scheme} 第${l.version}版），法律依据：${b.legalBasis}；证据：${b.evidence}。`,
    en: ` Rule ${l.code} (${b.rule.en}, ${l.scheme} v${l.version}); legal basis: ${b.legalBasis}; evidence: ${b.evidence}.`,
  };
  const what = {
    'listing.started': {
      zh: `您自${day(l.startMs)}起被列入“${title['zh-CN']}”，${until.zh}。`,
      en: `You are on the list "${title.en}" from ${day(l.startMs)}, ${until.en}.`,
    },
    'listing.extended': {
      zh: `您在“${title['zh-CN']}”的期限由${day(previousEndMs ?? l.endMs)}延长至${day(l.endMs)}。`,
      en: `Your listing on "${title.en}" is extended from ${day(previousEndMs ?? l.endMs)} to ${day(l.endMs)}.`,
    },
    'listing.ended': {
      zh: `您已于${day(l.endMs)}移出“${title['zh-CN']}”。`,
      en: `Your listing on "${title.en}" ended on ${day(l.endMs)}.`,
    },
    'listing.withdrawn': {
      zh: `您在“${title['zh-CN']}”的列入记录已撤销，视为从未列入。`,
      en: `Your listing on "${title.en}" is withdrawn: the record behind it was retracted.`,
    },
  }[kind as 'listing.started'];
  return {
    subject: c.subject,
    kind,
    adverse,
    scheme: l.scheme,
    version: l.version,
    recordId: kind === 'listing.ended' ? (l.endedBy ?? l.recordId) : l.recordId,
    code: l.code,
    rule: b.rule,
    legalBasis: b.legalBasis,
    evidence: b.evidence,
    effectiveAtMs: kind === 'listing.ended' ? l.endMs : l.startMs,
    untilMs: l.endMs,
    ...(o.objectionDeadlineMs === undefined ? {} : { objectionDeadlineMs: o.objectionDeadlineMs }),
    details: {
      list: l.list,
      listTitle: title,
      start: l.startMs,
      end: l.endMs,
      untilDelisted: l.untilDelisted,
      trigger: l.trigger,
      ...(previousEndMs === undefined ? {} : { previousEnd: previousEndMs }),
    },
    measures: kind === 'listing.started' || kind === 'listing.extended' ? measures : [],
    text: {
      'zh-CN': `${what.zh}${ruleText.zh}${kind === 'listing.started' ? measureText.zh : ''}${o.zh}`,
      en: `${what.en}${ruleText.en}${kind === 'listing.started' ? measureText.en : ''}${o.en}`,
    },
  };
}

function entryNotice(c: Context, kind: NoticeKind, e: PointsEntry, previousPoints?: number): NoticeDraft {
  const b = basis(c, e.scheme, e.version, e.recordId, e.code);
  const points = kind === 'points.withdrawn' ? -e.points : e.points - (previousPoints ?? 0);
  const adverse = points < 0;
  const o = objection(c, adverse, b.windowDays);
  const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
  const what = {
    'points.deducted': {
      zh: `扣减${-e.points}分，有效期至${day(e.untilMs)}。`,
      en: `${signed(e.points)} points, counting until ${day(e.untilMs)}.`,
    },
    'points.awarded': {
      zh: `加${e.points}分，有效期至${day(e.untilMs)}。`,
      en: `${signed(e.points)} points, counting until ${day(e.untilMs)}.`,
    },
    'points.changed': {
      zh: `该记录的分值由${previousPoints ?? 0}变为${e.points}（${e.multiplier > 1 ? `重复违法加倍×${e.multiplier}` : '重新计算'}）。`,
      en: `The points of this record change from ${signed(previousPoints ?? 0)} to ${signed(e.points)}${e.multiplier > 1 ? ` (repeat within validity, x${e.multiplier})` : ''}.`,
    },
    'points.withdrawn': {
      zh: `该记录已撤销，其${e.points}分不再计算。`,
      en: `This record was retracted; its ${signed(e.points)} points no longer count.`,
    },
  }[kind as 'points.deducted'];
  return {
    subject: c.subject,
    kind,
    adverse,
    scheme: e.scheme,
    version: e.version,
    recordId: e.recordId,
    code: e.code,
    rule: b.rule,
    legalBasis: b.legalBasis,
    evidence: b.evidence,
    effectiveAtMs: e.fromMs,
    untilMs: e.untilMs,
    ...(o.objectionDeadlineMs === undefined ? {} : { objectionDeadlineMs: o.objectionDeadlineMs }),
    details: {
      points: e.points,
      ...(previousPoints === undefined ? {} : { previousPoints }),
      multiplier: e.multiplier,
      capped: e.capped,
    },
    measures: [],
    text: {
      'zh-CN': `${what.zh}依据规则${e.code}（${b.rule['zh-CN']}，${e.scheme} 第${e.version}版），法律依据：${b.legalBasis}；证据：${b.evidence}。${o.zh}`,
      en: `${what.en} Rule ${e.code} (${b.rule.en}, ${e.scheme} v${e.version}); legal basis: ${b.legalBasis}; evidence: ${b.evidence}.${o.en}`,
    },
  };
}

/**
 * The notices a write owes a subject: every difference between its derivation before and after, plus grade
 * changes at `nowMs`. `cause` is the write's own record (named by grade-change notices).
 */
export function noticesFor(
  catalogs: CatalogSet,
  before: Derivation | undefined,
  after: Derivation,
  records: readonly RecordFact[],
  cause: RecordFact,
  nowMs: number,
): NoticeDraft[] {
  const c: Context = { catalogs, subject: after.subject, records: new Map(records.map((r) => [r.id, r])), nowMs };
  const notices: NoticeDraft[] = [];

  const listingsBefore = new Map((before?.listings ?? []).map((l) => [listingKey(l), l]));
  const listingsAfter = new Map(after.listings.map((l) => [listingKey(l), l]));
  for (const [key, l] of listingsAfter) {
    const previous = listingsBefore.get(key);
    if (previous === undefined) {
      notices.push(listingNotice(c, 'listing.started', l));
      // Started and already ended by a record in the same write (a batch holding both): both are told.
      if (l.endedBy !== undefined) notices.push(listingNotice(c, 'listing.ended', l));
    } else if (l.endMs > previous.endMs) notices.push(listingNotice(c, 'listing.extended', l, previous.endMs));
    else if (l.endMs < previous.endMs) notices.push(listingNotice(c, 'listing.ended', l, previous.endMs));
  }
  for (const [key, l] of listingsBefore)
    if (!listingsAfter.has(key)) notices.push(listingNotice(c, 'listing.withdrawn', l));

  const entriesBefore = new Map((before?.entries ?? []).map((e) => [entryKey(e), e]));
  const entriesAfter = new Map(after.entries.map((e) => [entryKey(e), e]));
  for (const [key, e] of entriesAfter) {
    const previous = entriesBefore.get(key);
    if (previous === undefined) {
      if (e.points !== 0) notices.push(entryNotice(c, e.points < 0 ? 'points.deducted' : 'points.awarded', e));
    } else if (previous.points !== e.points) notices.push(entryNotice(c, 'points.changed', e, previous.points));
  }
  for (const [key, e] of entriesBefore)
    if (!entriesAfter.has(key) && e.points !== 0) notices.push(entryNotice(c, 'points.withdrawn', e));

  // A grade change at the moment of the write (a direct grade, a band crossed).
  for (const schemeId of catalogs.schemeIds) {
    const v = catalogs.inForce(schemeId, nowMs);
    const points = v?.catalog.scheme.points;
    if (v === undefined || points === undefined || !v.catalog.scheme.subjectKinds.includes(after.kind)) continue;
    const was = gradeAt(v, before?.entries ?? [], before?.grades ?? [], nowMs);
    const is = gradeAt(v, after.entries, after.grades, nowMs);
    if (was.grade === is.grade) continue;
    notices.push(
      gradeNotice(
        c,
        v,
        was,
        is,
        { recordId: cause.id, code: cause.code, version: v.version, evidence: cause.evidence, atMs: nowMs },
        (b, o, measures, title) => ({
          untilMs: is.directGrade?.untilMs,
          details: {
            from: was.grade,
            to: is.grade,
            score: is.score,
            previousScore: was.score,
            direct: is.gradeSource === 'direct',
          },
          zh: `您在“${title['zh-CN']}”的等级由${was.grade}变为${is.grade}（${is.score}分），起因：记录${cause.code}（${b.rule['zh-CN']}）；证据：${cause.evidence}。${measures.length > 0 ? `相关措施：${measures.map((m) => m.title['zh-CN']).join('；')}。` : ''}${o.zh}`,
          en: `Your grade in "${title.en}" changed from ${was.grade} to ${is.grade} (${is.score} points), after record ${cause.code} (${b.rule.en}); evidence: ${cause.evidence}.${measures.length > 0 ? ` Measures: ${measures.map((m) => `${m.title.en} (${m.actions.join(', ')})`).join('; ')}.` : ''}${o.en}`,
        }),
      ),
    );
  }
  return notices;
}

/**
 * Every step of an objection is told too: that it was received (and by when it will be decided), and the
 * decision with its reasons. Neither is adverse in itself: an upheld record was already notified.
 */
export function objectionNotice(
  step:
    | { readonly kind: 'objection.filed'; readonly reviewDueAtMs: number }
    | { readonly kind: 'objection.decided'; readonly outcome: 'upheld' | 'overturned'; readonly reasons: string },
  objection: { readonly id: number; readonly subject: string },
  record: RecordFact,
  rule: { readonly scheme: string; readonly version: number; readonly title: Localized; readonly legalBasis: string },
): NoticeDraft {
  const what =
    step.kind === 'objection.filed'
      ? {
          zh: `您对记录${record.id}（${rule.title['zh-CN']}）的异议（编号${objection.id}）已受理，将于${day(step.reviewDueAtMs)}前作出决定；处理期间该记录标注为“有异议”。`,
          en: `Your objection ${objection.id} to record ${record.id} (${rule.title.en}) was received and will be decided by ${day(step.reviewDueAtMs)}; until then the record is marked disputed.`,
        }
      : step.outcome === 'overturned'
        ? {
            zh: `您对记录${record.id}（${rule.title['zh-CN']}）的异议（编号${objection.id}）成立：该记录已撤销，相关分数、等级、名单与措施已重新计算。理由：${step.reasons}`,
            en: `Your objection ${objection.id} to record ${record.id} (${rule.title.en}) is upheld in your favour: the record is retracted and every score, grade, listing and measure that depended on it is recomputed. Reasons: ${step.reasons}`,
          }
        : {
            zh: `您对记录${record.id}（${rule.title['zh-CN']}）的异议（编号${objection.id}）不成立，该记录维持。理由：${step.reasons}`,
            en: `Your objection ${objection.id} to record ${record.id} (${rule.title.en}) is rejected; the record stands. Reasons: ${step.reasons}`,
          };
  return stepNotice(
    objection.subject,
    step.kind,
    record,
    rule,
    {
      objection: objection.id,
      ...(step.kind === 'objection.filed'
        ? { reviewDue: step.reviewDueAtMs }
        : { outcome: step.outcome, reasons: step.reasons }),
    },
    what,
  );
}

/** The steps of a repair application, told to the subject: received (and by when decided), and the decision. */
export function repairNotice(
  step:
    | { readonly kind: 'repair.applied'; readonly reviewDueAtMs: number }
    | { readonly kind: 'repair.decided'; readonly outcome: 'approved' | 'refused'; readonly reasons: string },
  repair: { readonly id: number; readonly subject: string; readonly list?: string },
  record: RecordFact,
  rule: { readonly scheme: string; readonly version: number; readonly title: Localized; readonly legalBasis: string },
): NoticeDraft {
  const target =
    repair.list === undefined
      ? { zh: '等级', en: 'grade' }
      : { zh: `名单“${repair.list}”`, en: `listing on ${repair.list}` };
  const what =
    step.kind === 'repair.applied'
      ? {
          zh: `您就记录${record.id}（${rule.title['zh-CN']}）提出的信用修复申请（编号${repair.id}）已受理，将于${day(step.reviewDueAtMs)}前作出决定。`,
          en: `Your repair application ${repair.id} for the ${target.en} from record ${record.id} (${rule.title.en}) was received and will be decided by ${day(step.reviewDueAtMs)}.`,
        }
      : step.outcome === 'approved'
        ? {
            zh: `您的信用修复申请（编号${repair.id}）已批准：${target.zh}提前结束。理由：${step.reasons}`,
            en: `Your repair application ${repair.id} is approved: the ${target.en} ends early. Reasons: ${step.reasons}`,
          }
        : {
            zh: `您的信用修复申请（编号${repair.id}）未获批准。理由：${step.reasons}`,
            en: `Your repair application ${repair.id} is refused. Reasons: ${step.reasons}`,
          };
  return stepNotice(
    repair.subject,
    step.kind,
    record,
    rule,
    {
      repair: repair.id,
      ...(repair.list === undefined ? {} : { list: repair.list }),
      ...(step.kind === 'repair.applied'
        ? { reviewDue: step.reviewDueAtMs }
        : { outcome: step.outcome, reasons: step.reasons }),
    },
    what,
  );
}

/**
 * What the passing of time did to a subject between two instants, with no record written: listings that reached
 * the end of their term, and grades that changed because entries or direct grades stopped counting (a grade
 * rising when a deduction expires, or dropping when a bonus does). Told like any other effect.
 */
export function expiryNotices(
  catalogs: CatalogSet,
  derivation: Derivation,
  records: readonly RecordFact[],
  fromMs: number,
  toMs: number,
): NoticeDraft[] {
  const c: Context = {
    catalogs,
    subject: derivation.subject,
    records: new Map(records.map((r) => [r.id, r])),
    nowMs: toMs,
  };
  const within = (ms: number) => fromMs < ms && ms <= toMs;
  const notices: NoticeDraft[] = [];
  for (const l of derivation.listings) {
    if (l.endedBy === undefined && within(l.endMs)) notices.push(listingNotice(c, 'listing.ended', l));
  }
  for (const schemeId of catalogs.schemeIds) {
    const v = catalogs.inForce(schemeId, toMs);
    const points = v?.catalog.scheme.points;
    if (v === undefined || points === undefined || !v.catalog.scheme.subjectKinds.includes(derivation.kind)) continue;
    const ended = [...derivation.entries, ...derivation.grades].filter(
      (w) => w.scheme === schemeId && within(w.untilMs),
    );
    if (ended.length === 0) continue;
    const was = gradeAt(catalogs.inForce(schemeId, fromMs) ?? v, derivation.entries, derivation.grades, fromMs);
    const is = gradeAt(v, derivation.entries, derivation.grades, toMs);
    if (was.grade === is.grade) continue;
    const last = ended.reduce((a, b) => (b.untilMs > a.untilMs ? b : a));
    const evidence = c.records.get(last.recordId)?.evidence ?? '';
    notices.push(
      gradeNotice(
        c,
        v,
        was,
        is,
        { recordId: last.recordId, code: last.code, version: last.version, evidence, atMs: last.untilMs },
        (b, o, _measures, title) => ({
          untilMs: undefined,
          details: { from: was.grade, to: is.grade, score: is.score, previousScore: was.score, expired: true },
          zh: `记录${last.recordId}（${b.rule['zh-CN']}）于${day(last.untilMs)}到期不再计分，您在“${title['zh-CN']}”的等级由${was.grade}变为${is.grade}（${is.score}分）。${o.zh}`,
          en: `Record ${last.recordId} (${b.rule.en}) stopped counting on ${day(last.untilMs)}: your grade in "${title.en}" changed from ${was.grade} to ${is.grade} (${is.score} points).${o.en}`,
        }),
      ),
    );
  }
  return notices;
}

/**
 * A notice of a due-process step about a record (an objection or a repair application, received or decided).
 * Never adverse in itself: a refusal changes nothing already notified and open to objection.
 */
function stepNotice(
  subject: string,
  kind: NoticeKind,
  record: RecordFact,
  rule: { readonly scheme: string; readonly version: number; readonly title: Localized; readonly legalBasis: string },
  details: Readonly<Record<string, unknown>>,
  what: { readonly zh: string; readonly en: string },
): NoticeDraft {
  return {
    subject,
    kind,
    adverse: false,
    scheme: rule.scheme,
    version: rule.version,
    recordId: record.id,
    code: record.code,
    rule: rule.title,
    legalBasis: rule.legalBasis,
    evidence: record.evidence,
    effectiveAtMs: record.effectiveAtMs,
    details,
    measures: [],
    text: { 'zh-CN': what.zh, en: what.en },
  };
}

/**
 * A grade change, whatever caused it (a write, or an entry that stopped counting): adverse when the grade gets
 * worse, with the measures of the new grade; `tell` words the cause.
 */
function gradeNotice(
  c: Context,
  v: CatalogVersion,
  was: PointsStanding,
  is: PointsStanding,
  cause: {
    readonly recordId: number;
    readonly code: string;
    readonly version: number;
    readonly evidence: string;
    readonly atMs: number;
  },
  tell: (
    b: ReturnType<typeof basis>,
    o: ReturnType<typeof objection>,
    measures: ReturnType<typeof measuresOfGrade>,
    title: Localized,
  ) => { untilMs: number | undefined; details: Readonly<Record<string, unknown>>; zh: string; en: string },
): NoticeDraft {
  const order = v.catalog.scheme.points?.grades.map((g) => g.grade) ?? [];
  const adverse = order.indexOf(is.grade) > order.indexOf(was.grade);
  const b = basis(c, v.schemeId, cause.version, cause.recordId, cause.code);
  const o = objection(c, adverse, v.catalog.scheme.objectionWindowDays);
  const measures = measuresOfGrade(v, is.grade);
  const told = tell(b, o, measures, v.catalog.scheme.title);
  return {
    subject: c.subject,
    kind: 'grade.changed',
    adverse,
    scheme: v.schemeId,
    version: v.version,
    recordId: cause.recordId,
    code: cause.code,
    rule: b.rule,
    legalBasis: b.legalBasis,
    evidence: cause.evidence,
    effectiveAtMs: cause.atMs,
    ...(told.untilMs === undefined ? {} : { untilMs: told.untilMs }),
    ...(o.objectionDeadlineMs === undefined ? {} : { objectionDeadlineMs: o.objectionDeadlineMs }),
    details: told.details,
    measures,
    text: { 'zh-CN': told.zh, en: told.en },
  };
}
