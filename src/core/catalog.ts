/**
 * Catalogs: a scheme's versioned rule set, as data. `parseCatalogDraft` checks a draft's shape (zod) and then its
 * meaning (`validateCatalog`): the closed category taxonomy, a legal basis on every rule and measure, finite
 * validity and terms, known actions and lists. A published version adds a number, `publishedAtMs` and
 * `effectiveFromMs >= publishedAtMs`; it never changes afterwards.
 */
import { z } from 'zod';
import { findAction } from './actions.ts';
import {
  effectsPerRuleMax,
  identifierLengthMax,
  legalBasisLengthMax,
  listingTermDaysMax,
  listsPerCatalogMax,
  measuresPerCatalogMax,
  objectionWindowDaysMax,
  pointsMagnitudeMax,
  publicationDaysMax,
  repeatMultiplierMax,
  rulesPerCatalogMax,
  titleLengthMax,
  validityDaysMax,
} from './constants.ts';
import { fail, ok, type Result } from './result.ts';

/** The closed category taxonomy (DESIGN.md). There is deliberately no category for opinions, speech, petitions,
 * religion, ethnicity, family planning or any other protected ground. */
export const categories = [
  'court_judgment',
  'financial_obligation',
  'tax',
  'market_regulation',
  'product_safety',
  'food_safety',
  'environment',
  'traffic_safety',
  'public_safety',
  'animal_control',
  'contract_performance',
  'volunteering',
  'donation',
  'award',
] as const;

const idPattern = /^[a-z0-9][a-z0-9._-]*$/;
const id = z.string().min(1).max(identifierLengthMax).regex(idPattern, 'lower-case letters, digits, . _ -');
const text = z.string().trim().min(1).max(titleLengthMax);
const localized = z.strictObject({ 'zh-CN': text, en: text });
const legalBasis = z.string().trim().min(1, 'a legal basis is required').max(legalBasisLengthMax);
const days = (max: number) => z.number().int().positive().max(max);
const points = z.number().int().min(-pointsMagnitudeMax).max(pointsMagnitudeMax);
const grade = z.string().min(1).max(16);
const subjectKind = z.enum(['person', 'organisation', 'government']);
const isoInstant = z.iso.datetime({ offset: true });

const effect = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('points'), points }),
  z.strictObject({
    kind: z.literal('points_by_amount'),
    /** Bands in increasing order; a band applies when amount <= upTo; the last band has no upTo. */
    bands: z
      .array(z.strictObject({ upTo: z.number().positive().optional(), points }))
      .min(1)
      .max(20),
  }),
  z.strictObject({ kind: z.literal('grade'), grade }),
  z.strictObject({
    kind: z.literal('listing'),
    list: id,
    /** A fixed term, or until a delisting record (performance), never longer than the list's maxTermDays. */
    termDays: days(listingTermDaysMax).optional(),
    untilDelisted: z.boolean().default(false),
  }),
  z.strictObject({ kind: z.literal('extension'), list: id, days: days(listingTermDaysMax) }),
  z.strictObject({ kind: z.literal('delisting'), list: id }),
  z.strictObject({ kind: z.literal('reset') }),
]);

/** The conditions a repair application must affirm (FACTS.md, "Publication periods, repair and objections"). */
export const repairConditions = [
  'obligation_performed',
  'minimum_period_served',
  'course_passed',
  'commitment_signed',
] as const;

/** When and how what a rule or a list brought may end early on application. */
const repair = z.strictObject({
  /** The listing or direct grade must have run at least this long before an application. */
  minimumDays: z.number().int().min(0).max(listingTermDaysMax),
  conditions: z.array(z.enum(repairConditions)).min(1),
  /** The reviewer decides within this many working days (e.g. 10, the 2025 plan's feedback deadline). */
  reviewWorkingDays: days(objectionWindowDaysMax),
});

const rule = z.strictObject({
  code: id,
  title: localized,
  category: z.enum(categories, { error: `category must be one of: ${categories.join(', ')}` }),
  legalBasis,
  agencies: z.array(id).min(1).max(50),
  effects: z.array(effect).min(1).max(effectsPerRuleMax),
  /** How long the record counts (points, direct grade, repeat escalation). Finite by construction. */
  validityDays: days(validityDaysMax),
  repeat: z
    .strictObject({
      multiplier: z.number().int().min(2).max(repeatMultiplierMax),
      multiplierMax: z.number().int().min(2).max(repeatMultiplierMax),
    })
    .optional(),
  cap: z
    .strictObject({ points: z.number().int().positive().max(pointsMagnitudeMax), windowDays: days(3650) })
    .optional(),
  /** Where the catalog departs from or fills a gap in the real-world model, it says so here. */
  note: z.string().max(legalBasisLengthMax).optional(),
  /** Repair of a direct grade this rule sets. */
  repair: repair.optional(),
});

