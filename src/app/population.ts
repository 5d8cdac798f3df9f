/**
 * The seeded generator of a synthetic demo population: persons with valid resident IDs, foreigners by passport,
 * companies with valid USCCs and recorded legal representatives, government bodies, and a year of records at
 * plausible rates (FACTS.md scales, much reduced). Pure: the same options give the same bytes.
 */
import { residentIdCheckCharacter, usccCheckCharacter, type SubjectId } from '../core/identifiers.ts';
import { dayMs } from '../core/constants.ts';
import type { Relation } from '../core/standing.ts';

export interface PopulationOptions {
  readonly people: number;
  readonly seed: string;
  /** The year of history: records fall in [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
}

export interface GeneratedRecord {
  readonly agency: string;
  readonly agencyRef: string;
  readonly subject: string;
  readonly code: string;
  readonly effectiveAtMs: number;
  readonly evidence: string;
  readonly amount?: number;
  readonly caseRef?: string;
}

export interface Population {
  readonly subjects: readonly SubjectId[];
  readonly relations: readonly Relation[];
  /** In (effectiveAt, agency, agencyRef) order. */
  readonly records: readonly GeneratedRecord[];
}

/** sfc32 seeded from a string through a 32-bit FNV-1a mix: small, fast and well distributed. */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  const mix = () => {
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    return (h ^= h >>> 13) >>> 0;
  };
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Beijing's districts, where most of the demo city lives, and a few other places people come from. */
export const cityRegions = [
  '110101',
  '110102',
  '110105',
  '110106',
  '110107',
  '110108',
  '110109',
  '110111',
  '110112',
  '110113',
  '110114',
  '110115',
  '110116',
  '110117',
];
const otherRegions = ['310101', '440103', '370102', '371082', '330782', '510104', '420102', '610103'];
export const nationalities = ['DEU', 'USA', 'GBR', 'FRA', 'JPN', 'KOR', 'RUS', 'IND', 'BRA', 'NGA', 'PAK', 'ITA'];
const usccCharset = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** How often a code is reported per subject and year, by kind of subject. Tuned for a lively small demo. */
const personRates: readonly (readonly [string, string, number])[] = [
  ['traffic.warning', 'traffic-police', 0.08],
  ['traffic.fine', 'traffic-police', 0.12],
  ['traffic.licence_suspended', 'traffic-police', 0.006],
  ['utility.theft', 'public-security', 0.002],
  ['public.violence_officials', 'public-security', 0.001],
  ['public.smoking', 'public-security', 0.03],
  ['dog.improper_keeping', 'animal-control', 0.01],
  ['award.heroic_act', 'civil-affairs', 0.002],
  ['donation.blood', 'health-commission', 0.04],
  ['honour.blood_donor_award', 'health-commission', 0.004],
  ['honour.star_volunteer', 'civil-affairs', 0.005],
  ['court.defaulter.refuses', 'city-court', 0.012],
  ['court.defaulter.obstruction', 'city-court', 0.003],
  ['rail.smoking.bullet_train', 'railway-police', 0.002],
  ['rail.safety.endangered', 'railway-police', 0.0005],
  ['aviation.disruption', 'civil-aviation', 0.001],
];
const companyRates: readonly (readonly [string, string, number])[] = [
  ['tax.late_payment', 'tax-bureau', 0.25],
  ['tax.late_filing', 'tax-bureau', 0.15],
  ['tax.late_statements', 'tax-bureau', 0.1],
  ['tax.no_income', 'tax-bureau', 0.04],
  ['tax.evasion', 'tax-bureau', 0.005],
  ['market.licence_revoked', 'market-regulator', 0.006],
  ['market.food_safety_severe', 'market-regulator', 0.003],
  ['court.defaulter.refuses', 'city-court', 0.02],
];
const governmentRates: readonly (readonly [string, string, number])[] = [
  ['gov.contract_breach', 'credit-office', 0.1],
  ['gov.judgment_unperformed', 'city-court', 0.05],
  ['gov.commitment_kept', 'credit-office', 2],
];
/** Volunteers and dog owners are subgroups with their own, higher rates. */
const volunteerShare = 0.08;
const volunteerRate = 6;
const dogOwnerShare = 0.1;
const dogRates: readonly (readonly [string, number])[] = [
  ['dog.leash_violation', 0.5],
  ['dog.licence_not_renewed', 0.01],
];
const foreignerRates: readonly (readonly [string, string, number])[] = [
  ['court.defaulter.refuses', 'city-court', 0.08],
  ['traffic.fine', 'traffic-police', 0.1],
  ['aviation.disruption', 'civil-aviation', 0.005],
];
const fineAmounts = [200, 200, 200, 500, 1000, 1000, 3000, 15000];

