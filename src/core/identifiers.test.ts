/**
 * Tests for subject identifiers. The check characters are re-derived here from the formulas in FACTS.md
 * ("Identifiers") by an independent reference (ISO 7064 MOD 11-2 as powers of two, mod-31 weights as powers of
 * three), so a wrong table in the code under test cannot agree with itself. A seeded PRNG drives the generated
 * cases: the same seed gives the same 1000 identifiers on every run.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  maskSubjectKey,
  parsePassport,
  parseResidentId,
  parseSubjectId,
  parseUscc,
  residentIdCheckCharacter,
  usccCheckCharacter,
  type SubjectId,
} from './identifiers.ts';
import type { Result } from './result.ts';

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(random: () => number, alphabet: string): string {
  return alphabet.charAt(Math.floor(random() * alphabet.length));
}

function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

const digits = '0123456789';
const residentCheckAlphabet = '0123456789X';
const usccCharset = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const provinces = [
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
]; // prettier-ignore

/** ISO 7064 MOD 11-2 written from the standard: weight 2^(17-i) mod 11, check value (12 - sum mod 11) mod 11. */
function referenceResidentCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charAt(i)) * (2 ** (17 - i) % 11);
  const check = (12 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/** GB 32100-2015: weight 3^i mod 31, check = charset[(31 - sum mod 31) mod 31]. */
function referenceUsccCheck(first17: string): string {
  let sum = 0;
  let weight = 1;
  for (let i = 0; i < 17; i++) {
    sum += usccCharset.indexOf(first17.charAt(i)) * weight;
    weight = (weight * 3) % 31;
  }
  return usccCharset.charAt((31 - (sum % 31)) % 31);
}

function residentId(first17: string): string {
  return first17 + referenceResidentCheck(first17);
}

function uscc(first17: string): string {
  return first17 + referenceUsccCheck(first17);
}

function valueOf(result: Result<SubjectId>): SubjectId {
  if (!result.ok) assert.fail(`expected a subject, got ${result.problem.code}: ${result.problem.message}`);
  return result.value;
}

describe('reference check characters agree with the FACTS.md examples', () => {
  for (const id of ['11010519491231002X', '360426199101010071']) {
    test(id, () => {
      assert.equal(referenceResidentCheck(id.slice(0, 17)), id.charAt(17));
      assert.equal(residentIdCheckCharacter(id.slice(0, 17)), id.charAt(17));
    });
  }
  for (const code of ['91110108551385082Q', '91110000600037341L']) {
    test(code, () => {
      assert.equal(referenceUsccCheck(code.slice(0, 17)), code.charAt(17));
      assert.equal(usccCheckCharacter(code.slice(0, 17)), code.charAt(17));
    });
  }
});

describe('parseResidentId accepts', () => {
  const cases: { input: string; key: string; region: string }[] = [
    { input: '11010519491231002X', key: '11010519491231002X', region: '110105' },
    { input: '360426199101010071', key: '360426199101010071', region: '360426' },
    { input: '11010519491231002x', key: '11010519491231002X', region: '110105' },
    { input: '  360426199101010071\n', key: '360426199101010071', region: '360426' },
    // 29 February in a leap year divisible by 400.
    { input: residentId('11010520000229001'), key: residentId('11010520000229001'), region: '110105' },
    { input: residentId('11010519000101001'), key: residentId('11010519000101001'), region: '110105' },
    { input: residentId('81000019491231002'), key: residentId('81000019491231002'), region: '810000' },
  ];
  for (const { input, key, region } of cases) {
    test(JSON.stringify(input), () => {
      assert.deepEqual(parseResidentId(input), {
        ok: true,
        value: { key, scheme: 'resident_id', kind: 'person', region },
      });
    });
  }
});

describe('parseResidentId rejects', () => {
  const cases: { name: string; input: string; message: string }[] = [
    { name: 'empty', input: '', message: 'a resident ID has 18 characters; this one has 0' },
    {
      name: '17 characters',
      input: '11010519491231002',
      message: 'a resident ID has 18 characters; this one has 17',
    },
    {
      name: '19 characters',
      input: '11010519491231002X1',
      message: 'a resident ID has 18 characters; this one has 19',
    },
    {
      name: 'legacy 15-digit number',
      input: '110105491231002',
      message: 'a resident ID has 18 characters; this one has 15',
    },
    {
      name: 'check character Y',
      input: '11010519491231002Y',
      message: 'a resident ID is 17 digits followed by a digit or X',
    },
    {
      name: 'X before the end',
      input: '1101051949123100X2',
      message: 'a resident ID is 17 digits followed by a digit or X',
    },
    {
      name: 'letter in the body',
      input: '110105I9491231002X',
      message: 'a resident ID is 17 digits followed by a digit or X',
    },
    {
      name: 'full-width digit',
      input: '11010519491231002１',
      message: 'a resident ID is 17 digits followed by a digit or X',
    },
    {
      name: 'unknown province 00',
      input: residentId('00010519491231002'),
      message: 'region code 000105 names no province (first two digits)',
    },
    {
      name: 'unknown province 99',
      input: residentId('99010519491231002'),
      message: 'region code 990105 names no province (first two digits)',
    },
    {
      name: 'unknown province 16',
      input: residentId('16010519491231002'),
      message: 'region code 160105 names no province (first two digits)',
    },
    {
      name: '29 February 1900 (not a leap year)',
      input: residentId('11010519000229001'),
      message: 'birth date 19000229 is impossible',
    },
    {
      name: '29 February 2001',
      input: residentId('11010520010229001'),
      message: 'birth date 20010229 is impossible',
    },
    {
      name: '30 February 2000',
      input: residentId('11010520000230001'),
      message: 'birth date 20000230 is impossible',
    },
    { name: 'month 13', input: residentId('11010519491301002'), message: 'birth date 19491301 is impossible' },
    { name: 'month 00', input: residentId('11010519490001002'), message: 'birth date 19490001 is impossible' },
    { name: 'day 00', input: residentId('11010519491200002'), message: 'birth date 19491200 is impossible' },
    { name: 'day 32', input: residentId('11010519491232002'), message: 'birth date 19491232 is impossible' },
    { name: '31 April', input: residentId('11010519490431002'), message: 'birth date 19490431 is impossible' },
    {
      name: 'year before 1900',
      input: residentId('11010518991231002'),
      message: 'birth date 18991231 is impossible',
    },
    {
      name: 'wrong check character (digit for X)',
      input: '110105194912310021',
      message: 'check character is 1 but the first 17 digits call for X',
    },
    {
      name: 'wrong check character (X for a digit)',
      input: '36042619910101007X',
      message: 'check character is X but the first 17 digits call for 1',
    },
    {
      name: 'wrong check character, lower-case x reported upper-case',
      input: '36042619910101007x',
      message: 'check character is X but the first 17 digits call for 1',
    },
  ];
  for (const { name, input, message } of cases) {
    test(name, () => {
      assert.deepEqual(parseResidentId(input), { ok: false, problem: { code: 'invalid_resident_id', message } });
    });
  }
});

describe('parseUscc accepts', () => {
  const government = '11110000000013127' + usccCheckCharacter('11110000000013127');
  const cases: { input: string; key: string; kind: SubjectId['kind']; region: string }[] = [
    { input: '91110108551385082Q', key: '91110108551385082Q', kind: 'organisation', region: '110108' },
    { input: '91110000600037341L', key: '91110000600037341L', kind: 'organisation', region: '110000' },
    { input: '91110108551385082q', key: '91110108551385082Q', kind: 'organisation', region: '110108' },
    { input: ' 91110000600037341L ', key: '91110000600037341L', kind: 'organisation', region: '110000' },
    // Registering authority 1 with entity type 1: a government organ.
    { input: government, key: government, kind: 'government', region: '110000' },
    { input: government.toLowerCase(), key: government, kind: 'government', region: '110000' },
    // Authority 1 with another entity type, and other authorities, are organisations.
    { input: uscc('12110000400000001'), key: uscc('12110000400000001'), kind: 'organisation', region: '110000' },
    { input: uscc('13110000500000001'), key: uscc('13110000500000001'), kind: 'organisation', region: '110000' },
    { input: uscc('51110000500000001'), key: uscc('51110000500000001'), kind: 'organisation', region: '110000' },
    { input: uscc('21110000500000001'), key: uscc('21110000500000001'), kind: 'organisation', region: '110000' },
  ];
  for (const { input, key, kind, region } of cases) {
    test(`${JSON.stringify(input)} is ${kind}`, () => {
      assert.deepEqual(parseUscc(input), { ok: true, value: { key, scheme: 'uscc', kind, region } });
    });
  }
});

describe('parseUscc rejects', () => {
  const forbidden = ['I', 'O', 'S', 'V', 'Z'].map((letter) => ({
    name: `forbidden letter ${letter}`,
    input: `91110108${letter}51385082Q`,
    message: `character ${letter} is not allowed (the charset has no I, O, S, V or Z)`,
  }));
  const cases: { name: string; input: string; message: string }[] = [
    {
      name: '17 characters',
      input: '91110108551385082',
      message: 'a Unified Social Credit Code has 18 characters; this one has 17',
    },
    {
      name: '19 characters',
      input: '91110108551385082QQ',
      message: 'a Unified Social Credit Code has 18 characters; this one has 19',
    },
    ...forbidden,
    {
      name: 'forbidden letter in lower case',
      input: '91110108o51385082Q',
      message: 'character O is not allowed (the charset has no I, O, S, V or Z)',
    },
    {
      name: 'forbidden letter as the check character',
      input: '91110108551385082Z',
      message: 'character Z is not allowed (the charset has no I, O, S, V or Z)',
    },
    {
      name: 'punctuation',
      input: '91110108-51385082Q',
      message: 'character - is not allowed (the charset has no I, O, S, V or Z)',
    },
    {
      name: 'letter in the region code',
      input: uscc('91A10108551385082'),
      message: 'characters 3-8 are the region code and must be digits, not A10108',
    },
    {
      name: 'letter at the end of the region code',
      input: uscc('9111010B551385082'),
      message: 'characters 3-8 are the region code and must be digits, not 11010B',
    },
    {
      name: 'wrong check character',
      input: '91110108551385082R',
      message: 'check character is R but the first 17 characters call for Q',
    },
    {
      name: 'wrong check character (digit)',
      input: '911100006000373410',
      message: 'check character is 0 but the first 17 characters call for L',
    },
  ];
  for (const { name, input, message } of cases) {
    test(name, () => {
      assert.deepEqual(parseUscc(input), { ok: false, problem: { code: 'invalid_uscc', message } });
    });
  }
});

describe('parsePassport', () => {
  const accepted: { input: string; key: string }[] = [
    { input: 'passport:DEU:C01X00T47', key: 'passport:DEU:C01X00T47' },
    { input: 'passport:deu:c01x00t47', key: 'passport:DEU:C01X00T47' },
    { input: 'PASSPORT:Deu:C01X00T47', key: 'passport:DEU:C01X00T47' },
    { input: '  passport:USA:123456789  ', key: 'passport:USA:123456789' },
    { input: 'passport:GBR:12345', key: 'passport:GBR:12345' },
    { input: 'passport:FRA:ABCDEFGHIJ0123456789', key: 'passport:FRA:ABCDEFGHIJ0123456789' },
  ];
  for (const { input, key } of accepted) {
    test(`accepts ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parsePassport(input), { ok: true, value: { key, scheme: 'passport', kind: 'person' } });
    });
  }

  const shape = 'a passport is written passport:CCC:NUMBER, e.g. passport:DEU:C01X00T47';
  const number = 'a passport number has 5 to 20 letters and digits';
  const rejected: { name: string; input: string; message: string }[] = [
    { name: 'unknown country XXX', input: 'passport:XXX:C01X00T47', message: 'nationality XXX is not an ISO 3166-1 alpha-3 country code' },
    { name: 'alpha-2 country', input: 'passport:DE:C01X00T47', message: 'nationality DE is not an ISO 3166-1 alpha-3 country code' },
    { name: 'empty country', input: 'passport::C01X00T47', message: 'nationality  is not an ISO 3166-1 alpha-3 country code' },
    { name: 'number too short', input: 'passport:DEU:C01X', message: number },
    { name: 'number too long', input: 'passport:DEU:ABCDEFGHIJ01234567890', message: number },
    { name: 'number with a dash', input: 'passport:DEU:C01-X00T47', message: number },
    { name: 'number with a space', input: 'passport:DEU:C01 X00T47', message: number },
    { name: 'empty number', input: 'passport:DEU:', message: number },
    { name: 'no number', input: 'passport:DEU', message: shape },
    { name: 'too many parts', input: 'passport:DEU:C01X00T47:extra', message: shape },
    { name: 'wrong prefix', input: 'pass:DEU:C01X00T47', message: shape },
    { name: 'bare number', input: 'C01X00T47', message: shape },
  ]; // prettier-ignore
  for (const { name, input, message } of rejected) {
    test(`rejects ${name}`, () => {
      assert.deepEqual(parsePassport(input), { ok: false, problem: { code: 'invalid_passport', message } });
    });
  }
});

describe('parseSubjectId dispatch', () => {
  // All digits, a valid USCC, and not a resident ID (91 names no province).
  const digitUscc = '911101085513850070';
  // A government organ whose code is all digits and ends in X; as a resident ID its birth date 00000000 is impossible.
  const digitGovernment = '11110000000013111X';

  test('the all-digit examples are what they claim to be', () => {
    assert.equal(digitUscc, uscc(digitUscc.slice(0, 17)));
    assert.equal(digitGovernment, uscc(digitGovernment.slice(0, 17)));
    assert.equal(parseResidentId(digitUscc).ok, false);
    assert.equal(parseResidentId(digitGovernment).ok, false);
  });

  const accepted: { input: string; value: SubjectId }[] = [
    {
      input: '11010519491231002X',
      value: { key: '11010519491231002X', scheme: 'resident_id', kind: 'person', region: '110105' },
    },
    {
      input: ' 11010519491231002x ',
      value: { key: '11010519491231002X', scheme: 'resident_id', kind: 'person', region: '110105' },
    },
    {
      input: '91110108551385082Q',
      value: { key: '91110108551385082Q', scheme: 'uscc', kind: 'organisation', region: '110108' },
    },
    {
      input: '91110000600037341l',
      value: { key: '91110000600037341L', scheme: 'uscc', kind: 'organisation', region: '110000' },
    },
    { input: digitUscc, value: { key: digitUscc, scheme: 'uscc', kind: 'organisation', region: '110108' } },
    {
      input: digitGovernment.toLowerCase(),
      value: { key: digitGovernment, scheme: 'uscc', kind: 'government', region: '110000' },
    },
    {
      input: 'passport:DEU:C01X00T47',
      value: { key: 'passport:DEU:C01X00T47', scheme: 'passport', kind: 'person' },
    },
    {
      input: 'Passport:deu:c01x00t47',
      value: { key: 'passport:DEU:C01X00T47', scheme: 'passport', kind: 'person' },
    },
  ];
  for (const { input, value } of accepted) {
    test(`reads ${JSON.stringify(input)} as ${value.scheme}`, () => {
      assert.deepEqual(parseSubjectId(input), { ok: true, value });
    });
  }

  const rejected: { name: string; input: string; code: string; message: string }[] = [
    { name: 'empty', input: '', code: 'invalid_subject', message: 'subject identifier is empty' },
    { name: 'blank', input: '  \t ', code: 'invalid_subject', message: 'subject identifier is empty' },
    {
      name: '18 digits valid as neither: the resident ID error',
      input: '110105194912310021',
      code: 'invalid_resident_id',
      message: 'check character is 1 but the first 17 digits call for X',
    },
    {
      name: '18 digits with no province and a wrong USCC check: the resident ID error',
      input: '911101085513850071',
      code: 'invalid_resident_id',
      message: 'region code 911101 names no province (first two digits)',
    },
    {
      name: 'legacy 15-digit number read as a resident ID',
      input: '110105491231002',
      code: 'invalid_resident_id',
      message: 'a resident ID has 18 characters; this one has 15',
    },
    {
      name: '19 digits read as a resident ID',
      input: '1101051949123100201',
      code: 'invalid_resident_id',
      message: 'a resident ID has 18 characters; this one has 19',
    },
    {
      name: '18 letters and digits read as a USCC',
      input: '91110108551385082R',
      code: 'invalid_uscc',
      message: 'check character is R but the first 17 characters call for Q',
    },
    {
      name: 'passport prefix read as a passport',
      input: 'passport:XXX:C01X00T47',
      code: 'invalid_passport',
      message: 'nationality XXX is not an ISO 3166-1 alpha-3 country code',
    },
    {
      name: 'anything else',
      input: 'hello',
      code: 'invalid_subject',
      message:
        'not a subject identifier: expected an 18-character resident ID, an 18-character USCC or passport:CCC:NUMBER',
    },
    {
      name: '18 characters with punctuation',
      input: '91110108-51385082Q',
      code: 'invalid_subject',
      message:
        'not a subject identifier: expected an 18-character resident ID, an 18-character USCC or passport:CCC:NUMBER',
    },
  ];
  for (const { name, input, code, message } of rejected) {
    test(`rejects ${name}`, () => {
      assert.deepEqual(parseSubjectId(input), { ok: false, problem: { code, message } });
    });
  }
});

/**
 * A person's identifier must never be read as an organisation's: an organisation's code is published unmasked, so
 * a resident ID with a mistyped check character that happens to pass the mod-31 check (about 1 in 31 of them when
 * the first two digits name a province) becomes a "government" subject whose birth date a public list shows.
 * parseSubjectId therefore keeps the resident ID's error when only its check character is wrong.
 */
describe('a mistyped resident ID is not read as an organisation', () => {
  test('110105194912310005 (should end in 3) is rejected as a resident ID', () => {
    assert.equal(valueOf(parseResidentId('110105194912310003')).key, '110105194912310003');
    assert.deepEqual(parseSubjectId('110105194912310005'), {
      ok: false,
      problem: { code: 'invalid_resident_id', message: 'check character is 5 but the first 17 digits call for 3' },
    });
  });

  test('no wrong check character on 1000 generated Beijing resident IDs is accepted (seeded)', () => {
    const random = mulberry32(0x5eed_0004);
    const accepted: string[] = [];
    for (let n = 0; n < 1000; n++) {
      const birth = `${randomInt(random, 1900, 2025)}${String(randomInt(random, 1, 12)).padStart(2, '0')}${String(randomInt(random, 1, 28)).padStart(2, '0')}`;
      const first17 = `110105${birth}${String(randomInt(random, 0, 999)).padStart(3, '0')}`;
      const check = referenceResidentCheck(first17);
      for (const other of residentCheckAlphabet) {
        if (other !== check && parseSubjectId(first17 + other).ok) accepted.push(first17 + other);
      }
    }
    assert.deepEqual(accepted.slice(0, 5), [], `${accepted.length} mistyped resident IDs accepted`);
  });
});

describe('check characters on 1000 generated identifiers (seeded)', () => {
  test('resident IDs: the computed check character is accepted, every other one rejected', () => {
    const random = mulberry32(0x5eed_0001);
    for (let n = 0; n < 1000; n++) {
      const year = randomInt(random, 1900, 2025);
      const month = randomInt(random, 1, 12);
      const day = randomInt(random, 1, 28);
      let first17 = provinces[randomInt(random, 0, provinces.length - 1)] ?? '11';
      for (let i = 0; i < 4; i++) first17 += pick(random, digits);
      first17 += `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
      for (let i = 0; i < 3; i++) first17 += pick(random, digits);

      const check = referenceResidentCheck(first17);
      assert.equal(residentIdCheckCharacter(first17), check, first17);
      const id = first17 + check;
      assert.deepEqual(parseResidentId(id), {
        ok: true,
        value: { key: id, scheme: 'resident_id', kind: 'person', region: id.slice(0, 6) },
      });
      assert.equal(valueOf(parseSubjectId(id)).scheme, 'resident_id', id);
      for (const other of residentCheckAlphabet) {
        if (other === check) continue;
        assert.deepEqual(parseResidentId(first17 + other), {
          ok: false,
          problem: {
            code: 'invalid_resident_id',
            message: `check character is ${other} but the first 17 digits call for ${check}`,
          },
        });
      }
    }
  });

  test('USCCs: the computed check character is accepted, every other one rejected', () => {
    const random = mulberry32(0x5eed_0002);
    for (let n = 0; n < 1000; n++) {
      let first17 = pick(random, usccCharset) + pick(random, usccCharset);
      for (let i = 0; i < 6; i++) first17 += pick(random, digits);
      for (let i = 0; i < 9; i++) first17 += pick(random, usccCharset);

      const check = referenceUsccCheck(first17);
      assert.equal(usccCheckCharacter(first17), check, first17);
      const code = first17 + check;
      const kind = code.startsWith('11') ? 'government' : 'organisation';
      assert.deepEqual(parseUscc(code), {
        ok: true,
        value: { key: code, scheme: 'uscc', kind, region: code.slice(2, 8) },
      });
      for (const other of usccCharset) {
        if (other === check) continue;
        assert.deepEqual(parseUscc(first17 + other), {
          ok: false,
          problem: {
            code: 'invalid_uscc',
            message: `check character is ${other} but the first 17 characters call for ${check}`,
          },
        });
      }
    }
  });
});