const list = z.strictObject({
  id,
  title: localized,
  color: z.enum(['black', 'red']),
  maxTermDays: days(listingTermDaysMax),
  /** Whether members are published, and for how long from the start of a listing (FACTS: 6 months to 3 years). */
  public: z.boolean().default(true),
  publicationDays: days(publicationDaysMax),
  legalBasis,
  /** Repair of a listing on this list. */
  repair: repair.optional(),
});

const measure = z.strictObject({
  id,
  title: localized,
  kind: z.enum(['sanction', 'incentive']),
  on: z.union([z.strictObject({ list: id }), z.strictObject({ grades: z.array(grade).min(1) })]),
  actions: z.array(z.string().min(1).max(identifierLengthMax)).min(1).max(50),
  legalBasis,
  /** For an organisation's listing: the recorded persons the law binds too. Never family members. */
  extendsTo: z.array(z.enum(['legal_representative', 'responsible_manager'])).default([]),
});

const scheme = z.strictObject({
  id,
  title: localized,
  authority: localized,
  jurisdiction: z.string().regex(/^\d{6}$/, 'a 6-digit region code'),
  /** The real-world programme this scheme is modelled on, with the source (FACTS.md). */
  model: z.string().trim().min(1).max(legalBasisLengthMax),
  subjectKinds: z.array(subjectKind).min(1),
  /** How long after a notice the subject may object (calendar days, e.g. Yiwu's 15). */
  objectionWindowDays: days(objectionWindowDaysMax),
  /** How long a reviewer has to decide an objection, in working days of the jurisdiction's calendar. */
  objectionReviewWorkingDays: days(objectionWindowDaysMax).default(15),
  /** Whether a record under objection stops counting in this scheme until the objection is decided. */
  disputedStopsCounting: z.boolean().default(false),
  points: z
    .strictObject({
      base: z.number().int(),
      min: z.number().int(),
      max: z.number().int(),
      /** Best to worst. A grade with minPoints is a band; one without is set only directly by a rule. */
      grades: z
        .array(z.strictObject({ grade, minPoints: z.number().int().optional() }))
        .min(1)
        .max(20),
    })
    .optional(),
  /** Listings a record triggers by taking the score to or below a value, or the grade into one of some grades. */
  thresholds: z
    .array(
      z.union([
        z.strictObject({ atOrBelow: z.number().int(), list: id }),
        z.strictObject({ grades: z.array(grade).min(1), list: id }),
      ]),
    )
    .max(10)
    .default([]),
  lists: z.array(list).max(listsPerCatalogMax).default([]),
});

export const catalogDraftSchema = z.strictObject({
  scheme,
  effectiveFrom: isoInstant,
  rules: z.array(rule).min(1).max(rulesPerCatalogMax),
  measures: z.array(measure).max(measuresPerCatalogMax).default([]),
  notes: z.string().max(4000).optional(),
});

export type CatalogDraft = z.infer<typeof catalogDraftSchema>;
export type Scheme = CatalogDraft['scheme'];
export type Rule = CatalogDraft['rules'][number];
export type Effect = Rule['effects'][number];
export type ListDefinition = Scheme['lists'][number];
export type Measure = CatalogDraft['measures'][number];
export type Category = (typeof categories)[number];
export type RepairPolicy = NonNullable<Rule['repair']>;

/** A published, immutable catalog version. */
export interface CatalogVersion {
  readonly schemeId: string;
  readonly version: number;
  readonly publishedAtMs: number;
  readonly effectiveFromMs: number;
  readonly catalog: CatalogDraft;
}

function describeIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  const field = issue.path.map(String).join('.');
  return { field, message: `${field || 'catalog'}: ${issue.message}` };
}

