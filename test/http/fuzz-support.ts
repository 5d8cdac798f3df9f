/**
 * The HTTP fuzzer, shared by the CI-sized test (test/http/fuzz.test.ts) and the long run (test/long/fuzz.ts):
 * fast-check generators of requests to every operation the service's OpenAPI document lists, and a runner that
 * sends them through Fastify's `inject` and holds every answer to two properties: no status is 5xx, and every 4xx
 * body is `{ "error": { "code", "message", "field"? } }` with a stable code (lower snake case).
 *
 * Each request starts from its operation's real shape (the parameters and body schema in the OpenAPI document,
 * filled with the demo data's identifiers, rule codes, actions, lists and instants) and is then bent: identifiers
 * with wrong check characters, wrong types, missing and extra fields, huge strings, odd numbers (NaN, 1e309, -0,
 * 2^53+1), Unicode edge cases, SQL injection and path traversal strings, malformed JSON, wrong content types,
 * oversized query strings, and callers of every role, none, or a garbage or tampered token. An operation added to
 * the service is fuzzed from its schema without a change here. A generated case names its caller symbolically, so
 * a seed gives the same requests on every run; the answers can still differ a little (token secrets are random).
 */
import fc from 'fast-check';
import { keepServerOutput } from '../support/server-output.ts';
import { z } from 'zod';
import { actions } from '../../src/core/actions.ts';
import { httpBodyBytesMax } from '../../src/core/constants.ts';
import { residentIdCheckCharacter, usccCheckCharacter } from '../../src/core/identifiers.ts';
import { demoAgencies, demoCatalogInputs, demoVersions } from '../support/demo-catalogs.ts';
import { fixedNowMs, ids, type Harness, type TokenName } from './support.ts';

export const fuzzSeedDefault = 20261122;

/** The part of JSON Schema the OpenAPI document uses for parameters and bodies. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly $ref?: string;
}

export interface Parameter {
  readonly name: string;
  readonly required: boolean;
  readonly schema: JsonSchema;
}

/** One method of one path in the OpenAPI document: `POST /v1/records`. */
export interface Operation {
  readonly key: string;
  readonly method: string;
  /** The OpenAPI path, with `{name}` parameters. */
  readonly path: string;
  readonly pathParams: readonly Parameter[];
  readonly queryParams: readonly Parameter[];
  readonly body: JsonSchema | undefined;
}

const parameterDoc = z.object({
  in: z.string(),
  name: z.string(),
  required: z.boolean().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
});
const operationDoc = z.object({
  parameters: z.array(parameterDoc).optional(),
  requestBody: z
    .object({ content: z.record(z.string(), z.object({ schema: z.record(z.string(), z.unknown()).optional() })) })
    .optional(),
});
const openApiDoc = z.object({
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.object({ schemas: z.record(z.string(), z.record(z.string(), z.unknown())).optional() }).optional(),
});
const httpMethods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** A schema from the document, with its `$ref`s into the components replaced by what they name (a few deep). */
function schemaOf(value: unknown, components: Record<string, unknown>, depth = 0): JsonSchema {
  if (value === null || typeof value !== 'object' || depth > 8) return {};
  const schema = value as JsonSchema;
  if (typeof schema.$ref === 'string') {
    return schemaOf(components[schema.$ref.replace('#/components/schemas/', '')], components, depth + 1);
  }
  const inner = (s: JsonSchema) => schemaOf(s, components, depth + 1);
  return {
    ...schema,
    ...(schema.properties === undefined
      ? {}
      : { properties: Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, inner(s)])) }),
    ...(schema.items === undefined ? {} : { items: inner(schema.items) }),
    ...(schema.anyOf === undefined ? {} : { anyOf: schema.anyOf.map(inner) }),
    ...(schema.oneOf === undefined ? {} : { oneOf: schema.oneOf.map(inner) }),
  };
}

/** Every operation in an OpenAPI document, in document order. */
function operationsOf(document: unknown): Operation[] {
  const doc = openApiDoc.parse(document);
  const components = doc.components?.schemas ?? {};
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!httpMethods.has(method)) continue;
      const operation = operationDoc.parse(raw);
      const parameters = (operation.parameters ?? []).map((p) => ({
        in: p.in,
        name: p.name,
        required: p.required ?? p.in === 'path',
        schema: schemaOf(p.schema, components),
      }));
      const content = operation.requestBody?.content ?? {};
      const bodySchema = content['application/json']?.schema ?? Object.values(content)[0]?.schema;
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path'),
        queryParams: parameters.filter((p) => p.in === 'query'),
        body: operation.requestBody === undefined ? undefined : schemaOf(bodySchema, components),
      });
    }
  }
  return operations;
}

// ---------------------------------------------------------------------------------------------------------------
// JSON text. Generated bodies are values, serialised by `jsonText`; a `RawJson` node is written as it is, which is
// how a body carries what JSON.stringify cannot write (NaN, 1e309, -0, 2^53+1, a thousand-deep nesting).

class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** Stands in for a RawJson node while JSON.stringify writes the rest (natively: bodies can be megabytes). */
const rawMark = '\u0001raw\u0001';
const rawPlaceholder = /"\\u0001raw\\u0001(\d+)\\u0001raw\\u0001"/g;

function jsonText(value: unknown): string {
  const raws: string[] = [];
  const text =
    JSON.stringify(value, (_key, v: unknown) =>
      v instanceof RawJson ? `${rawMark}${raws.push(v.text) - 1}${rawMark}` : v,
    ) ?? 'null';
  return raws.length === 0 ? text : text.replace(rawPlaceholder, (_, i: string) => raws[Number(i)] ?? '');
}

/** A value as query or path text. */
function plainText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return jsonText(value);
}

/**
 * encodeURIComponent, except that a lone surrogate (which encodeURIComponent refuses) is written as the three
 * bytes a lenient encoder gives it (WTF-8): a percent-escape no UTF-8 decoder accepts.
 */
function encodeComponent(text: string): string {
  if (text.isWellFormed()) return encodeURIComponent(text);
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary: the demo data, and the strings a careless or hostile client sends.

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>): fc.WeightedArbitrary<T> => ({ weight, arbitrary });

const catalogs = demoVersions().map((v) => v.catalog);
const schemeIds = catalogs.map((c) => c.scheme.id);
const listIds = catalogs.flatMap((c) => c.scheme.lists.map((l) => l.id));
const ruleCodes = [...new Set(catalogs.flatMap((c) => c.rules.map((r) => r.code)))];
/** Rule codes of the agencies the harness has tokens for: records with them can be accepted. */
const harnessAgencies = new Set(['traffic-police', 'city-court', 'market-regulator']);
const harnessRuleCodes = [
  ...new Set(
    catalogs.flatMap((c) => c.rules.filter((r) => r.agencies.some((a) => harnessAgencies.has(a))).map((r) => r.code)),
  ),
];
const actionCodes = actions.map((a) => a.code);
const draftBases = demoCatalogInputs();
const agencyIds = demoAgencies().map((a) => a.id);

/** The rule codes a harness token may report: an agency token is named for its agency (trafficPolice). */
function codesOfToken(name: TokenName): readonly string[] {
  const agency = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return [...new Set(catalogs.flatMap((c) => c.rules.filter((r) => r.agencies.includes(agency)).map((r) => r.code)))];
}

