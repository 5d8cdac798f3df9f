/**
 * Subject identifiers and their check algorithms (../shared/domain/FACTS.md, "Identifiers"):
 * - resident identity numbers, GB 11643-1999, ISO 7064 MOD 11-2 check character;
 * - Unified Social Credit Codes, GB 32100-2015, mod-31 check character;
 * - passports, written `passport:CCC:NUMBER` with an ISO 3166-1 alpha-3 nationality.
 * A parsed identifier has one canonical text, its `key`, used everywhere a subject is named.
 */
import iso3166 from 'iso-3166-1';
import { fail, ok, type Result } from './result.ts';

export type SubjectKind = 'person' | 'organisation' | 'government';
export type IdentifierScheme = 'resident_id' | 'uscc' | 'passport';

export interface SubjectId {
  /** Canonical text: upper-case resident ID or USCC, or `passport:CCC:NUMBER`. */
  readonly key: string;
  readonly scheme: IdentifierScheme;
  readonly kind: SubjectKind;
  /** The 6-digit administrative region code (resident IDs and USCCs); absent for passports. */
  readonly region?: string;
}

const residentWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const residentCheckCharacters = '10X98765432';
const usccCharset = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const usccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
/** First two digits of a region code: the provinces, autonomous regions, municipalities, HK, Macao, Taiwan. */
const provinceCodes = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
]); // prettier-ignore
const birthYearMin = 1900;
const passportNumberPattern = /^[A-Z0-9]{5,20}$/;
/** Eighteen characters that parseSubjectId first reads as a resident ID: 17 digits, then a digit or X. */
const residentShape = /^\d{17}[\dXx]$/;

/** The check character a resident ID's first 17 digits call for. */
export function residentIdCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (residentWeights[i] ?? 0);
  return residentCheckCharacters.charAt(sum % 11);
}

/** The check character a USCC's first 17 characters call for. */
export function usccCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += usccCharset.indexOf(first17.charAt(i)) * (usccWeights[i] ?? 0);
  return usccCharset.charAt((31 - (sum % 31)) % 31);
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : (daysInMonth[month - 1] ?? 0);
  return day <= days;
}

/*
 * The canonical shapes, read on character codes. Nearly every identifier a service point sends, and every key the
 * store holds, is already canonical (no spaces, upper case); for those, the checks below are the same as the
 * parsers' own, without the slices, regular expressions and number parsing that make the parsers' messages. Only a
 * canonical, valid identifier takes this way; anything else is read by the parser, which says what is wrong.
 */

/** Province codes (the first two digits) as numbers: provinceNumbers[n] is true for a province n. */
const provinceNumbers: readonly boolean[] = Array.from({ length: 100 }, (_, n) =>
  provinceCodes.has(String(n).padStart(2, '0')),
);
/** Each character code's value in the USCC charset, or -1 (lower case included); 128 and up read undefined. */
const usccValues = Int8Array.from({ length: 128 }, (_, code) => usccCharset.indexOf(String.fromCharCode(code)));

