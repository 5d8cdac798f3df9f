/**
 * A city at the demo's rates, generated a block at a time: issue 8's Beijing-sized run (bench/city.ts) needs 22M
 * subjects and 100M records, which the demo generator (population.ts) cannot hold in memory and whose random
 * identifiers would collide across separate calls. Here every identifier is made from an ordinal, so identifiers
 * are unique across the whole city by construction and any block can be made again alone (a run that stopped
 * resumes at its block without making the ones before it).
 *
 * Block i holds the persons with ordinals [i * blockPeople, (i + 1) * blockPeople) and the other subjects whose
 * ordinals fall in the same share of theirs: one foreigner (by passport) per 100 persons, one company per 10 and
 * one government body per 1,000, the demo's mix. Its companies' legal representatives and responsible managers are
 * persons of the block. Its records are drawn by population.ts drawRecords, at the demo's yearly rates times the
 * span's years, from a random stream seeded by the seed and the block's index; agencyRefs carry the block's index,
 * so no two blocks share one. A block's memory is its own subjects and records: nothing is kept between blocks.
 *
 * Resident IDs spread consecutive ordinals over 24 regions (16 Beijing districts, 8 other provinces) and 95 years
 * of birth dates (1930-2024: a city has children too), then the 3-digit sequence number: 832M of them before the
 * sequence runs out. bench/support/city-subjects.ts makes bench/decide.ts's subjects with the same mapping.
 *
 * The demo's rates give about 0.93 records per person and year, all kinds of subject counted (0.84 per subject;
 * measured on blocks of 10,000 and 100,000 people over one and five years). For Beijing: 19,800,000 people are
 * 22.0M subjects, and 5.5 years of history give them about 101M records
 * (bench/city.ts's defaults). Making a block of 100,000 people and five years' records takes about 0.6 s.
 */
import { residentIdCheckCharacter, usccCheckCharacter, type SubjectId } from '../core/identifiers.ts';
import { dayMs } from '../core/constants.ts';
import type { Relation } from '../core/standing.ts';
import {
  cityRegions,
  drawRecords,
  drawRelations,
  nationalities,
  seededRandom,
  type GeneratedRecord,
  type PopulationSubjects,
} from './population.ts';

export interface CityOptions {
  /** Persons in the whole city (it also has foreigners, companies and government bodies in proportion). */
  readonly people: number;
  readonly seed: string;
  /** Records fall in [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
  /** Persons per block: a block holds this many persons and what goes with them, no more. */
  readonly blockPeople: number;
}

export interface CityBlock {
  readonly index: number;
  /** The block's persons are the city's [peopleFrom, peopleTo). */
  readonly peopleFrom: number;
  readonly peopleTo: number;
  readonly subjects: readonly SubjectId[];
  readonly relations: readonly Relation[];
  /** In (effectiveAt, agency, agencyRef) order. */
  readonly records: readonly GeneratedRecord[];
}

/** One foreigner per this many persons, one company per ..., one government body per ...: the demo's mix. */
export const peoplePerForeigner = 100;
export const peoplePerCompany = 10;
export const peoplePerGovernment = 1_000;
/** The demo's rates are per year; a span of years holds this many milliseconds a year. */
export const yearMs = 365.25 * dayMs;
/** The companies' representatives have held office since a year before the span. */
const relationsLeadMs = 365 * dayMs;

/** Beijing's 16 districts, then districts of 8 other provinces: where the city's residents were registered. */
const residentRegions = [
  '110101', '110102', '110105', '110106', '110107', '110108', '110109', '110111',
  '110112', '110113', '110114', '110115', '110116', '110117', '110118', '110119',
  '120101', '130102', '140105', '210102', '320102', '370102', '410102', '510104',
]; // prettier-ignore
/** Companies are registered in Beijing's districts. */
const companyRegions = residentRegions.slice(0, 16);
const birthFirstMs = Date.UTC(1930, 0, 1);
const birthDayCount = Math.round((Date.UTC(2025, 0, 1) - birthFirstMs) / dayMs);
/** A resident ID's 3-digit sequence number bounds how many residents share a region and a birth date. */
const sequenceMax = 1_000;
const usccCharset = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** A USCC's organisation code: 9 characters of the charset after the authority, type and region. */
const organisationCodeLength = 9;
const passportLetters = 'EGKPX';
const passportDigits = 8;