const unicodeEdges = [
  '\uD800',
  '\uDFFF',
  'a\uD83D',
  '\uDE00b',
  '\u202E',
  '\u200F',
  '\u200D',
  '\u200B',
  '\u0000',
  '\u0301',
  'e\u0301\u0301\u0301',
  '\uFEFF',
  '\u2028',
  '\u2029',
  '\uFFFF',
  '\uFFFE',
  '\u0007',
  '\u001B[31m',
  '\r\n',
  '\t',
  '\u00A0',
  '\u3000',
  '👨‍👩‍👧‍👦',
  '🏳️‍🌈',
  '😀',
  '\u{10FFFF}',
  '１２３４５６７８９０',
  '١٢٣٤٥',
  '𝟘𝟙𝟚',
  'ß',
  'ﬃ',
  'İ',
  'ı',
  'ŉ',
  'Ⅻ',
  '京',
  'ｘ',
] as const;

const sqlInjections = [
  "' OR '1'='1",
  "' OR 1=1 --",
  '" OR ""="',
  '1; DROP TABLE records; --',
  "'; DELETE FROM tokens; --",
  "' UNION SELECT id, secret_hash FROM tokens --",
  "admin'--",
  '1 OR 1=1',
  "%' --",
  "'||(SELECT sqlite_version())||'",
  "x'); ATTACH DATABASE '/tmp/x.db' AS x; --",
  '\\',
  "'",
  '`',
] as const;

const traversals = [
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%2e%2e/%2e%2e/etc/passwd',
  '%252e%252e%252f',
  '..\\..\\windows\\win.ini',
  '..%5c..%5c',
  '%c0%ae%c0%ae/',
  '/etc/passwd',
  '....//....//',
  '.',
  '..',
  '%2F',
  'a%2Fb',
  '%00',
  'x%00.json',
] as const;

/** Text that looks like a number to someone. */
const numberLikes = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1e309',
  '-0',
  '0',
  '-1',
  '1.5',
  '9007199254740993',
  '9007199254740992',
  '-9007199254740993',
  '1e-400',
  '1e3',
  '0x10',
  '0b11',
  '1_000',
  ' 5',
  '5 ',
  '+5',
  '.5',
  '5.',
  '１２３',
  '١٢٣',
  '1,000',
  '2147483648',
  '18446744073709551616',
  'true',
  'null',
  '[]',
  '{}',
] as const;

/** Numbers as JSON tokens; some are not JSON at all (NaN), which makes the body malformed. */
const edgeNumbers = [
  new RawJson('NaN'),
  new RawJson('Infinity'),
  new RawJson('1e309'),
  new RawJson('-1e309'),
  new RawJson('-0'),
  new RawJson('9007199254740993'),
  new RawJson('-9007199254740993'),
  new RawJson('1e-400'),
  new RawJson('1E2'),
  new RawJson('0.1e1'),
  new RawJson('01'),
  new RawJson('+1'),
  new RawJson('.5'),
  new RawJson('0x10'),
  -1,
  0,
  1.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
];

const fullWidthDigits = (text: string) =>
  text.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + d.charCodeAt(0) - 48));

const regions = ['110101', '110105', '310101', '440304', '510104', '360426', '420106', '650102'] as const;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

const residentFirst17 = fc
  .record({
    region: fc.constantFrom(...regions),
    year: fc.integer({ min: 1930, max: 2020 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    seq: fc.integer({ min: 0, max: 999 }),
  })
  .map((p) => `${p.region}${p.year}${pad(p.month, 2)}${pad(p.day, 2)}${pad(p.seq, 3)}`);
const residentId = residentFirst17.map((f) => f + residentIdCheckCharacter(f));
const residentChecks = '0123456789X';
const residentIdWrongCheck = fc
  .tuple(residentFirst17, fc.integer({ min: 1, max: 10 }))
  .map(([f, k]) => f + residentChecks.charAt((residentChecks.indexOf(residentIdCheckCharacter(f)) + k) % 11));
const usccCharset = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const usccFirst17 = fc
  .tuple(
    fc.constantFrom('91', '92', '93', '11', '12', '31', '51', '52', '59', 'Y1'),
    fc.constantFrom(...regions),
    fc.string({ unit: fc.constantFrom(...usccCharset), minLength: 9, maxLength: 9 }),
  )
  .map((parts) => parts.join(''));
const uscc = usccFirst17.map((f) => f + usccCheckCharacter(f));
const usccWrongCheck = fc
  .tuple(usccFirst17, fc.integer({ min: 1, max: 30 }))
  .map(([f, k]) => f + usccCharset.charAt((usccCharset.indexOf(usccCheckCharacter(f)) + k) % 31));
const passport = fc
  .tuple(
    fc.constantFrom('DEU', 'FRA', 'USA', 'CHN', 'GBR', 'JPN', 'KOR', 'CAN'),
    fc.string({ unit: fc.constantFrom(...'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'), minLength: 5, maxLength: 20 }),
  )
  .map(([nationality, number]) => `passport:${nationality}:${number}`);
const knownSubjects = Object.values(ids);

/** Identifiers that are nearly right: what typing, copying and encoding do to a good one. */
const nearMissSubject = fc.oneof(
  w(3, residentIdWrongCheck),
  w(2, usccWrongCheck),
  w(
    1,
    residentId.map((s) => s.toLowerCase()),
  ),
  w(
    1,
    fc.constantFrom(...knownSubjects).map((s) => ` ${s}\t`),
  ),
  w(1, fc.constantFrom(...knownSubjects).map(fullWidthDigits)),
  w(
    1,
    residentId.map((s) => s.slice(0, 17)),
  ),
  w(
    1,
    residentId.map((s) => `${s}0`),
  ),
  w(
    1,
    uscc.map((s) => s.replace(/[A-Z]/, 'O')),
  ),
  w(
    1,
    fc.tuple(fc.constantFrom(...knownSubjects), fc.nat(), fc.constantFrom(...unicodeEdges)).map(([s, at, edge]) => {
      const i = at % (s.length + 1);
      return s.slice(0, i) + edge + s.slice(i);
    }),
  ),
  w(
    1,
    fc.constantFrom(
      '110101199002300011',
      '990101199001010011',
      '110101189901010011',
      '110101201302290011',
      'passport:XXX:12345',
      'passport:DEU:ab',
      'PASSPORT:deu:c01x00t47',
      'passport::',
      'passport:DEU:C01X00T47:extra',
      'passport:CHN:',
      '000000000000000000',
      'IOSVZ1234567890123',
    ),
  ),
);

const subject = fc.oneof(
  w(6, fc.constantFrom(...knownSubjects)),
  w(2, residentId),
  w(2, uscc),
  w(1, passport),
  w(2, nearMissSubject),
);
const chinesePassport = fc
  .string({ unit: fc.constantFrom(...'EGP0123456789'), minLength: 8, maxLength: 9 })
  .map((n) => `passport:CHN:${n}`);
const nearMissCode = (codes: readonly string[]) =>
  fc.oneof(
    fc.constantFrom(...codes).map((c) => c.toUpperCase()),
    fc.constantFrom(...codes).map((c) => `${c} `),
    fc.constantFrom(...codes).map((c) => c.replace('.', '..')),
    fc.constantFrom(...codes).map((c) => `${c}.x`),
  );
const instant = fc.oneof(
  w(
    5,
    fc.integer({ min: Date.parse('2025-11-01T00:00:00Z'), max: fixedNowMs }).map((ms) => new Date(ms).toISOString()),
  ),
  w(
    2,
    fc.constantFrom(
      '2026-03-01T00:00:00Z',
      '2026-11-22T00:00:00Z',
      '2026-11-22T00:00:00.001Z',
      '2030-01-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-03-01',
      '2026-03-01T00:00:00',
      '2026-03-01T08:00:00+08:00',
      '2026-03-01T24:00:00Z',
      '2026-03-01T00:00:60Z',
      '0000-01-01T00:00:00Z',
      '+275760-09-13T00:00:00.000Z',
      '+275760-09-13T00:00:00.001Z',
      '-000001-01-01T00:00:00Z',
      '1970-01-01T00:00:00Z',
      '2026-W10',
      '1741000000000',
      'Invalid Date',
      'yesterday',
    ),
  ),
);
const text = fc.oneof(
  w(3, fc.string({ minLength: 1, maxLength: 40 })),
  w(1, fc.constantFrom('ticket 1', '(2026) 京01执123号', '京市监罚〔2026〕1号', 'not me', 'checked', '已履行')),
);
/** Record, objection and repair ids: the seeded records are the first few. */
const smallId = fc.oneof(
  w(6, fc.integer({ min: 1, max: 8 })),
  w(3, fc.integer({ min: 1, max: 60 })),
  w(1, fc.integer({ min: 1, max: 2 ** 31 })),
);

/** A value for a field or parameter by its name: the demo data's vocabulary, else undefined (use the schema). */
function hintFor(name: string, type: string | undefined): fc.Arbitrary<unknown> | undefined {
  if (type === 'integer' || type === 'number') {
    if (name === 'recordId' || name === 'id') return smallId;
    if (name === 'version') return fc.integer({ min: 1, max: 4 });
    if (name === 'amount')
      return fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.double({ min: 0, max: 1e6, noNaN: true }));
    return undefined;
  }
  if (type !== 'string') return undefined;
  switch (name) {
    case 'subject':
    case 'subjects':
    case 'filedBy':
      return subject;
    case 'passport':
      return fc.oneof(w(3, chinesePassport), w(1, passport), w(1, nearMissSubject));
    case 'action':
      return fc.oneof(w(8, fc.constantFrom(...actionCodes)), w(1, nearMissCode(actionCodes)));
    case 'code':
      return fc.oneof(
        w(6, fc.constantFrom(...harnessRuleCodes)),
        w(2, fc.constantFrom(...ruleCodes)),
        w(1, nearMissCode(ruleCodes)),
      );
    case 'scope':
      return fc.constantFrom(...actionCodes, ...ruleCodes, ...agencyIds);
    case 'scheme':
      return fc.oneof(w(8, fc.constantFrom(...schemeIds)), w(1, nearMissCode(schemeIds)));
    case 'list':
      return fc.oneof(w(8, fc.constantFrom(...listIds)), w(1, nearMissCode(listIds)));
    case 'agencyRef':
      return fc.oneof(
        w(
          6,
          fc.integer({ min: 0, max: 299 }).map((n) => `FZ-${n}`),
        ),
        w(2, fc.constantFrom('CC-1', 'CC-2', 'CC-3', 'MR-1', 'MR-2', 'TP-1')),
      );
    case 'caseRef':
      return fc.integer({ min: 0, max: 20 }).map((n) => `CASE-${n}`);
    case 'effectiveAt':
    case 'at':
      return instant;
    case 'id':
      return fc.oneof(w(3, fc.stringMatching(/^[0-9a-f]{16}$/)), w(1, fc.string({ minLength: 1, maxLength: 20 })));
    case 'after':
      return fc.oneof(
        subject,
        fc.base64String({ maxLength: 80 }).map((s) => s.replace(/=+$/, '')),
      );
    case 'evidence':
    case 'grounds':
    case 'statement':
    case 'reasons':
    case 'reason':
      return text;
    case 'name':
      return fc.oneof(
        w(2, fc.constantFrom(...agencyIds)),
        w(2, fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/)),
        w(1, text),
      );
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Values from schemas: valid-looking ones, and bent ones.

function typeOf(schema: JsonSchema): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  return t?.find((x) => x !== 'null');
}

const smallJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 });

