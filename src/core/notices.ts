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

/**
 * What a notice states, as the register keeps it: the facts of one effect, nothing that the published catalog
 * already says. Its words (the rule's title and legal basis, the measures, the text in zh-CN and en) are rendered
 * from these facts and the catalog version they name (renderNotice); catalog versions never change once
 * published, so a notice reads the same whenever it is read, and a city's notices do not store the same legal
 * basis a hundred million times.
 */
export interface NoticeFacts {
  readonly subject: string;
  readonly kind: NoticeKind;
  readonly adverse: boolean;
  readonly scheme: string;
  readonly version: number;
  /** The record whose effect this is (for a grade change: the write's record). */
  readonly recordId: number;
  readonly code: string;
  /** The version the cited rule is read under, where it is not `version` (an older entry that stopped counting). */
  readonly ruleVersion?: number;
  readonly evidence: string;
  readonly effectiveAtMs: number;
  readonly untilMs?: number;
  /** For adverse notices: object by this instant (the scheme's window from the notice). */
  readonly objectionDeadlineMs?: number;
  readonly details: Readonly<Record<string, unknown>>;
}

/** The words of a notice, rendered from its facts and the published catalog. */
export interface NoticeWords {
  readonly rule: Localized;
  readonly legalBasis: string;
  readonly measures: readonly {
    readonly measure: string;
    readonly title: Localized;
    readonly actions: readonly string[];
  }[];
  readonly text: Localized;
}

/** A notice as it is told: its facts and its words. */
export type NoticeDraft = NoticeFacts & NoticeWords;

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

const evidenceOf = (c: Context, recordId: number) => c.records.get(recordId)?.evidence ?? '';

/** The objection deadline an adverse notice carries: the scheme's window from the moment it is told. */
function deadline(c: Context, adverse: boolean, v: CatalogVersion | undefined): { objectionDeadlineMs?: number } {
  return adverse ? { objectionDeadlineMs: c.nowMs + windowDaysOf(v) * dayMs } : {};
}

function windowDaysOf(v: CatalogVersion | undefined): number {
  return v?.catalog.scheme.objectionWindowDays ?? 15;
}

function listDefinition(v: CatalogVersion | undefined, list: string) {
  return v?.catalog.scheme.lists.find((x) => x.id === list);
}

function listingNotice(c: Context, kind: NoticeKind, l: Listing, previousEndMs?: number): NoticeFacts {
  const v = versionOf(c.catalogs, l.scheme, l.version);
  const black = listDefinition(v, l.list)?.color !== 'red';
  const adverse = black
    ? kind === 'listing.started' || kind === 'listing.extended'
    : kind === 'listing.ended' || kind === 'listing.withdrawn';
  return {
    subject: c.subject,
    kind,
    adverse,
    scheme: l.scheme,
    version: l.version,
    recordId: kind === 'listing.ended' ? (l.endedBy ?? l.recordId) : l.recordId,
    code: l.code,
    evidence: evidenceOf(c, l.recordId),
    effectiveAtMs: kind === 'listing.ended' ? l.endMs : l.startMs,
    untilMs: l.endMs,
    ...deadline(c, adverse, v),
    details: {
      list: l.list,
      start: l.startMs,
      end: l.endMs,
      untilDelisted: l.untilDelisted,
      trigger: l.trigger,
      ...(previousEndMs === undefined ? {} : { previousEnd: previousEndMs }),
    },
  };
}