/** How many distinct resident IDs the mapping makes. */
export const residentIdsMax = residentRegions.length * birthDayCount * sequenceMax;

const birthDates = Array.from({ length: birthDayCount }, (_, day) =>
  new Date(birthFirstMs + day * dayMs).toISOString().slice(0, 10).replaceAll('-', ''),
);

/** The resident ID of resident `ordinal` (0 <= ordinal < residentIdsMax), always the same. */
export function cityResidentId(ordinal: number): string {
  const region = residentRegions[ordinal % residentRegions.length] ?? '';
  const rest = Math.floor(ordinal / residentRegions.length);
  const birth = birthDates[rest % birthDayCount] ?? '';
  const sequence = Math.floor(rest / birthDayCount);
  const first17 = `${region}${birth}${String(sequence).padStart(3, '0')}`;
  return first17 + residentIdCheckCharacter(first17);
}

function usccText(prefix: string, region: string, ordinal: number): string {
  let code = '';
  for (let rest = ordinal, i = 0; i < organisationCodeLength; i++, rest = Math.floor(rest / usccCharset.length))
    code = usccCharset.charAt(rest % usccCharset.length) + code;
  const first17 = `${prefix}${region}${code}`;
  return first17 + usccCheckCharacter(first17);
}

/** Company `ordinal`'s USCC: registering authority 9 (market regulation), entity type 1 (enterprise). */
export function cityCompanyUscc(ordinal: number): string {
  return usccText('91', companyRegions[ordinal % companyRegions.length] ?? '', ordinal);
}

/**
 * Government body `ordinal`'s USCC: authority 1, type 1, a government organ. Only the demo's districts, whose last
 * two digits make characters 7-10 an impossible birth year: an all-digit code could otherwise read as a resident ID.
 */
export function cityGovernmentUscc(ordinal: number): string {
  return usccText('11', cityRegions[ordinal % cityRegions.length] ?? '', ordinal);
}

/** Foreigner `ordinal`'s passport: nationality, then a letter and 8 digits from the rest of the ordinal. */
export function cityPassport(ordinal: number): string {
  const nationality = nationalities[ordinal % nationalities.length] ?? '';
  const rest = Math.floor(ordinal / nationalities.length);
  const letter = passportLetters.charAt(rest % passportLetters.length);
  const number = String(Math.floor(rest / passportLetters.length)).padStart(passportDigits, '0');
  return `passport:${nationality}:${letter}${number}`;
}

/** How many subjects of each kind a city of `people` persons has: the ordinals of each kind are [0, count). */
export function cityMix(people: number): {
  readonly persons: number;
  readonly foreigners: number;
  readonly companies: number;
  readonly governments: number;
  readonly subjects: number;
} {
  const foreigners = Math.floor(people / peoplePerForeigner);
  const companies = Math.floor(people / peoplePerCompany);
  const governments = Math.floor(people / peoplePerGovernment);
  return {
    persons: people,
    foreigners,
    companies,
    governments,
    subjects: people + foreigners + companies + governments,
  };
}

export function cityBlockCount(options: Pick<CityOptions, 'people' | 'blockPeople'>): number {
  return Math.ceil(options.people / options.blockPeople);
}