/** The subjects a population's records are drawn for, by kind: each kind has its own rates. */
export interface PopulationSubjects {
  readonly persons: readonly string[];
  readonly foreigners: readonly string[];
  readonly companies: readonly string[];
  readonly governments: readonly string[];
}

export interface RecordDrawOptions {
  /** Records fall in [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
  /**
   * How many years of the yearly rates the span holds. The demo's span is one year and its rates are per year; a
   * longer span without this would spread one year's records over it. 1 when absent.
   */
  readonly years?: number;
  /** Put before each agency's running number in agencyRef and evidence, so that separate draws never collide. */
  readonly refPrefix?: string;
}

const pickWith = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** Who represents which company: a legal representative each, a responsible manager for about 30% of them. */
export function drawRelations(
  companies: readonly string[],
  persons: readonly string[],
  fromMs: number,
  random: () => number,
): Relation[] {
  const relations: Relation[] = [];
  for (const organisation of companies) {
    relations.push({ organisation, person: pickWith(random, persons), role: 'legal_representative', fromMs });
    if (random() < 0.3)
      relations.push({ organisation, person: pickWith(random, persons), role: 'responsible_manager', fromMs });
  }
  return relations;
}

export function generatePopulation(options: PopulationOptions): Population {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => pickWith(random, items);

  const subjects: SubjectId[] = [];
  const seen = new Set<string>();
  const persons: string[] = [];
  while (persons.length < options.people) {
    const region = random() < 0.9 ? pick(cityRegions) : pick(otherRegions);
    const birth = options.startMs - Math.floor((18 + random() * 70) * 365.25) * dayMs;
    const date = new Date(birth).toISOString().slice(0, 10).replaceAll('-', '');
    const sequence = String(Math.floor(random() * 1000)).padStart(3, '0');
    const first17 = `${region}${date}${sequence}`;
    const key = first17 + residentIdCheckCharacter(first17);
    if (seen.has(key)) continue;
    seen.add(key);
    persons.push(key);
    subjects.push({ key, scheme: 'resident_id', kind: 'person', region });
  }
  const foreigners: string[] = [];
  const foreignerCount = Math.max(1, Math.round(options.people / 100));
  while (foreigners.length < foreignerCount) {
    const number = `${'EGKPX'.charAt(Math.floor(random() * 5))}${String(Math.floor(random() * 1e8)).padStart(8, '0')}`;
    const key = `passport:${pick(nationalities)}:${number}`;
    if (seen.has(key)) continue;
    seen.add(key);
    foreigners.push(key);
    subjects.push({ key, scheme: 'passport', kind: 'person' });
  }
  const usccOf = (prefix: string, region: string) => {
    let body = `${prefix}${region}`;
    while (body.length < 17) body += usccCharset.charAt(Math.floor(random() * usccCharset.length));
    return body + usccCheckCharacter(body);
  };
  const companies: string[] = [];
  while (companies.length < Math.max(1, Math.round(options.people / 10))) {
    const region = pick(cityRegions);
    const key = usccOf('91', region);
    if (seen.has(key)) continue;
    seen.add(key);
    companies.push(key);
    subjects.push({ key, scheme: 'uscc', kind: 'organisation', region });
  }
  const governments: string[] = [];
  while (governments.length < Math.max(3, Math.round(options.people / 1000))) {
    const region = pick(cityRegions);
    const key = usccOf('11', region);
    if (seen.has(key)) continue;
    seen.add(key);
    governments.push(key);
    subjects.push({ key, scheme: 'uscc', kind: 'government', region });
  }

  const relations = drawRelations(companies, persons, options.startMs - 365 * dayMs, random);
  // The records continue the same random stream, so the demo city is what it was before the two halves split.
  const records = drawRecords({ persons, foreigners, companies, governments }, options, random);
  return { subjects, relations, records };
}

