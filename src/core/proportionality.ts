/**
 * Proportionality: checks on a catalog draft itself, before anyone is affected, against the yardstick the EU AI Act
 * sets for prohibited social scoring (Article 5(1)(c)): detrimental or unfavourable treatment of people in social
 * contexts unrelated to the contexts in which the data was generated, or treatment that is unjustified or
 * disproportionate to their behaviour. Three tests, each a finding naming the rule, list or measure and why:
 *
 * - unrelated context: a sanction reachable from a rule whose category is unrelated to the domain of an action the
 *   sanction denies (a traffic record leading to a flight ban). Categories and action domains are related only
 *   where the table below says so, each entry with the published practice it comes from;
 * - listing term: a listing longer than the published range for that kind of offence (FACTS.md, one table);
 * - scheme bounds: a rule whose validity or repeat escalation exceeds what the scheme's own published model states.
 *
 * Only sanctions are judged: an incentive withheld is not treatment the yardstick names. The tables hold only the
 * closed category taxonomy; there is no entry for opinions, speech, petitions, religion or any protected ground,
 * because the taxonomy has none (DESIGN.md, "What Credence refuses").
 */
import { actions } from './actions.ts';
import type { Category, CatalogDraft, ListDefinition, Measure, Rule } from './catalog.ts';

/** The test the report measures against, named in every report. */
export const yardstick = {
  name: 'EU AI Act (Regulation (EU) 2024/1689), Article 5(1)(c): prohibited social scoring',
  test:
    'A score of people’s social behaviour may not lead to detrimental or unfavourable treatment in social contexts ' +
    'unrelated to the contexts in which the data was originally generated or collected, nor to treatment that is ' +
    'unjustified or disproportionate to their social behaviour or its gravity.',
} as const;

/** The social contexts the actions a service point asks about belong to. */
export type Domain =
  | 'air_travel'
  | 'rail_travel'
  | 'ship_travel'
  | 'consumption'
  | 'public_procurement'
  | 'financial_office'
  | 'border'
  | 'animal_keeping'
  | 'regulatory_supervision'
  | 'administrative_approval'
  | 'community_service';

/**
 * Each action's domains. The court defaulter's consumption restrictions (FACTS.md, "Consumption restrictions") name
 * flights, soft sleepers, G-series seats, ship cabins, star hotels and so on as spending, so those actions are also
 * `consumption`; "any train travel" is not spending, only travel.
 */
export const actionDomains: Readonly<Record<string, readonly Domain[]>> = {
  'travel.flight': ['air_travel', 'consumption'],
  'travel.rail.g_series': ['rail_travel', 'consumption'],
  'travel.rail.first_class': ['rail_travel', 'consumption'],
  'travel.rail.soft_sleeper': ['rail_travel', 'consumption'],
  'travel.rail.any': ['rail_travel'],
  'travel.ship.cabin': ['ship_travel', 'consumption'],
  'travel.holiday': ['consumption'],
  'hotel.star_rated': ['consumption'],
  'leisure.high_consumption': ['consumption'],
  'property.purchase': ['consumption'],
  'vehicle.purchase': ['consumption'],
  'office.lease_high_end': ['consumption'],
  'insurance.high_premium': ['consumption'],
  'procurement.bid': ['public_procurement'],
  'finance.executive_role': ['financial_office'],
  'visa.issue': ['border'],
  'pet.keep_dog': ['animal_keeping'],
  'inspection.exempt': ['regulatory_supervision'],
  'service.green_channel': ['administrative_approval'],
  'rental.deposit_free': ['community_service'],
  'community.award': ['community_service'],
};

/**
 * Which domains each category's records relate to, and why (the FACTS.md line). A pair not listed is unrelated.
 * Kept strict on purpose: a general points score that turns traffic or dog-keeping records into a bar from
 * community awards is exactly the cross-context treatment the yardstick names, and the report says so.
 */