/** A value the schema accepts (mostly: names hint at the demo vocabulary, which includes near misses). */
function validOf(schema: JsonSchema, name: string): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const union = schema.anyOf ?? schema.oneOf;
  if (union !== undefined && union.length > 0) return fc.oneof(...union.map((s) => validOf(s, name)));
  const type = typeOf(schema);
  const hinted = hintFor(name, type);
  if (hinted) return hinted;
  switch (type) {
    case 'string': {
      const minLength = schema.minLength ?? 0;
      return fc.string({ minLength, maxLength: Math.min(schema.maxLength ?? 40, minLength + 40) });
    }
    case 'integer':
    case 'number': {
      const min = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : (schema.minimum ?? 0);
      const top = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : schema.maximum;
      const max = Math.min(top ?? min + 1000, min + 1000);
      return fc.oneof(w(4, fc.integer({ min, max: Math.min(max, min + 20) })), w(1, fc.integer({ min, max })));
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const itemName = name.endsWith('s') ? name.slice(0, -1) : name;
      const item = schema.items ? validOf(schema.items, name === 'subjects' ? name : itemName) : smallJson;
      const minLength = schema.minItems ?? 0;
      return fc.array(item, { minLength, maxLength: Math.min(schema.maxItems ?? 5, minLength + 5) });
    }
    case 'object':
      return objectOf(schema, validOf);
    default:
      return smallJson;
  }
}

function objectOf(
  schema: JsonSchema,
  child: (schema: JsonSchema, name: string) => fc.Arbitrary<unknown>,
): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return fc.dictionary(fc.string({ maxLength: 8 }), smallJson, { maxKeys: 4 });
  const required = new Set(schema.required ?? []);
  const arbitraries: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, s] of properties) arbitraries[key] = child(s, key);
  return fc.record(arbitraries, { requiredKeys: properties.map(([k]) => k).filter((k) => required.has(k)) });
}

/**
 * One unit repeated: 1 KB to 2 MB, as likely in each power of two, so that most are cheap and a few are megabytes
 * (an escaped unit grows up to sixfold in the body); now and then one string as long as the body limit allows in
 * all (the body is then just past it: 413).
 */
const hugeString = fc.oneof(
  w(
    100,
    fc
      .tuple(
        fc.constantFrom('a', '\u0000', '😀', '\uD800', 'é', '"', '\\', '京', 'x\u200D', '<'),
        fc.integer({ min: 10, max: 21 }),
      )
      .map(([unit, log]) => unit.repeat(Math.floor(2 ** log / unit.length))),
  ),
  w(
    1,
    fc.constant(httpBodyBytesMax).map((n) => 'a'.repeat(n)),
  ),
);
const deepNesting = fc
  .tuple(fc.constantFrom('[', '{"a":'), fc.integer({ min: 64, max: 100_000 }))
  .map(([open, depth]) =>
    open === '['
      ? new RawJson('['.repeat(depth) + ']'.repeat(depth))
      : new RawJson(open.repeat(depth) + '1' + '}'.repeat(depth)),
  );

/**
 * Any code point but a half surrogate. (fc.string's 'binary' unit spends a second at start-up on the whole Unicode
 * range; the edge lists above give the surrogates.)
 */
const anyCodePoint = fc
  .integer({ min: 0, max: 0x10ffff - 0x800 })
  .map((n) => String.fromCodePoint(n < 0xd800 ? n : n + 0x800));

const nastyString: fc.Arbitrary<string> = fc.oneof(
  w(3, fc.constantFrom(...unicodeEdges)),
  w(2, fc.constantFrom(...sqlInjections)),
  w(2, fc.constantFrom(...traversals)),
  w(2, fc.constantFrom(...numberLikes)),
  w(
    2,
    fc.array(fc.constantFrom(...unicodeEdges), { minLength: 1, maxLength: 8 }).map((a) => a.join('')),
  ),
  w(
    2,
    fc.array(anyCodePoint, { maxLength: 30 }).map((a) => a.join('')),
  ),
  w(1, fc.string({ unit: 'binary-ascii', maxLength: 30 })),
  w(1, fc.constant('')),
);