describe('maskSubjectKey', () => {
  const cases: { name: string; input: string; masked: string }[] = [
    { name: 'resident ID: region and sequence kept, birth date hidden', input: '11010519491231002X', masked: '110105********002X' },
    { name: 'resident ID', input: '360426199101010071', masked: '360426********0071' },
    { name: 'passport: first and last two of the number', input: 'passport:DEU:C01X00T47', masked: 'passport:DEU:C0*****47' },
    { name: 'passport of the shortest length', input: 'passport:GBR:AB123', masked: 'passport:GBR:AB*23' },
    { name: 'organisation shown whole', input: '91110108551385082Q', masked: '91110108551385082Q' },
    { name: 'organisation shown whole', input: '91110000600037341L', masked: '91110000600037341L' },
    { name: 'government body shown whole', input: '11110000000013111X', masked: '11110000000013111X' },
  ]; // prettier-ignore
  for (const { name, input, masked } of cases) {
    test(`${name}: ${input}`, () => {
      const id = valueOf(parseSubjectId(input));
      const shown = maskSubjectKey(id);
      assert.equal(shown, masked);
      if (id.kind === 'person') assert.notEqual(shown, id.key);
    });
  }

  test('the birth date never appears in a masked resident ID (generated, seeded)', () => {
    const random = mulberry32(0x5eed_0003);
    for (let n = 0; n < 200; n++) {
      const birth = `${randomInt(random, 1900, 2020)}${String(randomInt(random, 1, 12)).padStart(2, '0')}${String(randomInt(random, 1, 28)).padStart(2, '0')}`;
      const id = valueOf(parseResidentId(residentId(`110105${birth}${randomInt(random, 100, 999)}`)));
      const shown = maskSubjectKey(id);
      assert.equal(shown.length, 18);
      assert.equal(shown.slice(6, 14), '********');
      assert.ok(!shown.includes(birth), shown);
    }
  });
});