export const relatedDomains: Readonly<Record<Category, { readonly domains: readonly Domain[]; readonly why: string }>> =
  {
    court_judgment: {
      domains: ['consumption', 'public_procurement', 'financial_office', 'border'],
      why:
        'FACTS.md: consumption restrictions are mandatory for listed defaulters; joint sanctions bar procurement ' +
        'and executive roles in finance; court defaulter data is linked to border control',
    },
    financial_obligation: {
      domains: ['consumption', 'public_procurement', 'financial_office'],
      why: 'FACTS.md: an unperformed obligation restricts spending; joint sanctions bar procurement, loans, finance roles',
    },
    tax: {
      domains: ['public_procurement', 'regulatory_supervision', 'administrative_approval'],
      why: 'FACTS.md: tax D-grade joint sanctions bar procurement; A-grade means 2 years without routine inspection',
    },
    market_regulation: {
      domains: ['public_procurement', 'financial_office', 'regulatory_supervision', 'administrative_approval'],
      why: 'FACTS.md: SAMR Order No. 44 serious dishonesty list; joint sanctions bar procurement, approvals, finance roles',
    },
    product_safety: {
      domains: ['public_procurement', 'financial_office', 'regulatory_supervision', 'administrative_approval'],
      why: 'FACTS.md: severe regulatory penalties feed the market-regulator list and its joint sanctions',
    },
    food_safety: {
      domains: ['public_procurement', 'financial_office', 'regulatory_supervision', 'administrative_approval'],
      why: 'FACTS.md: severe regulatory penalties feed the market-regulator list and its joint sanctions',
    },
    environment: {
      domains: ['public_procurement', 'financial_office', 'regulatory_supervision', 'administrative_approval'],
      why: 'FACTS.md: severe regulatory penalties feed the joint sanctions on market entry and procurement',
    },
    traffic_safety: {
      domains: [],
      why: 'no Credence action is in the road traffic context: licences are suspended by the traffic police directly',
    },
    public_safety: {
      domains: ['air_travel', 'rail_travel'],
      why: 'FACTS.md: endangering rail safety bans train travel for 180 days; disruption on flights a flight ban for 1 year',
    },
    animal_control: {
      domains: ['animal_keeping'],
      why: 'FACTS.md: Jinan confiscates the dog of an owner who loses all 12 points',
    },
    contract_performance: {
      domains: [],
      why: 'FACTS.md: a government body’s contract keeping feeds its performance review, outside Credence’s actions',
    },
    volunteering: {
      domains: ['community_service', 'administrative_approval'],
      why: 'FACTS.md: Rongcheng rewards volunteering with community services; Beijing’s green channel',
    },
    donation: {
      domains: ['community_service', 'administrative_approval'],
      why: 'FACTS.md: Rongcheng rewards blood donation with community services; Beijing’s green channel',
    },
    award: {
      domains: ['community_service', 'administrative_approval'],
      why: 'FACTS.md: awards earn points and the green channel',
    },
  };

/** The actions of `actionCodes` whose domains none of `categories` relates to (an unknown action is unrelated). */
export function unrelatedActions(categories: readonly Category[], actionCodes: readonly string[]): string[] {
  const related = new Set(categories.flatMap((c) => relatedDomains[c].domains));
  return actionCodes.filter((code) => !(actionDomains[code] ?? []).some((d) => related.has(d)));
}

/**
 * Published listing terms by kind of offence (FACTS.md). A rule's listing is judged by the first row whose
 * categories include the rule's and, where the row names actions, whose list carries a sanction on one of them.
 * `termDaysMax` bounds a fixed term; `totalDaysMax` bounds the list's maximum term, which caps listings "until
 * performance" and extensions. Kinds of offence FACTS.md gives no range for are not judged here.
 */