/** A valid value, edited the way text gets edited: an edge character inserted, case changed, padded, doubled. */
function nearValidOf(schema: JsonSchema, name: string): fc.Arbitrary<unknown> {
  return fc
    .tuple(validOf(schema, name), fc.integer({ min: 0, max: 6 }), fc.nat(), fc.constantFrom(...unicodeEdges))
    .map(([value, edit, at, edge]) => {
      const s = plainText(value);
      const i = at % (s.length + 1);
      switch (edit) {
        case 0:
          return s.slice(0, i) + edge + s.slice(i);
        case 1:
          return s.toUpperCase();
        case 2:
          return s.toLowerCase();
        case 3:
          return ` ${s} `;
        case 4:
          return fullWidthDigits(s);
        case 5:
          return s + s;
        default:
          return s.slice(0, -1);
      }
    });
}

/** Just outside the schema's bounds: one character or item too many or too few, one past the range. */
function outOfRangeOf(schema: JsonSchema, name: string): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [];
  const type = typeOf(schema);
  if (type === 'string') {
    if (schema.maxLength !== undefined) options.push(fc.constant('x'.repeat(schema.maxLength + 1)));
    if ((schema.minLength ?? 0) > 0) options.push(fc.constant(''));
  }
  if (type === 'integer' || type === 'number') {
    if (schema.minimum !== undefined) options.push(fc.constant(schema.minimum - 1));
    if (schema.exclusiveMinimum !== undefined) options.push(fc.constant(schema.exclusiveMinimum));
    if (schema.maximum !== undefined) options.push(fc.constant(schema.maximum + 1));
    if (schema.exclusiveMaximum !== undefined) options.push(fc.constant(schema.exclusiveMaximum));
    if (type === 'integer') options.push(fc.constant(1.5));
  }
  if (type === 'array' && schema.items) {
    if ((schema.minItems ?? 0) > 0) options.push(fc.constant([]));
    if (schema.maxItems !== undefined) {
      const n = schema.maxItems + 1;
      options.push(validOf(schema.items, name.replace(/s$/, '')).map((item) => Array<unknown>(n).fill(item)));
    }
  }
  return options.length > 0 ? fc.oneof(...options) : fc.constant(null);
}

function wrongTypeOf(schema: JsonSchema, name: string): fc.Arbitrary<unknown> {
  const valid = validOf(schema, name);
  return fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant({}),
    fc.constant([]),
    fc.string({ maxLength: 10 }),
    valid.map((v) => [v]),
    valid.map((v) => ({ value: v })),
    valid.map((v) => plainText(v)),
    valid.map((v) => (typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v)),
  );
}

/** A value that is wrong for the schema in one of the ways clients get values wrong. */
function bentOf(schema: JsonSchema, name: string, inUrl = false): fc.Arbitrary<unknown> {
  // A URL gets its long text elsewhere (long segments, oversized query strings), a few hundred kilobytes at most.
  const large = inUrl ? 0 : 1;
  return fc.oneof(
    w(8, wrongTypeOf(schema, name)),
    w(8, nastyString),
    w(6, nearValidOf(schema, name)),
    w(6, outOfRangeOf(schema, name)),
    w(4, fc.constantFrom(...edgeNumbers)),
    w(2, fc.constant(null)),
    w(2, fc.constant(new RawJson('{"__proto__":{"polluted":true}}'))),
    w(large, deepNesting),
    w(large, hugeString),
  );
}

const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', '', ' ', '$where', 'records[0]', 'a.b', '\u0000'),
  fc.string({ maxLength: 12 }),
);
const extraValue = fc.oneof(
  smallJson,
  nastyString,
  fc.constantFrom(...edgeNumbers),
  fc.constant({ prototype: { x: 1 } }),
);

/** Mostly valid, with each field bent now and then, fields dropped and fields added. */
function fuzzyOf(schema: JsonSchema, name: string): fc.Arbitrary<unknown> {
  const type = typeOf(schema);
  if (type === 'object' && schema.properties !== undefined) {
    const record = objectOf(schema, fuzzyOf);
    const edit = fc.oneof(
      w(10, fc.constant(undefined)),
      w(1, fc.record({ drop: fc.nat() })),
      w(1, fc.record({ add: fc.array(fc.tuple(extraKey, extraValue), { minLength: 1, maxLength: 3 }) })),
    );
    const structured = fc.tuple(record, edit).map(([value, e]) => {
      if (e === undefined || value === null || typeof value !== 'object') return value;
      const entries = Object.entries(value);
      if ('drop' in e) return Object.fromEntries(entries.filter((_, i) => i !== e.drop % Math.max(entries.length, 1)));
      return Object.fromEntries([...entries, ...e.add]);
    });
    return fc.oneof(w(14, structured), w(1, bentOf(schema, name)));
  }
  if (type === 'array' && schema.items !== undefined) {
    const item = fuzzyOf(schema.items, name === 'subjects' ? name : name.replace(/s$/, ''));
    const minLength = schema.minItems ?? 0;
    const few = fc.array(item, { minLength, maxLength: Math.min(schema.maxItems ?? 5, minLength + 5) });
    // Many copies of one item, up to one past the schema's maximum: big batches and big bodies.
    // As likely in each power of two up to one past the maximum, and the maximum and one past it exactly.
    const top = (schema.maxItems ?? 1000) + 1;
    const count = fc.oneof(
      w(
        4,
        fc.integer({ min: 2, max: Math.max(2, Math.ceil(Math.log2(top))) }).map((k) => Math.min(2 ** k, top)),
      ),
      w(1, fc.constantFrom(top - 1, top)),
    );
    // At most ~8 MB in all: a copied item may itself be a huge string.
    const many = fc
      .tuple(item, count)
      .map(([it, n]) => Array<unknown>(Math.min(n, Math.max(1, Math.floor(8e6 / jsonText(it).length)))).fill(it));
    return fc.oneof(w(30, few), w(1, many), w(2, bentOf(schema, name)));
  }
  return fc.oneof(w(6, validOf(schema, name)), w(1, bentOf(schema, name)));
}

// ---------------------------------------------------------------------------------------------------------------
// Catalog drafts: the demo catalogs, edited at a few places (so validation gets past its first checks).

interface Edit {
  readonly at: number;
  readonly how: 'delete' | 'replace' | 'null' | 'duplicate';
  readonly value: unknown;
}

function pathsIn(value: unknown, prefix: readonly (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => {
    const path = [...prefix, k];
    return [path, ...pathsIn((value as Record<string | number, unknown>)[k], path)];
  });
}

const draftPaths = draftBases.map((base) => pathsIn(base));

function applyEdit(document: unknown, paths: readonly (string | number)[][], edit: Edit): void {
  const path = paths[edit.at % Math.max(paths.length, 1)];
  if (path === undefined || path.length === 0) return;
  let parent: unknown = document;
  for (const key of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return;
    parent = (parent as Record<string | number, unknown>)[key];
  }
  if (parent === null || typeof parent !== 'object') return;
  const container = parent as Record<string | number, unknown>;
  const last = path.at(-1) ?? '';
  if (!(last in container)) return;
  if (edit.how === 'delete') {
    if (Array.isArray(container) && typeof last === 'number') container.splice(last, 1);
    else delete container[last];
  } else if (edit.how === 'null') container[last] = null;
  else if (edit.how === 'duplicate' && Array.isArray(container)) container.push(structuredClone(container[last]));
  else container[last] = edit.value;
}