const byTimeAgencyRef = (a: GeneratedRecord, b: GeneratedRecord) =>
  a.effectiveAtMs - b.effectiveAtMs || a.agency.localeCompare(b.agency) || a.agencyRef.localeCompare(b.agencyRef);

/**
 * The records of the given subjects at the demo's rates, drawn from `random`, in (effectiveAt, agency, agencyRef)
 * order: reports by kind of subject, volunteers' and dog owners' own rates, court follow-ups, and the dog course
 * after a dog owner's points ran out.
 */
export function drawRecords(
  subjects: PopulationSubjects,
  options: RecordDrawOptions,
  random: () => number,
): GeneratedRecord[] {
  const pick = <T>(items: readonly T[]): T => pickWith(random, items);
  const years = options.years ?? 1;
  const refPrefix = options.refPrefix ?? '';
  const spanMs = options.endMs - options.startMs;
  const poisson = (mean: number) => {
    // Knuth's method: exact for the small means used here.
    const limit = Math.exp(-mean);
    let k = 0;
    let p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    return k;
  };
  const instant = () => options.startMs + Math.floor(random() * (spanMs / 60_000)) * 60_000;

  const records: GeneratedRecord[] = [];
  const refCounters = new Map<string, number>();
  const add = (
    agency: string,
    subject: string,
    code: string,
    effectiveAtMs: number,
    extra: { amount?: number; caseRef?: string } = {},
  ) => {
    if (effectiveAtMs >= options.endMs) return;
    const n = (refCounters.get(agency) ?? 0) + 1;
    refCounters.set(agency, n);
    const agencyRef = `${agency}-${refPrefix}${String(n).padStart(7, '0')}`;
    records.push({
      agency,
      agencyRef,
      subject,
      code,
      effectiveAtMs,
      evidence: `${agency}/doc/${refPrefix}${n}`,
      ...extra,
    });
  };
  const follow = (fromMs: number, days: number) => fromMs + Math.floor(random() * days) * dayMs + 3_600_000;

  const reportFor = (subject: string, rates: readonly (readonly [string, string, number])[]) => {
    for (const [code, agency, rate] of rates) {
      for (let i = poisson(rate * years); i > 0; i--) {
        const at = instant();
        if (code === 'traffic.fine') add(agency, subject, code, at, { amount: pick(fineAmounts) });
        else if (code.startsWith('court.defaulter.')) {
          const caseRef = `(2026)京01执${Math.floor(random() * 90000) + 10000}号`;
          add(agency, subject, code, at, { caseRef });
          // Some perform within months; some serious cases are extended.
          if (random() < 0.4) add(agency, subject, 'court.performance', follow(at, 200), { caseRef });
          else if (code === 'court.defaulter.obstruction' && random() < 0.2)
            add(agency, subject, 'court.defaulter.extension', follow(at, 300), { caseRef });
        } else add(agency, subject, code, at);
      }
    }
  };
  for (const person of subjects.persons) {
    reportFor(person, personRates);
    if (random() < volunteerShare)
      for (let i = poisson(volunteerRate * years); i > 0; i--)
        add('civil-affairs', person, 'volunteer.service', instant());
    if (random() < dogOwnerShare) {
      for (const [code, rate] of dogRates)
        for (let i = poisson(rate * years); i > 0; i--) add('animal-control', person, code, instant());
    }
  }
  for (const foreigner of subjects.foreigners) reportFor(foreigner, foreignerRates);
  for (const company of subjects.companies) reportFor(company, companyRates);
  for (const government of subjects.governments) reportFor(government, governmentRates);

  // A dog owner who lost all points takes the course some weeks later, in about half the cases. Done after the
  // fact on the sorted history so that the course follows the confiscating record.
  records.sort(byTimeAgencyRef);
  const dogPoints = new Map<string, number>();
  for (const r of [...records]) {
    if (r.code === 'dog.leash_violation' || r.code === 'dog.licence_not_renewed') {
      const left = (dogPoints.get(r.subject) ?? 12) - (r.code === 'dog.licence_not_renewed' ? 12 : 6);
      dogPoints.set(r.subject, left);
      if (left <= 0 && random() < 0.5) {
        add('animal-control', r.subject, 'dog.course_passed', follow(r.effectiveAtMs, 60));
        dogPoints.set(r.subject, 12);
      }
    }
  }
  records.sort(byTimeAgencyRef);
  return records;
}