export const listingTermRanges: readonly {
  readonly offence: string;
  readonly categories: readonly Category[];
  readonly actions?: readonly string[];
  readonly termDaysMax: number;
  readonly totalDaysMax: number;
  readonly fact: string;
}[] = [
  {
    offence: 'court defaulter',
    categories: ['court_judgment', 'financial_obligation'],
    termDaysMax: 730,
    totalDaysMax: 1825,
    fact: 'Term: 2 years for the obstruction grounds; extendable by 1-3 years for serious cases (2-5 years total).',
  },
  {
    offence: 'endangering rail safety or smoking on bullet trains',
    categories: ['public_safety'],
    actions: ['travel.rail.any', 'travel.rail.g_series', 'travel.rail.first_class', 'travel.rail.soft_sleeper'],
    termDaysMax: 180,
    totalDaysMax: 180,
    fact: 'Separate travel bans (2018): endangering rail safety or smoking on bullet trains -> no train travel for 180 days',
  },
  {
    offence: 'disruption on flights or at airports',
    categories: ['public_safety'],
    actions: ['travel.flight'],
    termDaysMax: 365,
    totalDaysMax: 365,
    fact: 'Separate travel bans (2018): disruption on flights or at airports -> flight ban for 1 year',
  },
  {
    offence: 'serious dishonesty (regulatory and tax)',
    categories: ['market_regulation', 'product_safety', 'food_safety', 'environment', 'tax'],
    termDaysMax: 1095,
    totalDaysMax: 1095,
    fact: 'Repair tiers (2025 draft): minor: not published or at most 3 months; general: 3 months-1 year; serious: 1-3 years.',
  },
];

/** What a scheme's published model states about how long records count and how repeats escalate. */
export interface SchemeBounds {
  readonly model: string;
  /** Deductions of at most `magnitudeMax` points (absent: any larger) count at most `days`. */
  readonly deductionValidity?: readonly { readonly magnitudeMax?: number; readonly days: number }[];
  readonly bonusValidityDaysMax?: number;
  readonly directGradeValidityDays?: Readonly<Record<string, number>>;
  /** The largest repeat multiplier the model describes. */
  readonly multiplierMax?: number;
  readonly fact: string;
}

/** The demo schemes' published models (FACTS.md, "Points schemes"); a scheme not listed has no stated bounds. */
export const schemeBounds: Readonly<Record<string, SchemeBounds>> = {
  'rongcheng-residents': {
    model: 'Rongcheng / Weihai resident score',
    deductionValidity: [{ magnitudeMax: 40, days: 365 }, { days: 730 }],
    bonusValidityDaysMax: 1825,
    directGradeValidityDays: { B: 730, C: 1095, D: 1825 },
    multiplierMax: 2,
    fact:
      'Validity: deductions <= 40 points count 1 year, larger ones 2 years; bonuses 1-5 years; direct grades B 2 ' +
      'years, C 3 years, D 5 years. Same offence again within validity: deduction doubled.',
  },
  'jinan-dog-owners': {
    model: 'Jinan dog-owner account',
    deductionValidity: [{ days: 730 }],
    // First offence -3, second -6, third wipes all 12: four times the first.
    multiplierMax: 4,
    fact: 'First offence -3, second -6 plus a fine, third wipes all 12; losing all 12 within 2 years: dog confiscated.',
  },
  'tax-credit': {
    model: 'Tax credit rating',
    deductionValidity: [{ days: 365 }],
    fact: 'Deductions: late payment -5 each, late filing -5, late financial statements -3. Published each April.',
  },
};

export type FindingTest = 'unrelated_context' | 'listing_term' | 'validity' | 'escalation';

export interface Finding {
  readonly test: FindingTest;
  readonly scheme: string;
  readonly rule: string;
  readonly category: Category;
  readonly measure?: string;
  readonly list?: string;
  /** unrelated_context: how the rule's record reaches the sanction. */
  readonly path?: 'listing' | 'threshold' | 'direct_grade' | 'points';
  /** unrelated_context: the denied actions no domain of the category relates to. */
  readonly actions?: readonly string[];
  /** The draft's figure and the bound it exceeds, in days or as a multiplier. */
  readonly value?: number;
  readonly limit?: number;
  /** The published fact (or table entry) the bound comes from. */
  readonly source: string;
  readonly why: string;
}