/** Shape first, then meaning. The first problem is returned with the path of the offending field. */
export function parseCatalogDraft(input: unknown): Result<CatalogDraft> {
  const parsed = catalogDraftSchema.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    if (first === undefined) return fail('invalid_catalog', 'catalog is invalid');
    const { field, message } = describeIssue(first);
    return fail('invalid_catalog', message, field);
  }
  return validateCatalog(parsed.data);
}

function duplicateOf(values: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) return value;
    seen.add(value);
  }
  return undefined;
}

/** The grade of a subject with no records: the band the base score falls in. */
function defaultGradeOf(points: NonNullable<Scheme['points']>): string | undefined {
  return points.grades.find((g) => g.minPoints !== undefined && points.base >= g.minPoints)?.grade;
}

/** The rules of meaning a schema cannot state. */
export function validateCatalog(catalog: CatalogDraft): Result<CatalogDraft> {
  const { scheme, rules, measures } = catalog;
  const bad = (field: string, message: string) => fail<CatalogDraft>('invalid_catalog', `${field}: ${message}`, field);
  const listIds = new Map(scheme.lists.map((l) => [l.id, l]));

  const duplicateRule = duplicateOf(rules.map((r) => r.code));
  if (duplicateRule) return bad('rules', `rule code ${duplicateRule} appears twice`);
  const duplicateList = duplicateOf(scheme.lists.map((l) => l.id));
  if (duplicateList) return bad('scheme.lists', `list ${duplicateList} appears twice`);
  const duplicateMeasure = duplicateOf(measures.map((m) => m.id));
  if (duplicateMeasure) return bad('measures', `measure ${duplicateMeasure} appears twice`);

  const pointsScheme = scheme.points;
  const gradeNames = new Set(pointsScheme?.grades.map((g) => g.grade) ?? []);
  if (pointsScheme) {
    const { base, min, max, grades } = pointsScheme;
    if (!(min <= base && base <= max)) return bad('scheme.points', `base ${base} must lie within [${min}, ${max}]`);
    const duplicateGrade = duplicateOf(grades.map((g) => g.grade));
    if (duplicateGrade) return bad('scheme.points.grades', `grade ${duplicateGrade} appears twice`);
    const bands = grades.filter((g) => g.minPoints !== undefined);
    for (let i = 1; i < bands.length; i++) {
      if ((bands[i]?.minPoints ?? 0) >= (bands[i - 1]?.minPoints ?? 0)) {
        return bad('scheme.points.grades', 'band minimums must fall from the best grade to the worst');
      }
    }
    const lowest = bands.at(-1);
    if (lowest === undefined || (lowest.minPoints ?? 0) > min) {
      return bad('scheme.points.grades', `the worst band must reach down to the scheme minimum ${min}`);
    }
  }
  for (const [i, threshold] of scheme.thresholds.entries()) {
    if (!pointsScheme) return bad(`scheme.thresholds.${i}`, 'thresholds need a points scheme');
    if (!listIds.has(threshold.list)) return bad(`scheme.thresholds.${i}.list`, `unknown list ${threshold.list}`);
    if ('grades' in threshold) {
      for (const g of threshold.grades)
        if (!gradeNames.has(g)) return bad(`scheme.thresholds.${i}.grades`, `unknown grade ${g}`);
      if (threshold.grades.includes(defaultGradeOf(pointsScheme) ?? '')) {
        return bad(`scheme.thresholds.${i}.grades`, 'a listing on the default grade would list everyone');
      }
    }
  }

  for (const [i, r] of rules.entries()) {
    const at = `rules.${i}`;
    if (r.repair && !r.effects.some((e) => e.kind === 'grade')) {
      return bad(
        `${at}.repair`,
        'a rule’s repair ends the direct grade it sets; declare a listing’s repair on its list',
      );
    }
    if (r.repeat && r.repeat.multiplierMax < r.repeat.multiplier) {
      return bad(`${at}.repeat`, 'multiplierMax must be at least multiplier');
    }
    for (const [j, e] of r.effects.entries()) {
      const where = `${at}.effects.${j}`;
      if (
        (e.kind === 'points' || e.kind === 'points_by_amount' || e.kind === 'grade' || e.kind === 'reset') &&
        !pointsScheme
      ) {
        return bad(where, `a ${e.kind} effect needs a points scheme`);
      }
      if (e.kind === 'grade' && !gradeNames.has(e.grade)) return bad(`${where}.grade`, `unknown grade ${e.grade}`);
      if (e.kind === 'points_by_amount') {
        const bands = e.bands;
        for (let k = 0; k < bands.length; k++) {
          const upTo = bands[k]?.upTo;
          const last = k === bands.length - 1;
          if (last !== (upTo === undefined))
            return bad(`${where}.bands`, 'every band but the last has upTo; the last has none');
          const previous = bands[k - 1]?.upTo;
          if (upTo !== undefined && previous !== undefined && upTo <= previous) {
            return bad(`${where}.bands`, 'band limits must rise');
          }
        }
      }
      if (e.kind === 'listing' || e.kind === 'extension' || e.kind === 'delisting') {
        const target = listIds.get(e.list);
        if (!target) return bad(`${where}.list`, `unknown list ${e.list}: a rule lists only on its own scheme's lists`);
        if (e.kind === 'listing') {
          if (e.termDays === undefined && !e.untilDelisted) {
            return bad(where, 'a listing needs a fixed termDays or untilDelisted (capped by the list maxTermDays)');
          }
          if (e.termDays !== undefined && e.termDays > target.maxTermDays) {
            return bad(
              `${where}.termDays`,
              `term ${e.termDays} exceeds the list maximum of ${target.maxTermDays} days`,
            );
          }
        }
      }
    }
  }

  for (const [i, m] of measures.entries()) {
    const at = `measures.${i}`;
    for (const code of m.actions) {
      if (!findAction(code)) return bad(`${at}.actions`, `unknown action ${code}`);
    }
    if ('list' in m.on && !listIds.has(m.on.list)) return bad(`${at}.on.list`, `unknown list ${m.on.list}`);
    if ('grades' in m.on) {
      for (const g of m.on.grades) if (!gradeNames.has(g)) return bad(`${at}.on.grades`, `unknown grade ${g}`);
    }
    if ('grades' in m.on && m.kind === 'sanction' && pointsScheme) {
      const defaultGrade = defaultGradeOf(pointsScheme);
      if (defaultGrade !== undefined && m.on.grades.includes(defaultGrade)) {
        return bad(
          `${at}.on.grades`,
          `a sanction on the default grade ${defaultGrade} would bind everyone without end`,
        );
      }
    }
    if (m.extendsTo.length > 0 && !('list' in m.on)) {
      return bad(`${at}.extendsTo`, 'only a listing extends to an organisation’s recorded persons');
    }
  }
  return ok(catalog);
}