/** The decimal number written by the digits text[from, from + count); the caller knows they are digits. */
function digitsValue(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/** Whether `text` is a valid resident ID exactly as written: what parseResidentId accepts with `text` as key. */
function isCanonicalResidentId(text: string): boolean {
  if (text.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    sum += digit * (residentWeights[i] ?? 0);
  }
  // The check characters are digits and X, so a match is also the shape's last character.
  if (text.charCodeAt(17) !== residentCheckCharacters.charCodeAt(sum % 11)) return false;
  if (provinceNumbers[digitsValue(text, 0, 2)] !== true) return false;
  const year = digitsValue(text, 6, 4);
  return year >= birthYearMin && isRealDate(year, digitsValue(text, 10, 2), digitsValue(text, 12, 2));
}

/** Whether `text` is a valid USCC exactly as written: what parseUscc accepts with `text` as key. */
function isCanonicalUscc(text: string): boolean {
  if (text.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = usccValues[text.charCodeAt(i)] ?? -1;
    // Characters 3-8 are the region code: digits, whose values are 0-9.
    if (value < 0 || (i >= 2 && i < 8 && value > 9)) return false;
    sum += value * (usccWeights[i] ?? 0);
  }
  return text.charCodeAt(17) === usccCharset.charCodeAt((31 - (sum % 31)) % 31);
}

const residentOf = (key: string): SubjectId => ({
  key,
  scheme: 'resident_id',
  kind: 'person',
  region: key.slice(0, 6),
});

// Registering authority 1 (staffing) with entity type 1 is a government organ (机关).
const usccOf = (key: string): SubjectId => ({
  key,
  scheme: 'uscc',
  kind: key.startsWith('11') ? 'government' : 'organisation',
  region: key.slice(2, 8),
});

export function parseResidentId(text: string): Result<SubjectId> {
  if (isCanonicalResidentId(text)) return ok(residentOf(text));
  const id = text.trim().toUpperCase();
  if (id.length !== 18) {
    return fail('invalid_resident_id', `a resident ID has 18 characters; this one has ${id.length}`);
  }
  if (!/^\d{17}[\dX]$/.test(id)) {
    return fail('invalid_resident_id', 'a resident ID is 17 digits followed by a digit or X');
  }
  if (!provinceCodes.has(id.slice(0, 2))) {
    return fail('invalid_resident_id', `region code ${id.slice(0, 6)} names no province (first two digits)`);
  }
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  if (year < birthYearMin || !isRealDate(year, month, day)) {
    return fail('invalid_resident_id', `birth date ${id.slice(6, 14)} is impossible`);
  }
  const expected = residentIdCheckCharacter(id.slice(0, 17));
  if (id.charAt(17) !== expected) {
    return fail(
      'invalid_resident_id',
      `check character is ${id.charAt(17)} but the first 17 digits call for ${expected}`,
    );
  }
  return ok(residentOf(id));
}

export function parseUscc(text: string): Result<SubjectId> {
  if (isCanonicalUscc(text)) return ok(usccOf(text));
  const code = text.trim().toUpperCase();
  if (code.length !== 18) {
    return fail('invalid_uscc', `a Unified Social Credit Code has 18 characters; this one has ${code.length}`);
  }
  for (const ch of code) {
    if (!usccCharset.includes(ch)) {
      return fail('invalid_uscc', `character ${ch} is not allowed (the charset has no I, O, S, V or Z)`);
    }
  }
  if (!/^\d{6}$/.test(code.slice(2, 8))) {
    return fail('invalid_uscc', `characters 3-8 are the region code and must be digits, not ${code.slice(2, 8)}`);
  }
  const expected = usccCheckCharacter(code.slice(0, 17));
  if (code.charAt(17) !== expected) {
    return fail(
      'invalid_uscc',
      `check character is ${code.charAt(17)} but the first 17 characters call for ${expected}`,
    );
  }
  return ok(usccOf(code));
}

export function parsePassport(text: string): Result<SubjectId> {
  const parts = text.trim().split(':');
  if (parts.length !== 3 || parts[0]?.toLowerCase() !== 'passport') {
    return fail('invalid_passport', 'a passport is written passport:CCC:NUMBER, e.g. passport:DEU:C01X00T47');
  }
  const nationality = (parts[1] ?? '').toUpperCase();
  const number = (parts[2] ?? '').toUpperCase();
  if (iso3166.whereAlpha3(nationality) === undefined) {
    return fail('invalid_passport', `nationality ${nationality} is not an ISO 3166-1 alpha-3 country code`);
  }
  if (!passportNumberPattern.test(number)) {
    return fail('invalid_passport', 'a passport number has 5 to 20 letters and digits');
  }
  return ok({ key: `passport:${nationality}:${number}`, scheme: 'passport', kind: 'person' });
}

/**
 * Any subject identifier: `passport:...`, else by length and content a resident ID (17 digits + digit/X) or a USCC.
 * The error names the identifier kind it was read as, so the message says what to fix.
 */
export function parseSubjectId(text: string): Result<SubjectId> {
  // Identifiers as written take the short way; the long way below reads them the same. A valid USCC of 17 digits
  // and a digit or X is left to it, as the resident ID's checks come first there.
  if (isCanonicalResidentId(text)) return ok(residentOf(text));
  if (isCanonicalUscc(text) && !residentShape.test(text)) return ok(usccOf(text));
  const trimmed = text.trim();
  if (trimmed.toLowerCase().startsWith('passport:')) return parsePassport(trimmed);
  if (trimmed.length === 0) return fail('invalid_subject', 'subject identifier is empty');
  if (residentShape.test(trimmed)) {
    // Eighteen digits can be either kind. A valid resident ID wins. One whose region and birth date are real but
    // whose check character is wrong is a mistyped resident ID, never read as a USCC (about 1 in 31 would pass
    // the USCC check and then be published unmasked). Otherwise a valid USCC, else the resident ID's error.
    const asResident = parseResidentId(trimmed);
    if (asResident.ok || asResident.problem.message.startsWith('check character')) return asResident;
    const asUscc = parseUscc(trimmed);
    return asUscc.ok ? asUscc : asResident;
  }
  if (/^\d{15,19}$/.test(trimmed)) return parseResidentId(trimmed);
  if (trimmed.length === 18 && /^[0-9A-Za-z]+$/.test(trimmed)) return parseUscc(trimmed);
  return fail(
    'invalid_subject',
    'not a subject identifier: expected an 18-character resident ID, an 18-character USCC or passport:CCC:NUMBER',
  );
}

/**
 * The identifier as a public list shows it. A person's is masked (enough to tell people apart, not to identify
 * them); an organisation's or government body's code is public, as the published lists show it (FACTS.md).
 */
export function maskSubjectKey(id: SubjectId): string {
  if (id.scheme === 'passport') {
    const [, nationality, number = ''] = id.key.split(':');
    return `passport:${nationality}:${number.slice(0, 2)}${'*'.repeat(Math.max(number.length - 4, 1))}${number.slice(-2)}`;
  }
  if (id.scheme === 'resident_id') return `${id.key.slice(0, 6)}********${id.key.slice(14)}`;
  return id.key;
}