const draftBody: fc.Arbitrary<unknown> = fc
  .record({
    base: fc.nat({ max: draftBases.length - 1 }),
    effectiveFrom: fc.constantFrom(
      undefined,
      '2027-01-01T00:00:00Z',
      '2026-12-01T00:00:00Z',
      '2026-11-22T00:00:00Z',
      '2026-01-01T00:00:00Z',
      '2027-13-01T00:00:00Z',
    ),
    edits: fc.array(
      fc.record({
        at: fc.nat(),
        how: fc.constantFrom('delete', 'replace', 'null', 'duplicate'),
        value: fc.oneof(nastyString, fc.constantFrom(...edgeNumbers), smallJson),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ base, effectiveFrom, edits }) => {
    const document: unknown = structuredClone(draftBases[base]);
    if (effectiveFrom !== undefined && document !== null && typeof document === 'object') {
      (document as Record<string, unknown>).effectiveFrom = effectiveFrom;
    }
    for (const edit of edits) applyEdit(document, draftPaths[base] ?? [], edit);
    return document;
  });

/** Bodies that the schema cannot describe: per operation key. */
const bodyOverrides: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  'PUT /v1/catalogs/{scheme}/draft': fc.oneof(
    w(4, draftBody),
    w(1, fc.dictionary(extraKey, extraValue, { maxKeys: 4 })),
  ),
};

/** The scheme a draft names, to save it under its own scheme (otherwise nearly every draft is a mismatch). */
function draftSchemeOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || !('scheme' in value)) return undefined;
  const scheme: unknown = value.scheme;
  if (scheme === null || typeof scheme !== 'object' || !('id' in scheme)) return undefined;
  return typeof scheme.id === 'string' ? scheme.id : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests.

export type Tamper =
  | 'flip-last'
  | 'drop-last'
  | 'append'
  | 'lower-scheme'
  | 'upper-scheme'
  | 'two-spaces'
  | 'tab'
  | 'trailing-space'
  | 'other-secret'
  | 'id-only'
  | 'two-tokens'
  | 'no-scheme';

/** Who sends the request; resolved to an Authorization header against the harness's tokens when sent. */
export type Caller =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly name: TokenName }
  | { readonly kind: 'tampered'; readonly name: TokenName; readonly how: Tamper }
  | { readonly kind: 'header'; readonly value: string };

export interface FuzzCase {
  /** The operation aimed at (`POST /v1/records`), or `unrouted` (a wrong method or a path no route has). */
  readonly target: string;
  readonly method: string;
  readonly url: string;
  readonly caller: Caller;
  readonly headers: Readonly<Record<string, string>>;
  /** The body: text (sent as UTF-8) or bytes (which need not be UTF-8). */
  readonly payload?: string | Uint8Array;
}

/** A body: a value to send as JSON (written after linking, see operationArbitraryOf), or a payload as it is. */
interface BodyPart {
  readonly json?: { readonly value: unknown };
  readonly payload?: string | Uint8Array;
  readonly contentType?: string;
}

const jsonContentTypes = [
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json;charset=UTF-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; boundary=x',
  'application/vnd.api+json',
  'application/problem+json',
  'application/jsonp',
  'application/json, text/plain',
] as const;
const wrongContentTypes = [
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----fuzz',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'json',
  'application/',
  '/',
  ';',
  '',
  ' application/json',
  'application/json\t',
] as const;
const malformedJson = [
  '{',
  '}',
  '[',
  '{"records":[}',
  '{"a":1,}',
  "{'a':1}",
  '{"a":NaN}',
  '{a:1}',
  '// comment\n{}',
  '\uFEFF{}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":"\u0001"}',
  'undefined',
  'nul',
  '"unterminated',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '[1,2',
  '1 2',
  '\u0000',
  ' ',
  '\n',
] as const;
const invalidUtf8 = [
  [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d],
  [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d],
  [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d],
  [0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00],
  [0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d],
  [0xef, 0xbb, 0xbf, 0x7b, 0x7d],
  [0x80],
] as const;

function bodyArbitraryOf(operation: Operation): fc.Arbitrary<BodyPart> {
  const json = (value: unknown, contentType = 'application/json'): BodyPart => ({ json: { value }, contentType });
  if (operation.body === undefined) {
    return fc.oneof(
      w(12, fc.constant({})),
      w(
        1,
        smallJson.map((v) => json(v)),
      ),
      w(
        1,
        fc
          .tuple(fc.constantFrom(...malformedJson), fc.constantFrom(...wrongContentTypes, 'application/json'))
          .map(([payload, contentType]) => ({ payload, contentType })),
      ),
    );
  }
  const override = bodyOverrides[operation.key];
  const value = override ?? fuzzyOf(operation.body, '');
  return fc.oneof(
    w(
      28,
      value.map((v) => json(v)),
    ),
    // Wholly valid-looking bodies (the vocabulary still has near misses): the deeper checks need them.
    w(
      10,
      (override ?? validOf(operation.body, '')).map((v) => json(v)),
    ),
    w(
      1,
      fc.tuple(value, fc.constantFrom(...jsonContentTypes)).map(([v, contentType]) => json(v, contentType)),
    ),
    w(
      1,
      fc
        .tuple(value, fc.constantFrom(...wrongContentTypes))
        .map(([v, contentType]) => ({ payload: jsonText(v), contentType })),
    ),
    w(1, fc.constant({ payload: '', contentType: 'application/json' })),
    w(1, fc.constant({})),
    w(
      1,
      fc.constantFrom(...malformedJson).map((payload) => ({ payload, contentType: 'application/json' })),
    ),
    w(
      1,
      fc.tuple(value, fc.nat()).map(([v, cut]) => {
        const whole = jsonText(v);
        return { payload: whole.slice(0, cut % Math.max(whole.length, 1)), contentType: 'application/json' };
      }),
    ),
    w(
      1,
      fc
        .oneof(
          fc.constantFrom(null, true, 'text', 0),
          fc.constantFrom(...edgeNumbers),
          value.map((v) => [v]),
          deepNesting,
        )
        .map((v) => json(v)),
    ),
    w(
      1,
      fc
        .oneof(
          fc.constantFrom(...invalidUtf8).map((bytes) => Uint8Array.from(bytes)),
          fc.tuple(value, fc.uint8Array({ minLength: 1, maxLength: 6, min: 0x80 }), fc.nat()).map(([v, bytes, at]) => {
            const whole = new TextEncoder().encode(jsonText(v));
            const i = at % (whole.length + 1);
            return Uint8Array.from([...whole.subarray(0, i), ...bytes, ...whole.subarray(i)]);
          }),
        )
        .map((payload) => ({ payload, contentType: 'application/json' })),
    ),
  );
}

/** A query or path value: valid for its schema, bent, or one of the number-like strings. */
function parameterTextOf(parameter: Parameter): fc.Arbitrary<string> {
  return fc.oneof(
    w(8, validOf(parameter.schema, parameter.name).map(plainText)),
    w(1, fc.constantFrom(...numberLikes)),
    w(2, bentOf(parameter.schema, parameter.name, true).map(plainText)),
  );
}

/** Path segments sent as they are, not encoded: traversal and broken percent-escapes. */
const rawSegments = [
  ...traversals,
  '',
  '%',
  '%ZZ',
  '%E4%B8',
  '%ED%A0%80',
  '%C0%AE%C0%AE',
  '%FF',
  '..%00',
  '%20',
  '+',
  ';x=1',
] as const;

function segmentArbitraryOf(parameter: Parameter): fc.Arbitrary<{ readonly text: string; readonly raw: boolean }> {
  return fc.oneof(
    w(
      20,
      parameterTextOf(parameter).map((t) => ({ text: t, raw: false })),
    ),
    w(
      2,
      fc.constantFrom(...rawSegments).map((t) => ({ text: t, raw: true })),
    ),
    w(
      1,
      fc.integer({ min: 7, max: 16 }).map((log) => ({ text: 'a'.repeat(2 ** log), raw: true })),
    ),
  );
}

type Pairs = readonly (readonly [string, string])[];