/**
 * An identifier exactly as stored (no spaces, upper case) is read on character codes; the same text with a space
 * before it is always read the long way (trimmed, then checked step by step, which makes the messages). Both ways
 * must give the same answer for every input, valid or not. The inputs: generated resident IDs and USCCs with
 * dates and regions around their limits, each changed in one character and given back a check character that
 * fits (else nearly every change would only break the check), for each kind's check and two fixed ones.
 */
describe('an identifier as written is read as the long way reads it', () => {
  const substitutes = '0123456789XxAZIOQ -１';
  const parsers = { parseResidentId, parseUscc, parseSubjectId };

  function bodies(random: () => number): string[] {
    const found: string[] = [];
    for (let n = 0; n < 40; n++) {
      const year = randomInt(random, 1895, 2030);
      const month = String(randomInt(random, 0, 13)).padStart(2, '0');
      const day = String(randomInt(random, 0, 32)).padStart(2, '0');
      const province = provinces[randomInt(random, 0, provinces.length - 1)] ?? '11';
      found.push(`${province}0105${year}${month}${day}${randomInt(random, 100, 999)}`);
      let code = pick(random, usccCharset) + pick(random, usccCharset);
      for (let i = 0; i < 6; i++) code += pick(random, digits);
      for (let i = 0; i < 9; i++) code += pick(random, usccCharset);
      found.push(code);
    }
    for (const date of ['19000229', '20000229', '20040229', '20010229', '19000101', '18991231', '20251231'])
      found.push(`110105${date}001`);
    return found;
  }

  test('every one-character change of generated identifiers (seeded)', () => {
    const random = mulberry32(0x5eed_0005);
    let compared = 0;
    for (const base of bodies(random)) {
      for (let i = 0; i < 17; i++) {
        for (const ch of substitutes) {
          const body = base.slice(0, i) + ch + base.slice(i + 1);
          for (const last of [residentIdCheckCharacter(body), usccCheckCharacter(body), 'X', '0']) {
            const text = body + last;
            for (const [name, parse] of Object.entries(parsers)) {
              assert.deepEqual(parse(text), parse(` ${text}`), `${name}(${JSON.stringify(text)})`);
              compared++;
            }
          }
        }
      }
    }
    assert.ok(compared > 100_000, `${compared} inputs compared`);
  });
});
