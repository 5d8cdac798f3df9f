/**
 * A city's subjects for bench/decide.ts, generated from their ordinal alone so that any subject can be made again
 * without holding all of them: ordinal n is a company (a USCC) when n % 20 is 19, about 5% as in Beijing, else a
 * resident (a resident ID) spread over 24 regions and 95 years of birth dates. Identifiers carry valid check
 * characters (src/core/identifiers.ts computes them) and are unique per ordinal: src/app/city.ts's mapping, the one
 * bench/city.ts's city is made with. Which subjects hold a measure, and which of a few measure templates, follow
 * from a hash of the ordinal: an expectation independent of the index.
 *
 * `packKey` packs an identifier's first 17 characters (the 18th is a check character) into three 32-bit words, 5
 * bits a character of the USCC charset (digits included): the key of the typed-array reference table.
 */
import { cityCompanyUscc, cityResidentId, residentIdsMax } from '../../src/app/city.ts';

const usccCharset = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const companyShare = 20;

export const subjectsMax = Math.floor((residentIdsMax / 19) * 20);

/** Copies the text into a flat string, as a request's parameter is (concatenation makes a rope of 13+ chars). */
function flat(text: string): string {
  const codes: number[] = [];
  for (let i = 0; i < text.length; i++) codes.push(text.charCodeAt(i));
  return String.fromCharCode(...codes);
}

export function isCompany(n: number): boolean {
  return n % companyShare === companyShare - 1;
}

const residentText = (p: number): string => flat(cityResidentId(p));
const companyText = (m: number): string => flat(cityCompanyUscc(m));

/** The identifier of subject `n` (0 <= n < subjectsMax), always the same. */
export function subjectText(n: number): string {
  const block = Math.floor(n / companyShare);
  if (isCompany(n)) return companyText(block);
  return residentText(block * (companyShare - 1) + (n % companyShare));
}

/** A 32-bit integer hash (lowbias32): spreads consecutive ordinals. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Whether subject `n` holds a measure, for a share `fraction` of all subjects. */
export function isMeasured(n: number, fraction: number): boolean {
  return mix32(n ^ 0x9e3779b9) < fraction * 2 ** 32;
}

/** Which of `count` templates subject `n` is under, if it is measured. */
export function templateChoice(n: number, count: number): number {
  return mix32(n ^ 0x85ebca6b) % count;
}

/** A seeded generator (mulberry32) of integers in [0, max). */
export function ordinalGenerator(seed: number, max: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * max);
  };
}

/** Each character code's value in the USCC charset (which holds the ten digits): 5 bits. */
export const charValues = new Uint8Array(128);
for (let i = 0; i < usccCharset.length; i++) charValues[usccCharset.charCodeAt(i)] = i;

/** Characters [from, to) of an identifier, 5 bits each: at most 6 characters in a 32-bit word. */
export function packedWord(key: string, from: number, to: number): number {
  let w = 0;
  for (let i = from; i < to; i++) w = (w << 5) | (charValues[key.charCodeAt(i)] ?? 0);
  return w >>> 0;
}

/** Writes the three words of an identifier's first 17 characters at out[at..at+2]. */
export function packKey(key: string, out: Uint32Array, at: number): void {
  out[at] = packedWord(key, 0, 6);
  out[at + 1] = packedWord(key, 6, 12);
  out[at + 2] = packedWord(key, 12, 17);
}