function queryArbitraryOf(parameters: readonly Parameter[]): fc.Arbitrary<string> {
  const perParameter = parameters.map((p) =>
    fc.oneof(
      w(p.required ? 1 : 6, fc.constant<Pairs>([])),
      w(
        8,
        validOf(p.schema, p.name).map((v): Pairs => [[p.name, plainText(v)]]),
      ),
      w(
        3,
        parameterTextOf(p).map((v): Pairs => [[p.name, v]]),
      ),
      w(
        1,
        fc.tuple(parameterTextOf(p), parameterTextOf(p)).map(([a, b]): Pairs => [
          [p.name, a],
          [p.name, b],
        ]),
      ),
      w(
        1,
        parameterTextOf(p).map((v): Pairs => [[`${p.name}[]`, v]]),
      ),
    ),
  );
  const extras = fc.oneof(
    w(24, fc.constant<Pairs>([])),
    w(4, fc.array(fc.tuple(fc.oneof(extraKey, nastyString), nastyString), { minLength: 1, maxLength: 3 })),
    w(
      1,
      fc.integer({ min: 10, max: 17 }).map((log): Pairs => [['pad', 'a'.repeat(2 ** log)]]),
    ),
    w(
      1,
      fc.integer({ min: 5, max: 12 }).map((log): Pairs => Array.from({ length: 2 ** log }, (_, i) => [`k${i}`, 'v'])),
    ),
  );
  return fc
    .tuple(fc.tuple(...perParameter), extras, fc.oneof(w(12, fc.constant(true)), w(1, fc.constant(false))))
    .map(([groups, extra, encode]) => {
      const pairs = [...groups.flat(), ...extra];
      if (pairs.length === 0) return '';
      const enc = encode ? encodeComponent : (s: string) => s.replaceAll('#', '%23');
      return `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`;
    });
}

/** Characters an HTTP header value may hold (visible ASCII, space, and obs-text). */
const headerChar = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((c) => c !== 0x7f)
  .map((c) => String.fromCharCode(c));
const garbageAuthorization = fc.oneof(
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'bearer',
    'Basic dXNlcjpwYXNz',
    'Bearer cr_',
    'Bearer cr_0000000000000000_x',
    'Bearer cr___',
    'Token abc',
    '',
    ' ',
    'Bearer null',
    'Bearer undefined',
    "Bearer ' OR '1'='1",
    'Bearer ../../etc/passwd',
    'Bearer a b c',
    'Bearer \u00ff\u00e9',
  ),
  fc.string({ unit: headerChar, maxLength: 80 }).map((s) => `Bearer ${s}`),
  fc.string({ unit: headerChar, maxLength: 80 }),
  fc.integer({ min: 10, max: 16 }).map((log) => `Bearer ${'A'.repeat(2 ** log)}`),
);
const tampers: readonly Tamper[] = [
  'flip-last',
  'drop-last',
  'append',
  'lower-scheme',
  'upper-scheme',
  'two-spaces',
  'tab',
  'trailing-space',
  'other-secret',
  'id-only',
  'two-tokens',
  'no-scheme',
];

function callerArbitraryOf(allowed: readonly TokenName[], all: readonly TokenName[]): fc.Arbitrary<Caller> {
  const token = (names: readonly TokenName[]) =>
    fc.constantFrom(...names).map((name): Caller => ({ kind: 'token', name }));
  return fc.oneof(
    w(allowed.length > 0 ? 8 : 0, token(allowed.length > 0 ? allowed : all)),
    w(3, token(all)),
    w(1, fc.constant<Caller>({ kind: 'none' })),
    w(
      1,
      garbageAuthorization.map((value): Caller => ({ kind: 'header', value })),
    ),
    w(
      1,
      fc
        .tuple(fc.constantFrom(...all), fc.constantFrom(...tampers))
        .map(([name, how]): Caller => ({ kind: 'tampered', name, how })),
    ),
  );
}

const extraHeaders = fc.oneof(
  w(16, fc.constant<Record<string, string>>({})),
  w(
    1,
    fc.constantFrom('text/csv', 'application/xml', '*/*', '', 'application/json;q=0').map((accept) => ({ accept })),
  ),
  w(1, fc.constant({ 'x-http-method-override': 'DELETE', 'x-forwarded-for': '127.0.0.1, 10.0.0.1' })),
  w(
    1,
    fc
      .string({ unit: headerChar, maxLength: 40 })
      .map((value) => ({ 'x-request-id': value, 'accept-language': value })),
  ),
  w(1, fc.constant({ 'accept-encoding': 'gzip, deflate, br', origin: 'https://evil.example' })),
);

function assemble(
  target: string,
  method: string,
  path: string,
  caller: Caller,
  headers: Record<string, string>,
  query: string,
  body: BodyPart,
): FuzzCase {
  const all = { ...headers, ...(body.contentType === undefined ? {} : { 'content-type': body.contentType }) };
  const payload = body.json === undefined ? body.payload : jsonText(body.json.value);
  return {
    target,
    method,
    url: path + query,
    caller,
    headers: all,
    ...(payload === undefined || method === 'HEAD' ? {} : { payload }),
  };
}

/**
 * Half the time a body is made to fit its caller or its path, so that more requests get past the first checks:
 * an agency's records name rule codes in its remit (one code outside it refuses the whole batch).
 */
function linkBody(operation: Operation, value: unknown, caller: Caller, pick: number): unknown {
  if (operation.key !== 'POST /v1/records' || caller.kind !== 'token') return value;
  const codes = codesOfToken(caller.name);
  if (codes.length === 0 || value === null || typeof value !== 'object' || !('records' in value)) return value;
  const records: unknown = value.records;
  if (!Array.isArray(records)) return value;
  return {
    ...value,
    records: records.map((r: unknown, i) =>
      r !== null && typeof r === 'object' && 'code' in r && typeof r.code === 'string'
        ? { ...r, code: codes[(pick + i) % codes.length] }
        : r,
    ),
  };
}

function operationArbitraryOf(
  operation: Operation,
  allowed: readonly TokenName[],
  all: readonly TokenName[],
): fc.Arbitrary<FuzzCase> {
  const segments = fc.tuple(...operation.pathParams.map(segmentArbitraryOf));
  return fc
    .record({
      segments,
      query: queryArbitraryOf(operation.queryParams),
      body: bodyArbitraryOf(operation),
      caller: callerArbitraryOf(allowed, all),
      headers: extraHeaders,
      link: fc.boolean(),
      pick: fc.nat(),
    })
    .map(({ segments: parts, query, body: unlinked, caller, headers, link, pick }) => {
      const body =
        link && unlinked.json !== undefined
          ? { ...unlinked, json: { value: linkBody(operation, unlinked.json.value, caller, pick) } }
          : unlinked;
      let path = operation.path;
      operation.pathParams.forEach((p, i) => {
        const part = parts[i] ?? { text: '', raw: true };
        // A draft is saved under its own scheme's id half the time (otherwise nearly every one is a mismatch).
        const linked = link && p.name === 'scheme' ? draftSchemeOf(body.json?.value) : undefined;
        const text = linked ?? part.text;
        path = path.replace(`{${p.name}}`, part.raw && linked === undefined ? text : encodeComponent(text));
      });
      return assemble(operation.key, operation.method, path, caller, headers, query, body);
    });
}