function entryNotice(c: Context, kind: NoticeKind, e: PointsEntry, previousPoints?: number): NoticeFacts {
  const points = kind === 'points.withdrawn' ? -e.points : e.points - (previousPoints ?? 0);
  const adverse = points < 0;
  return {
    subject: c.subject,
    kind,
    adverse,
    scheme: e.scheme,
    version: e.version,
    recordId: e.recordId,
    code: e.code,
    evidence: evidenceOf(c, e.recordId),
    effectiveAtMs: e.fromMs,
    untilMs: e.untilMs,
    ...deadline(c, adverse, versionOf(c.catalogs, e.scheme, e.version)),
    details: {
      points: e.points,
      ...(previousPoints === undefined ? {} : { previousPoints }),
      multiplier: e.multiplier,
      capped: e.capped,
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
): NoticeFacts[] {
  const c: Context = { catalogs, subject: after.subject, records: new Map(records.map((r) => [r.id, r])), nowMs };
  const notices: NoticeFacts[] = [];

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
        {
          untilMs: is.directGrade?.untilMs,
          details: {
            from: was.grade,
            to: is.grade,
            score: is.score,
            previousScore: was.score,
            direct: is.gradeSource === 'direct',
          },
        },
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
  rule: RuleCited,
): NoticeFacts {
  return stepNotice(objection.subject, step.kind, record, rule, {
    objection: objection.id,
    ...(step.kind === 'objection.filed'
      ? { reviewDue: step.reviewDueAtMs }
      : { outcome: step.outcome, reasons: step.reasons }),
  });
}

/** The steps of a repair application, told to the subject: received (and by when decided), and the decision. */
export function repairNotice(
  step:
    | { readonly kind: 'repair.applied'; readonly reviewDueAtMs: number }
    | { readonly kind: 'repair.decided'; readonly outcome: 'approved' | 'refused'; readonly reasons: string },
  repair: { readonly id: number; readonly subject: string; readonly list?: string },
  record: RecordFact,
  rule: RuleCited,
): NoticeFacts {
  return stepNotice(repair.subject, step.kind, record, rule, {
    repair: repair.id,
    ...(repair.list === undefined ? {} : { list: repair.list }),
    ...(step.kind === 'repair.applied'
      ? { reviewDue: step.reviewDueAtMs }
      : { outcome: step.outcome, reasons: step.reasons }),
  });
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
): NoticeFacts[] {
  const c: Context = {
    catalogs,
    subject: derivation.subject,
    records: new Map(records.map((r) => [r.id, r])),
    nowMs: toMs,
  };
  const within = (ms: number) => fromMs < ms && ms <= toMs;
  const notices: NoticeFacts[] = [];
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
    notices.push(
      gradeNotice(
        c,
        v,
        was,
        is,
        {
          recordId: last.recordId,
          code: last.code,
          version: last.version,
          evidence: evidenceOf(c, last.recordId),
          atMs: last.untilMs,
        },
        {
          untilMs: undefined,
          details: { from: was.grade, to: is.grade, score: is.score, previousScore: was.score, expired: true },
        },
      ),
    );
  }
  return notices;
}

/** The rule a due-process step is about: the scheme version it is read under (its title is the catalog's). */
type RuleCited = { readonly scheme: string; readonly version: number };

/**
 * A notice of a due-process step about a record (an objection or a repair application, received or decided).
 * Never adverse in itself: a refusal changes nothing already notified and open to objection.
 */
function stepNotice(
  subject: string,
  kind: NoticeKind,
  record: RecordFact,
  rule: RuleCited,
  details: Readonly<Record<string, unknown>>,
): NoticeFacts {
  return {
    subject,
    kind,
    adverse: false,
    scheme: rule.scheme,
    version: rule.version,
    recordId: record.id,
    code: record.code,
    evidence: record.evidence,
    effectiveAtMs: record.effectiveAtMs,
    details,
  };
}

/**
 * A grade change, whatever caused it (a write, or an entry that stopped counting): adverse when the grade gets
 * worse; its measures are the new grade's.
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
  told: { readonly untilMs: number | undefined; readonly details: Readonly<Record<string, unknown>> },
): NoticeFacts {
  const order = v.catalog.scheme.points?.grades.map((g) => g.grade) ?? [];
  const adverse = order.indexOf(is.grade) > order.indexOf(was.grade);
  return {
    subject: c.subject,
    kind: 'grade.changed',
    adverse,
    scheme: v.schemeId,
    version: v.version,
    recordId: cause.recordId,
    code: cause.code,
    ...(cause.version === v.version ? {} : { ruleVersion: cause.version }),
    evidence: cause.evidence,
    effectiveAtMs: cause.atMs,
    ...(told.untilMs === undefined ? {} : { untilMs: told.untilMs }),
    ...deadline(c, adverse, v),
    details: told.details,
  };
}

// ---- Words: rendered from the facts and the published catalog ----

type Words = { readonly zh: string; readonly en: string };
type Measures = NoticeWords['measures'];

interface Cited {
  readonly v: CatalogVersion | undefined;
  readonly rule: Localized;
  readonly legalBasis: string;
}

function cite(catalogs: CatalogSet, n: NoticeFacts): Cited {
  const v = versionOf(catalogs, n.scheme, n.version);
  const ruleVersion = n.ruleVersion === undefined ? v : versionOf(catalogs, n.scheme, n.ruleVersion);
  const rule: Rule | undefined = ruleVersion?.catalog.rules.find((r) => r.code === n.code);
  return { v, rule: rule?.title ?? { 'zh-CN': n.code, en: n.code }, legalBasis: rule?.legalBasis ?? '' };
}

function objectionWords(n: NoticeFacts, v: CatalogVersion | undefined): Words {
  if (n.objectionDeadlineMs === undefined) return { zh: '', en: '' };
  const windowDays = windowDaysOf(v);
  return {
    zh: `如有异议，请于${day(n.objectionDeadlineMs)}前（${windowDays}日内）提出。`,
    en: ` You may object until ${day(n.objectionDeadlineMs)} (${windowDays} days).`,
  };
}

function measuresOn(v: CatalogVersion | undefined, on: (m: CatalogVersion['catalog']['measures'][number]) => boolean) {
  return (v?.catalog.measures ?? []).filter(on).map((m) => ({ measure: m.id, title: m.title, actions: m.actions }));
}

function measureWords(measures: Measures): Words {
  return measures.length === 0
    ? { zh: '', en: '' }
    : {
        zh: `相关措施：${measures.map((m) => m.title['zh-CN']).join('；')}。`,
        en: ` Measures: ${measures.map((m) => `${m.title.en} (${m.actions.join(', ')})`).join('; ')}.`,
      };
}

const num = (value: unknown) => Number(value);

function listingWords(n: NoticeFacts, c: Cited): { measures: Measures; details: NoticeFacts['details']; words: Words } {
  const d = n.details;
  const list = String(d.list);
  const title = listDefinition(c.v, list)?.title ?? { 'zh-CN': list, en: list };
  const [startMs, endMs] = [num(d.start), num(d.end)];
  const previousEndMs = d.previousEnd === undefined ? endMs : num(d.previousEnd);
  const all = measuresOn(c.v, (m) => 'list' in m.on && m.on.list === list);
  const measures = n.kind === 'listing.started' || n.kind === 'listing.extended' ? all : [];
  const until =
    d.untilDelisted === true
      ? {
          zh: `至履行义务时止，最迟至${day(endMs)}`,
          en: `until the obligation is performed, at the latest until ${day(endMs)}`,
        }
      : { zh: `至${day(endMs)}`, en: `until ${day(endMs)}` };
  const what = {
    'listing.started': {
      zh: `您自${day(startMs)}起被列入“${title['zh-CN']}”，${until.zh}。`,
      en: `You are on the list "${title.en}" from ${day(startMs)}, ${until.en}.`,
    },
    'listing.extended': {
      zh: `您在“${title['zh-CN']}”的期限由${day(previousEndMs)}延长至${day(endMs)}。`,
      en: `Your listing on "${title.en}" is extended from ${day(previousEndMs)} to ${day(endMs)}.`,
    },
    'listing.ended': {
      zh: `您已于${day(endMs)}移出“${title['zh-CN']}”。`,
      en: `Your listing on "${title.en}" ended on ${day(endMs)}.`,
    },
    'listing.withdrawn': {
      zh: `您在“${title['zh-CN']}”的列入记录已撤销，视为从未列入。`,
      en: `Your listing on "${title.en}" is withdrawn: the record behind it was retracted.`,
    },
  }[n.kind as 'listing.started'];
  const shown = n.kind === 'listing.started' ? measureWords(all) : { zh: '', en: '' };
  const o = objectionWords(n, c.v);
  const rule = ruleWords(n, c);
  return {
    measures,
    details: { ...d, listTitle: title },
    words: {
      zh: `${what.zh}${rule.zh}${shown.zh}${o.zh}`,
      en: `${what.en}${rule.en}${shown.en}${o.en}`,
    },
  };
}

function ruleWords(n: NoticeFacts, c: Cited): Words {
  return {
    zh: `依据规则${n.code}（${c.rule['zh-CN']}，${n.scheme} 第${n.version}版），法律依据：${c.legalBasis}；证据：${n.evidence}。`,
    en: ` Rule ${n.code} (${c.rule.en}, ${n.scheme} v${n.version}); legal basis: ${c.legalBasis}; evidence: ${n.evidence}.`,
  };
}

function pointsWords(n: NoticeFacts, c: Cited): Words {
  const points = num(n.details.points);
  const previousPoints = n.details.previousPoints === undefined ? 0 : num(n.details.previousPoints);
  const multiplier = num(n.details.multiplier);
  const untilDay = day(n.untilMs ?? n.effectiveAtMs);
  const signed = (x: number) => (x > 0 ? `+${x}` : String(x));
  const what = {
    'points.deducted': {
      zh: `扣减${-points}分，有效期至${untilDay}。`,
      en: `${signed(points)} points, counting until ${untilDay}.`,
    },
    'points.awarded': {
      zh: `加${points}分，有效期至${untilDay}。`,
      en: `${signed(points)} points, counting until ${untilDay}.`,
    },
    'points.changed': {
      zh: `该记录的分值由${previousPoints}变为${points}（${multiplier > 1 ? `重复违法加倍×${multiplier}` : '重新计算'}）。`,
      en: `The points of this record change from ${signed(previousPoints)} to ${signed(points)}${multiplier > 1 ? ` (repeat within validity, x${multiplier})` : ''}.`,
    },
    'points.withdrawn': {
      zh: `该记录已撤销，其${points}分不再计算。`,
      en: `This record was retracted; its ${signed(points)} points no longer count.`,
    },
  }[n.kind as 'points.deducted'];
  const rule = ruleWords(n, c);
  const o = objectionWords(n, c.v);
  return { zh: `${what.zh}${rule.zh}${o.zh}`, en: `${what.en}${rule.en}${o.en}` };
}

function gradeWords(n: NoticeFacts, c: Cited): { measures: Measures; words: Words } {
  const d = n.details;
  const [from, to, score] = [String(d.from), String(d.to), num(d.score)];
  const title = c.v?.catalog.scheme.title ?? { 'zh-CN': n.scheme, en: n.scheme };
  const measures = measuresOn(c.v, (m) => 'grades' in m.on && m.on.grades.includes(to));
  const o = objectionWords(n, c.v);
  if (d.expired === true) {
    return {
      measures,
      words: {
        zh: `记录${n.recordId}（${c.rule['zh-CN']}）于${day(n.effectiveAtMs)}到期不再计分，您在“${title['zh-CN']}”的等级由${from}变为${to}（${score}分）。${o.zh}`,
        en: `Record ${n.recordId} (${c.rule.en}) stopped counting on ${day(n.effectiveAtMs)}: your grade in "${title.en}" changed from ${from} to ${to} (${score} points).${o.en}`,
      },
    };
  }
  const shown = measureWords(measures);
  return {
    measures,
    words: {
      zh: `您在“${title['zh-CN']}”的等级由${from}变为${to}（${score}分），起因：记录${n.code}（${c.rule['zh-CN']}）；证据：${n.evidence}。${shown.zh}${o.zh}`,
      en: `Your grade in "${title.en}" changed from ${from} to ${to} (${score} points), after record ${n.code} (${c.rule.en}); evidence: ${n.evidence}.${shown.en}${o.en}`,
    },
  };
}

function objectionStepWords(n: NoticeFacts, c: Cited): Words {
  const d = n.details;
  const about = {
    zh: `您对记录${n.recordId}（${c.rule['zh-CN']}）的异议（编号${String(d.objection)}）`,
    en: `Your objection ${String(d.objection)} to record ${n.recordId} (${c.rule.en})`,
  };
  const reasons = String(d.reasons);
  if (n.kind === 'objection.filed') {
    const due = day(num(d.reviewDue));
    return {
      zh: `${about.zh}已受理，将于${due}前作出决定；处理期间该记录标注为“有异议”。`,
      en: `${about.en} was received and will be decided by ${due}; until then the record is marked disputed.`,
    };
  }
  return d.outcome === 'overturned'
    ? {
        zh: `${about.zh}成立：该记录已撤销，相关分数、等级、名单与措施已重新计算。理由：${reasons}`,
        en: `${about.en} is upheld in your favour: the record is retracted and every score, grade, listing and measure that depended on it is recomputed. Reasons: ${reasons}`,
      }
    : {
        zh: `${about.zh}不成立，该记录维持。理由：${reasons}`,
        en: `${about.en} is rejected; the record stands. Reasons: ${reasons}`,
      };
}

function repairStepWords(n: NoticeFacts, c: Cited): Words {
  const d = n.details;
  const id = String(d.repair);
  const reasons = String(d.reasons);
  const target =
    d.list === undefined
      ? { zh: '等级', en: 'grade' }
      : { zh: `名单“${String(d.list)}”`, en: `listing on ${String(d.list)}` };
  if (n.kind === 'repair.applied') {
    const due = day(num(d.reviewDue));
    return {
      zh: `您就记录${n.recordId}（${c.rule['zh-CN']}）提出的信用修复申请（编号${id}）已受理，将于${due}前作出决定。`,
      en: `Your repair application ${id} for the ${target.en} from record ${n.recordId} (${c.rule.en}) was received and will be decided by ${due}.`,
    };
  }
  return d.outcome === 'approved'
    ? {
        zh: `您的信用修复申请（编号${id}）已批准：${target.zh}提前结束。理由：${reasons}`,
        en: `Your repair application ${id} is approved: the ${target.en} ends early. Reasons: ${reasons}`,
      }
    : {
        zh: `您的信用修复申请（编号${id}）未获批准。理由：${reasons}`,
        en: `Your repair application ${id} is refused. Reasons: ${reasons}`,
      };
}

/**
 * A notice's words from its facts and the catalog versions it names: the rule's title and legal basis, the
 * measures it brings, the text in zh-CN and en. Pure: the same facts under the same catalogs give the same words.
 */
export function renderNotice<T extends NoticeFacts>(catalogs: CatalogSet, n: T): T & NoticeWords {
  const c = cite(catalogs, n);
  const told = (words: Words, measures: Measures = [], details = n.details) => ({
    ...n,
    rule: c.rule,
    legalBasis: c.legalBasis,
    details,
    measures,
    text: { 'zh-CN': words.zh, en: words.en },
  });
  if (n.kind.startsWith('listing.')) {
    const l = listingWords(n, c);
    return told(l.words, l.measures, l.details);
  }
  if (n.kind.startsWith('points.')) return told(pointsWords(n, c));
  if (n.kind === 'grade.changed') {
    const g = gradeWords(n, c);
    return told(g.words, g.measures);
  }
  return told(n.kind.startsWith('objection.') ? objectionStepWords(n, c) : repairStepWords(n, c));
}