function checkOptions(options: CityOptions): void {
  if (!Number.isSafeInteger(options.people) || options.people < 1 || options.people > residentIdsMax)
    throw new RangeError(`people must be a whole number from 1 to ${residentIdsMax}, not ${options.people}`);
  if (!Number.isSafeInteger(options.blockPeople) || options.blockPeople < 1)
    throw new RangeError(`blockPeople must be a positive whole number, not ${options.blockPeople}`);
  if (!(options.endMs > options.startMs)) throw new RangeError('endMs must be after startMs');
}

/** The ordinals [from, to) of a kind that comes one per `per` persons, for the block's persons [peopleFrom, peopleTo). */
const shareOf = (peopleFrom: number, peopleTo: number, per: number) =>
  [Math.floor(peopleFrom / per), Math.floor(peopleTo / per)] as const;

function keysOf(range: readonly [number, number], key: (ordinal: number) => string): string[] {
  const keys: string[] = [];
  for (let n = range[0]; n < range[1]; n++) keys.push(key(n));
  return keys;
}

interface BlockSubjects extends PopulationSubjects {
  readonly index: number;
  readonly peopleFrom: number;
  readonly peopleTo: number;
  readonly subjects: readonly SubjectId[];
  readonly relations: readonly Relation[];
  readonly random: () => number;
}

function blockSubjects(options: CityOptions, index: number): BlockSubjects {
  checkOptions(options);
  const count = cityBlockCount(options);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count)
    throw new RangeError(`block ${index} is not one of the city's ${count}`);
  const peopleFrom = index * options.blockPeople;
  const peopleTo = Math.min(options.people, peopleFrom + options.blockPeople);
  const persons = keysOf([peopleFrom, peopleTo], cityResidentId);
  const foreigners = keysOf(shareOf(peopleFrom, peopleTo, peoplePerForeigner), cityPassport);
  const companies = keysOf(shareOf(peopleFrom, peopleTo, peoplePerCompany), cityCompanyUscc);
  const governments = keysOf(shareOf(peopleFrom, peopleTo, peoplePerGovernment), cityGovernmentUscc);
  const subjects: SubjectId[] = [
    ...persons.map((key): SubjectId => ({ key, scheme: 'resident_id', kind: 'person', region: key.slice(0, 6) })),
    ...foreigners.map((key): SubjectId => ({ key, scheme: 'passport', kind: 'person' })),
    ...companies.map((key): SubjectId => ({ key, scheme: 'uscc', kind: 'organisation', region: key.slice(2, 8) })),
    ...governments.map((key): SubjectId => ({ key, scheme: 'uscc', kind: 'government', region: key.slice(2, 8) })),
  ];
  // Each block its own stream: block i is the same whether or not the blocks before it were made in this process.
  const random = seededRandom(`${options.seed}/block/${index}`);
  const relations = drawRelations(companies, persons, options.startMs - relationsLeadMs, random);
  return { index, peopleFrom, peopleTo, persons, foreigners, companies, governments, subjects, relations, random };
}

/** Block `index`'s subjects and relations without its records (registering subjects needs no records). */
export function cityBlockSubjects(options: CityOptions, index: number): Omit<CityBlock, 'records'> {
  const { peopleFrom, peopleTo, subjects, relations } = blockSubjects(options, index);
  return { index, peopleFrom, peopleTo, subjects, relations };
}

/** Block `index` of the city, records and all; the same options give the same bytes. */
export function cityBlock(options: CityOptions, index: number): CityBlock {
  const block = blockSubjects(options, index);
  const records = drawRecords(
    block,
    {
      startMs: options.startMs,
      endMs: options.endMs,
      years: (options.endMs - options.startMs) / yearMs,
      refPrefix: `b${index}-`,
    },
    block.random,
  );
  const { peopleFrom, peopleTo, subjects, relations } = block;
  return { index, peopleFrom, peopleTo, subjects, relations, records };
}

/** The city's blocks in order, each made when it is asked for. */
export function* cityBlocks(options: CityOptions): Generator<CityBlock, void, undefined> {
  const count = cityBlockCount(options);
  for (let index = 0; index < count; index++) yield cityBlock(options, index);
}