/** Paths no route has, or has for another method. */
function unroutedArbitraryOf(operations: readonly Operation[], all: readonly TokenName[]): fc.Arbitrary<FuzzCase> {
  const filled = [...new Set(operations.map((o) => o.path.replace(/\{[^}]+\}/g, '1')))];
  const weird = [
    '/',
    '/v1',
    '/v1/',
    '/V1/LISTS',
    '/v1/lists/',
    '//v1/lists',
    '/v1//lists',
    '/v1/lists%2F',
    '/v1%2flists',
    '/v1/lists%00',
    '/v1/lists;x=1',
    '/v1/lists/..',
    '/v1/lists/%2e%2e',
    '/v1/lists/%2e%2e/%2e%2e/etc/passwd',
    '/docs',
    '/docs/',
    '/docs/json',
    '/docs/yaml',
    '/docs/static/index.html',
    '/docs/static/..%2f..%2f..%2fpackage.json',
    '/docs/static/%2e%2e/%2e%2e/package.json',
    '/docs/static/../../package.json',
    '/docs/static/%2e%2e%5c%2e%2e%5cpackage.json',
    '/openapi.json',
    '/metrics',
    '/healthz',
    '/etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/..%5c..%5cwindows%5cwin.ini',
    '/%',
    '/%ZZ',
    '/%ED%A0%80',
    '/%C0%AE%C0%AE/',
    '/%00',
    '/v1/subjects/%2F/standing',
    '/v1/records/%2e%2e%2f%2e%2e%2fetc%2fpasswd/retraction',
    '/*',
    '/v1/*',
    '/v1/lists?a=%',
    '/v1/public/lists/court-defaulters/members?after=%FF',
    '/v1/public/lists/court-defaulters/members?format=csv&after=',
  ];
  const path = fc.oneof(
    w(4, fc.constantFrom(...filled)),
    w(4, fc.constantFrom(...weird)),
    w(
      2,
      fc.tuple(fc.constantFrom(...filled), nastyString).map(([p, s]) => `${p}/${encodeComponent(s)}`),
    ),
    w(
      1,
      fc.tuple(fc.constantFrom('/', '/v1/', '/docs/static/'), fc.constantFrom(...traversals)).map(([a, b]) => a + b),
    ),
    // A backslash after the first slash would make the URL parser read a host (`/\\x` is `//x`): escape it.
    w(
      1,
      fc
        .string({ unit: 'grapheme-ascii', maxLength: 40 })
        .map((s) => `/${s.replaceAll('#', '%23').replaceAll('\\', '%5C')}`),
    ),
    w(
      1,
      fc.integer({ min: 10, max: 4000 }).map((n) => `/v1/${'a/'.repeat(n)}`),
    ),
  );
  return fc
    .record({
      method: fc.constantFrom(
        'GET',
        'POST',
        'PUT',
        'DELETE',
        'PATCH',
        'HEAD',
        'OPTIONS',
        'TRACE',
        'PROPFIND',
        'SEARCH',
      ),
      path,
      caller: callerArbitraryOf([], all),
      body: fc.oneof(
        w(3, fc.constant<BodyPart>({})),
        w(
          1,
          smallJson.map((v): BodyPart => ({ payload: jsonText(v), contentType: 'application/json' })),
        ),
      ),
      headers: extraHeaders,
    })
    .map(({ method, path: p, caller, body, headers }) => assemble('unrouted', method, p, caller, headers, '', body));
}

/**
 * Requests to every operation, and a share of unrouted ones. An operation that takes no input (no parameters, no
 * body: /healthz, /metrics, GET /v1/lists) has little to fuzz but the caller and a stray query, and gets a third of
 * the share of the others.
 */
function caseArbitraryOf(
  operations: readonly Operation[],
  access: ReadonlyMap<string, readonly TokenName[]>,
  all: readonly TokenName[],
): fc.Arbitrary<FuzzCase> {
  const weightOf = (o: Operation) => (o.pathParams.length + o.queryParams.length > 0 || o.body !== undefined ? 9 : 3);
  return fc.oneof(
    ...operations.map((o) => w(weightOf(o), operationArbitraryOf(o, access.get(o.key) ?? [], all))),
    w(9, unroutedArbitraryOf(operations, all)),
  );
}