/** The worst points a rule's effects can bring in one record (before escalation), negative for deductions. */
function pointsRange(rule: Rule): { readonly worst: number; readonly best: number } | undefined {
  const values = rule.effects.flatMap((e) =>
    e.kind === 'points' ? [e.points] : e.kind === 'points_by_amount' ? e.bands.map((b) => b.points) : [],
  );
  if (values.length === 0) return undefined;
  return { worst: Math.min(...values), best: Math.max(...values) };
}

/** The grades a subject without records does not hold: where deductions lead. */
function gradesBelowDefault(draft: CatalogDraft): Set<string> {
  const points = draft.scheme.points;
  if (points === undefined) return new Set();
  const defaultIndex = points.grades.findIndex((g) => g.minPoints !== undefined && points.base >= g.minPoints);
  return new Set(points.grades.slice(defaultIndex + 1).map((g) => g.grade));
}

/** How a rule's record reaches a sanction, if it does (the most direct way first). */
function pathTo(draft: CatalogDraft, rule: Rule, measure: Measure): Finding['path'] | undefined {
  const deducts = (pointsRange(rule)?.worst ?? 0) < 0;
  if ('list' in measure.on) {
    const list = measure.on.list;
    if (rule.effects.some((e) => (e.kind === 'listing' || e.kind === 'extension') && e.list === list)) return 'listing';
    if (deducts && draft.scheme.thresholds.some((t) => t.list === list)) return 'threshold';
    return undefined;
  }
  const grades = measure.on.grades;
  if (rule.effects.some((e) => e.kind === 'grade' && grades.includes(e.grade))) return 'direct_grade';
  const below = gradesBelowDefault(draft);
  if (deducts && grades.some((g) => below.has(g))) return 'points';
  return undefined;
}

function unrelatedContextFindings(draft: CatalogDraft): Finding[] {
  const scheme = draft.scheme.id;
  const findings: Finding[] = [];
  for (const rule of draft.rules) {
    for (const measure of draft.measures) {
      if (measure.kind !== 'sanction') continue;
      const path = pathTo(draft, rule, measure);
      if (path === undefined) continue;
      const unrelated = unrelatedActions([rule.category], measure.actions);
      if (unrelated.length === 0) continue;
      findings.push({
        test: 'unrelated_context',
        scheme,
        rule: rule.code,
        category: rule.category,
        measure: measure.id,
        path,
        actions: unrelated,
        source: `relatedDomains.${rule.category}: ${relatedDomains[rule.category].why}`,
        why: `a record of category ${rule.category} (${rule.code}) leads by ${path.replace('_', ' ')} to ${measure.id}, which denies ${unrelated.join(', ')}: a context unrelated to where the record arose`,
      });
    }
  }
  return findings;
}

function listingTermFindings(draft: CatalogDraft): Finding[] {
  const scheme = draft.scheme.id;
  const lists = new Map<string, ListDefinition>(draft.scheme.lists.map((l) => [l.id, l]));
  const deniedOn = (list: string) =>
    draft.measures
      .filter((m) => m.kind === 'sanction' && 'list' in m.on && m.on.list === list)
      .flatMap((m) => m.actions);
  const findings: Finding[] = [];
  for (const rule of draft.rules) {
    for (const effect of rule.effects) {
      if (effect.kind !== 'listing') continue;
      const list = lists.get(effect.list);
      if (list === undefined) continue;
      const denied = deniedOn(list.id);
      const range = listingTermRanges.find(
        (r) =>
          r.categories.includes(rule.category) &&
          (r.actions === undefined || r.actions.some((a) => denied.includes(a))),
      );
      if (range === undefined) continue;
      const base = { test: 'listing_term', scheme, rule: rule.code, category: rule.category, list: list.id } as const;
      if (effect.termDays !== undefined && effect.termDays > range.termDaysMax) {
        findings.push({
          ...base,
          value: effect.termDays,
          limit: range.termDaysMax,
          source: `FACTS.md: ${range.fact}`,
          why: `a listing of ${effect.termDays} days exceeds the published ${range.termDaysMax} days for ${range.offence}`,
        });
      }
      if (list.maxTermDays > range.totalDaysMax) {
        findings.push({
          ...base,
          value: list.maxTermDays,
          limit: range.totalDaysMax,
          source: `FACTS.md: ${range.fact}`,
          why: `list ${list.id} lets a listing (with extensions or until performance) run ${list.maxTermDays} days, beyond the published ${range.totalDaysMax} days for ${range.offence}`,
        });
      }
    }
  }
  return findings;
}