/**
 * The version of one scheme in force at an instant: the newest whose effectiveFrom has come (a later effective
 * date, then a higher number). Generic, so the web app applies the same rule to the versions it lists.
 */
export function versionInForce<V extends Pick<CatalogVersion, 'version' | 'effectiveFromMs'>>(
  versions: readonly V[],
  atMs: number,
): V | undefined {
  let found: V | undefined;
  for (const v of versions) {
    if (
      v.effectiveFromMs <= atMs &&
      (found === undefined ||
        v.effectiveFromMs > found.effectiveFromMs ||
        (v.effectiveFromMs === found.effectiveFromMs && v.version > found.version))
    ) {
      found = v;
    }
  }
  return found;
}

/**
 * Checks a new version against the scheme's history: effectiveFrom never before publication (no retroactive
 * rules) and never before the version currently last in force (history is not rewritten).
 */
export function checkPublication(
  draft: CatalogDraft,
  previous: readonly CatalogVersion[],
  publishedAtMs: number,
): Result<CatalogVersion> {
  const effectiveFromMs = Date.parse(draft.effectiveFrom);
  if (effectiveFromMs < publishedAtMs) {
    return fail(
      'retroactive_catalog',
      `effectiveFrom ${draft.effectiveFrom} is before publication; a rule applies only after it is published`,
      'effectiveFrom',
    );
  }
  const latest = previous.reduce<CatalogVersion | undefined>(
    (a, v) => (a === undefined || v.version > a.version ? v : a),
    undefined,
  );
  if (latest && effectiveFromMs < latest.effectiveFromMs) {
    return fail(
      'catalog_out_of_order',
      `effectiveFrom must not precede version ${latest.version}'s ${new Date(latest.effectiveFromMs).toISOString()}`,
      'effectiveFrom',
    );
  }
  return ok({
    schemeId: draft.scheme.id,
    version: (latest?.version ?? 0) + 1,
    publishedAtMs,
    effectiveFromMs,
    catalog: draft,
  });
}