function authorizationOf(caller: Caller, tokens: Readonly<Record<TokenName, string>>): string | undefined {
  switch (caller.kind) {
    case 'none':
      return undefined;
    case 'header':
      return caller.value;
    case 'token':
      return `Bearer ${tokens[caller.name]}`;
    case 'tampered': {
      const token = tokens[caller.name];
      const other = Object.values(tokens).find((t) => t !== token) ?? token;
      switch (caller.how) {
        case 'flip-last':
          return `Bearer ${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
        case 'drop-last':
          return `Bearer ${token.slice(0, -1)}`;
        case 'append':
          return `Bearer ${token}x`;
        case 'lower-scheme':
          return `bearer ${token}`;
        case 'upper-scheme':
          return `BEARER ${token}`;
        case 'two-spaces':
          return `Bearer  ${token}`;
        case 'tab':
          return `Bearer\t${token}`;
        case 'trailing-space':
          return `Bearer ${token} `;
        case 'other-secret':
          return `Bearer ${token.split('_').slice(0, 2).join('_')}_${other.split('_').slice(2).join('_')}`;
        case 'id-only':
          return `Bearer ${token.split('_').slice(0, 2).join('_')}`;
        case 'two-tokens':
          return `Bearer ${token}, Bearer ${other}`;
        case 'no-scheme':
          return token;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The runner.

const stableCode = /^[a-z][a-z0-9_]*$/;

/** What is wrong with an answer, or undefined. A 429 is an ordinary 4xx. */
function problemWith(fuzzCase: FuzzCase, status: number, body: string): string | undefined {
  if (status >= 500) return `status ${status}`;
  if (status < 400 || fuzzCase.method === 'HEAD') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'the error body is not JSON';
  }
  const parsed = errorBody.safeParse(json);
  if (!parsed.success) return `the error body is not { error: { code, message, field? } }`;
  if (!stableCode.test(parsed.data.error.code))
    return `the error code ${JSON.stringify(parsed.data.error.code)} is not stable`;
  return undefined;
}

const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

/** A request as printed in a report: long text shortened (runs of one unit counted), bytes in hex. */
export interface PrintedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly bodyHex?: string;
}

function shorten(textIn: string, max = 2000): string {
  const runs =
    textIn.length > 200
      ? textIn.replace(
          /([\s\S]{1,6}?)\1{19,}/g,
          (run, unit: string) => `⟪${JSON.stringify(unit)} × ${run.length / unit.length}⟫`,
        )
      : textIn;
  return runs.length <= max ? runs : `${runs.slice(0, max)}⟪… ${runs.length - max} more characters⟫`;
}

function printedRequest(fuzzCase: FuzzCase, tokens: Readonly<Record<TokenName, string>>): PrintedRequest {
  const authorization = authorizationOf(fuzzCase.caller, tokens);
  const headers = {
    ...fuzzCase.headers,
    ...(authorization === undefined ? {} : { authorization: shorten(authorization, 200) }),
  };
  const payload = fuzzCase.payload;
  return {
    method: fuzzCase.method,
    url: shorten(fuzzCase.url),
    headers,
    ...(payload === undefined
      ? {}
      : typeof payload === 'string'
        ? { body: shorten(payload) }
        : { bodyHex: shorten(Buffer.from(payload).toString('hex')) }),
  };
}

export interface Failure {
  /** The run index (0-based) of the first request that showed the problem. */
  readonly index: number;
  readonly target: string;
  readonly caller: string;
  readonly problem: string;
  readonly request: PrintedRequest;
  readonly status: number;
  readonly response: string;
  /** How many requests showed the same problem on the same target with the same status. */
  count: number;
}

/** A process warning (a deprecation, say) and the request being answered when it was emitted. */
export interface Warning {
  readonly warning: string;
  readonly index: number;
  readonly request: PrintedRequest | undefined;
}

export interface FuzzSummary {
  readonly seed: number;
  readonly requests: number;
  readonly concurrency: number;
  readonly ms: number;
  readonly byStatus: Record<string, number>;
  /** Requests per OpenAPI operation (`unrouted` for the rest). */
  readonly byOperation: Record<string, number>;
  /** Error codes seen, with counts. */
  readonly byCode: Record<string, number>;
  /** Requests that broke a property. */
  readonly violations: number;
  /** The first request of each kind of violation. */
  readonly failures: readonly Failure[];
  /** Warnings the process emitted during the run (not a property, but worth reading). */
  readonly warnings: readonly Warning[];
}

export interface FuzzOptions {
  readonly requests: number;
  readonly seed: number;
  /** Requests in flight at once (default 1: one after the other, each answer seen before the next request). */
  readonly concurrency?: number;
  /** Called about every `progressEvery` requests. */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
}

const increment = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

/**
 * Which tokens an operation lets past authorisation: each token is tried once with no body (authorisation runs
 * before validation, so the body does not matter); a 403 forbidden_role means no. Public operations allow all.
 */
async function probeAccess(harness: Harness, operations: readonly Operation[]): Promise<Map<string, TokenName[]>> {
  const names = Object.keys(harness.tokens) as TokenName[];
  const access = new Map<string, TokenName[]>();
  for (const operation of operations) {
    const url = operation.path.replace(/\{[^}]+\}/g, '1');
    const allowed: TokenName[] = [];
    for (const name of names) {
      const answer = await harness.app.inject({
        method: operation.method as 'GET',
        url,
        headers: { authorization: `Bearer ${harness.tokens[name]}` },
      });
      const refused = answer.statusCode === 403 && answer.body.includes('"forbidden_role"');
      if (!refused) allowed.push(name);
    }
    access.set(operation.key, allowed);
  }
  return access;
}

/** The operations the service documents: from its own OpenAPI document. */
export async function documentedOperations(harness: Harness): Promise<Operation[]> {
  const answer = await harness.app.inject({ method: 'GET', url: '/openapi.json' });
  if (answer.statusCode !== 200) throw new Error(`GET /openapi.json answered ${answer.statusCode}`);
  return operationsOf(JSON.parse(answer.body));
}

const failuresKeptMax = 100;

function callerName(caller: Caller): string {
  switch (caller.kind) {
    case 'none':
    case 'header':
      return caller.kind;
    case 'token':
      return caller.name;
    case 'tampered':
      return `${caller.name} (${caller.how})`;
  }
}

/**
 * Sends `requests` generated requests to the harness in one seeded fast-check run, and never stops early: every
 * violation is counted, and the first request of each kind kept (by target, status and problem).
 */
export async function runFuzz(harness: Harness, options: FuzzOptions): Promise<FuzzSummary> {
  const started = performance.now();
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const progressEvery = options.progressEvery ?? 50_000;
  const operations = await documentedOperations(harness);
  const access = await probeAccess(harness, operations);
  const names = Object.keys(harness.tokens) as TokenName[];
  const one = caseArbitraryOf(operations, access, names);
  const batch =
    concurrency === 1 ? one.map((c) => [c]) : fc.array(one, { minLength: concurrency, maxLength: concurrency });
  const byStatus: Record<string, number> = {};
  const byOperation: Record<string, number> = Object.fromEntries(operations.map((o) => [o.key, 0]));
  const byCode: Record<string, number> = {};
  const failures = new Map<string, Failure>();
  const warnings: Warning[] = [];
  let violations = 0;
  let sent = 0;
  let current: { index: number; fuzzCase: FuzzCase } | undefined;

  const note = (index: number, fuzzCase: FuzzCase, problem: string, status: number, response: string) => {
    violations++;
    const key = `${fuzzCase.target} ${status} ${problem}`;
    const known = failures.get(key);
    if (known) known.count++;
    else if (failures.size < failuresKeptMax) {
      failures.set(key, {
        index,
        target: fuzzCase.target,
        caller: callerName(fuzzCase.caller),
        problem,
        request: printedRequest(fuzzCase, harness.tokens),
        status,
        response: shorten(response, 2000),
        count: 1,
      });
    }
  };
  // A crash that escapes a request (a rejected promise nobody awaited) or an error-level log line is a failure.
  const escaped = (error: unknown) => {
    violations++;
    const problem = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const key = `process ${problem}`;
    const known = failures.get(key);
    if (known) known.count++;
    else {
      failures.set(key, {
        index: current?.index ?? -1,
        target: 'process',
        caller: current ? callerName(current.fuzzCase.caller) : '',
        problem,
        request: current ? printedRequest(current.fuzzCase, harness.tokens) : { method: '', url: '', headers: {} },
        status: 0,
        response: '',
        count: 1,
      });
    }
  };
  const logged = (line: string) => escaped(new Error(`error logged: ${shorten(line, 1000)}`));
  const warned = (warning: Error) => {
    warnings.push({
      warning: `${warning.name}: ${warning.message}`,
      index: current?.index ?? -1,
      request: current ? printedRequest(current.fuzzCase, harness.tokens) : undefined,
    });
  };

  const send = async (fuzzCase: FuzzCase) => {
    const index = sent++;
    current = { index, fuzzCase };
    increment(byOperation, fuzzCase.target);
    const authorization = authorizationOf(fuzzCase.caller, harness.tokens);
    const headers = { ...fuzzCase.headers, ...(authorization === undefined ? {} : { authorization }) };
    const payload = fuzzCase.payload;
    try {
      const answer = await harness.app.inject({
        method: fuzzCase.method as 'GET',
        url: fuzzCase.url,
        headers,
        ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : Buffer.from(payload) }),
      });
      increment(byStatus, String(answer.statusCode));
      // For the scan after the whole run: no error message may hold an identifier (test/run.ts).
      if (answer.statusCode >= 400) keepServerOutput('error', answer.body);
      else if (fuzzCase.url.startsWith('/metrics')) keepServerOutput('metrics', answer.body);
      if (answer.statusCode >= 400 && answer.statusCode < 500 && fuzzCase.method !== 'HEAD') {
        increment(byCode, /"code":"([^"]*)"/.exec(answer.body)?.[1] ?? '(none)');
      }
      const problem = problemWith(fuzzCase, answer.statusCode, answer.body);
      if (problem !== undefined) note(index, fuzzCase, problem, answer.statusCode, answer.body);
    } catch (error) {
      increment(byStatus, 'threw');
      note(index, fuzzCase, `inject threw: ${error instanceof Error ? error.message : String(error)}`, 0, '');
    }
    // The harness keeps every log line; a long run must not.
    if (sent % 1000 === 0) takeLogLines(harness, logged);
    if (options.onProgress && sent % progressEvery === 0) options.onProgress(sent);
  };

  process.on('unhandledRejection', escaped);
  process.on('uncaughtException', escaped);
  process.on('warning', warned);
  try {
    await fc.check(
      fc.asyncProperty(batch, async (cases) => {
        await Promise.all(cases.map(send));
        return true;
      }),
      { seed: options.seed, numRuns: Math.ceil(options.requests / concurrency), endOnFailure: true },
    );
    // Let the decision log write what the last requests queued, then read the last log lines.
    await harness.service.decisionLog.flush();
    takeLogLines(harness, logged);
  } finally {
    process.off('unhandledRejection', escaped);
    process.off('uncaughtException', escaped);
    process.off('warning', warned);
  }
  return {
    seed: options.seed,
    requests: sent,
    concurrency,
    ms: Math.round(performance.now() - started),
    byStatus,
    byOperation,
    byCode,
    violations,
    failures: [...failures.values()],
    warnings,
  };
}

/** Empties the harness's log lines, passing on those at level error (50) or above. */
function takeLogLines(harness: Harness, onError: (line: string) => void): void {
  for (const line of harness.lines.splice(0)) {
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level !== undefined && Number(level) >= 50) onError(line);
  }
}

/** The summary as one JSON line: the failures and warnings counted, not shown. */
export function summaryLine(summary: FuzzSummary): string {
  const { failures, warnings, ...rest } = summary;
  return JSON.stringify({ ...rest, failureKinds: failures.length, warnings: warnings.length });
}