function validityLimit(bounds: SchemeBounds, rule: Rule): number | undefined {
  const range = pointsRange(rule);
  const limits: number[] = [];
  if (range !== undefined && range.worst < 0 && bounds.deductionValidity) {
    const magnitude = -range.worst;
    const row = bounds.deductionValidity.find((v) => v.magnitudeMax === undefined || magnitude <= v.magnitudeMax);
    if (row) limits.push(row.days);
  }
  if (range !== undefined && range.best > 0 && bounds.bonusValidityDaysMax !== undefined)
    limits.push(bounds.bonusValidityDaysMax);
  for (const e of rule.effects) {
    const days = e.kind === 'grade' ? bounds.directGradeValidityDays?.[e.grade] : undefined;
    if (days !== undefined) limits.push(days);
  }
  return limits.length === 0 ? undefined : Math.min(...limits);
}

function schemeBoundFindings(draft: CatalogDraft): Finding[] {
  const scheme = draft.scheme.id;
  const bounds = schemeBounds[scheme];
  const points = draft.scheme.points;
  const findings: Finding[] = [];
  for (const rule of draft.rules) {
    const base = { scheme, rule: rule.code, category: rule.category } as const;
    const validity = bounds === undefined ? undefined : validityLimit(bounds, rule);
    if (bounds && validity !== undefined && rule.validityDays > validity) {
      findings.push({
        ...base,
        test: 'validity',
        value: rule.validityDays,
        limit: validity,
        source: `FACTS.md (${bounds.model}): ${bounds.fact}`,
        why: `the record counts ${rule.validityDays} days; the ${bounds.model} counts it at most ${validity}`,
      });
    }
    const worst = pointsRange(rule)?.worst ?? 0;
    if (rule.repeat === undefined || worst >= 0) continue;
    if (bounds?.multiplierMax !== undefined && rule.repeat.multiplierMax > bounds.multiplierMax) {
      findings.push({
        ...base,
        test: 'escalation',
        value: rule.repeat.multiplierMax,
        limit: bounds.multiplierMax,
        source: `FACTS.md (${bounds.model}): ${bounds.fact}`,
        why: `a repeat multiplies the deduction up to ${rule.repeat.multiplierMax} times; the ${bounds.model} at most ${bounds.multiplierMax}`,
      });
    }
    // Whatever the model, one escalated record should not move a subject further than the scheme's whole scale.
    const span = points === undefined ? undefined : points.max - points.min;
    if (span !== undefined && -worst * rule.repeat.multiplierMax > span) {
      findings.push({
        ...base,
        test: 'escalation',
        value: -worst * rule.repeat.multiplierMax,
        limit: span,
        source: `the scheme's own scale: ${points?.min} to ${points?.max}`,
        why: `an escalated deduction of ${-worst * rule.repeat.multiplierMax} points is more than the scheme's whole scale of ${span}`,
      });
    }
  }
  return findings;
}

/** Every finding on a draft (or a published version's catalog), in a stable order: by test, then rule. */
export function checkProportionality(draft: CatalogDraft): Finding[] {
  return [...unrelatedContextFindings(draft), ...listingTermFindings(draft), ...schemeBoundFindings(draft)];
}

/** A finding's identity, to tell the draft's own findings from those the version in force already has. */
export function findingKey(f: Finding): string {
  return [f.test, f.scheme, f.rule, f.measure ?? '', f.list ?? '', f.path ?? '', ...(f.actions ?? [])].join('|');
}

/** Test support and a guard: every action of the closed set has its domains in the table. */
export function actionsWithoutDomain(): string[] {
  return actions.map((a) => a.code).filter((code) => actionDomains[code] === undefined);
}
