/**
 * Decision benchmark, in process, at city scale: Credence's DecisionIndex (src/index/decision-index.ts) deciding
 * travel.flight for a city's subjects, against a bare lookup of the same keys measured in the same run.
 *
 * Setup (not in the figures; its time and memory are reported):
 * - templates: a 10,000-person demo city made in memory (createDemo on an in-memory SQLite store) gives the measure
 *   windows of a few real derivations, those the index would hold (measureWindows at the build instant): a person
 *   and a company on the court-defaulters list, a person under a flight-conduct ban (all three denied a flight), a
 *   person with Rongcheng's AA-grade incentives and a company with a tax D grade (both allowed one);
 * - subjects: --subjects N identifiers made from their ordinal (bench/support/city-subjects.ts: ~95% resident IDs,
 *   ~5% USCCs, valid check characters, spread over regions and birth dates); a hash of the ordinal picks the
 *   --measured share that hold a measure and the template of each, so the expectation is independent of the index;
 * - the index: a DecisionIndex under the demo's catalogs, with every measured subject put (parsed from its text)
 *   with its template's windows array; memory is heapUsed, arrayBuffers (the index's typed arrays) and rss after a
 *   forced GC, before and after (bytes per subject count the heap and the array buffers);
 * - references, holding the same subjects: (map) Maps keyed by the same identifier strings holding the same windows
 *   arrays, as few as a Map's 2^24-entry cap allows (one at the defaults), picked by two characters of the key;
 *   (table) an open-addressing table in typed arrays keyed by the identifier packed into three 32-bit words
 *   (bench/support/packed-key-table.ts), holding the template's number;
 * - queries: --queries ordinals drawn uniformly from all N subjects by a seeded generator (so about --measured of
 *   them hit), as strings, as parsed SubjectIds and as packed keys, made before any clock starts.
 *
 * Measurements, over the same query sequence, --runs times in turn, medians reported (and each run):
 * - parsed: index.decideFor(subject, 'travel.flight', atMs) on the pre-parsed SubjectIds;
 * - string: index.decide(text, 'travel.flight', atMs), parsing and validating the identifier included;
 * - reference map: the Map lookup on the same strings, counting hits (the use that keeps the loop alive);
 * - reference table: the table lookup on the pre-packed keys, counting hits;
 * - reference table from string: packing the string (no validation) and the table lookup, counting hits.
 * Each loop is timed in batches of 1,000 calls with process.hrtime.bigint: the rate is calls over the summed batch
 * times, p50 the median batch time over 1,000 (p99 likewise, where collections show). A minor GC runs before each.
 * V8 keeps a string's hash in the string, so after the first pass neither Credence nor the map reference pays for
 * hashing a key string; a server receiving fresh strings would pay it on both sides.
 *
 * Checks: before the timed runs, every decision of both paths is checked once against the expectation (a hit on a
 * ban template is denied with a reason, any other subject allowed with none), and every lookup of the references
 * against the template it should find; each timed run's count of denials or hits must equal the expected count.
 * Any mismatch fails the program (exit 1) after the JSON is printed. The goals of issue 8 (>= 5M decisions/s per
 * core from a parsed key, >= 1M/s from a string, parsed >= half the map reference) are printed with whether each
 * is met; the program is single-threaded, so its rate is a per-core rate.
 *
 * Usage: node bench/decide.ts [--subjects N] [--measured F] [--queries N] [--runs N] [--short]
 * Defaults: 22,000,000 subjects (Beijing's residents and companies), 0.05 measured, 10,000,000 queries, 3 runs.
 * --short: 200,000 subjects, 1,000,000 queries, 1 run (a few seconds), to prove in CI that it works.
 * Memory is measured after forced collections (--expose-gc); run without it, the program runs itself with it.
 * Prints one JSON object on stdout; progress goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openContext } from '../src/app/context.ts';
import { createDemo, demoEndMs } from '../src/app/demo.ts';
import { generateKeyMaterial, keyringFrom } from '../src/app/keyring.ts';
import { readDemoFiles } from '../src/cli/files.ts';
import type { Outcome } from '../src/core/actions.ts';
import type { CatalogSet } from '../src/core/catalog-set.ts';
import type { Decision } from '../src/core/decide.ts';
import type { Derivation } from '../src/core/derive.ts';
import { parseSubjectId, type SubjectId } from '../src/core/identifiers.ts';
import type { Result } from '../src/core/result.ts';
import { measureWindows, type MeasureWindow } from '../src/core/windows.ts';
import { DecisionIndex } from '../src/index/decision-index.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import {
  isCompany,
  isMeasured,
  ordinalGenerator,
  packedWord,
  packKey,
  subjectsMax,
  subjectText,
  templateChoice,
} from './support/city-subjects.ts';
import { buildPackedKeyTable, lookupPacked, tableBytes, type PackedKeyTable } from './support/packed-key-table.ts';
import { benchArgs, positive } from './support/options.ts';

const action = 'travel.flight';
const demoPeople = 10_000;
const demoSeed = 'credence';
/** The index is built at the end of the demo's year; decisions are asked a day and 8 hours later. */
const buildAtMs = demoEndMs;
const atMs = demoEndMs + 32 * 3_600_000;
const querySeed = 0x5eed_2026;
const batchCalls = 1_000;
/** Copies of each template's windows made to weigh what a subject's own windows would take. */
const windowCopies = 20_000;
/** A Map holds at most 2^24 entries; the reference fills its Maps to half that at most. */
const mapEntriesMax = 2 ** 23;
const goals = { parsedPerSecond: 5_000_000, stringPerSecond: 1_000_000, parsedToReference: 0.5 } as const;

interface Options {
  readonly subjects: number;
  readonly measured: number;
  readonly queries: number;
  readonly runs: number;
  readonly short: boolean;
}

function parseOptions(argv: string[]): Options {
  const values = benchArgs(argv, ['subjects', 'measured', 'queries', 'runs'], ['short']);
  const short = values.short;
  const subjects = positive('subjects', values.subjects, true) ?? (short ? 200_000 : 22_000_000);
  if (subjects > subjectsMax) throw new Error(`--subjects is at most ${subjectsMax} (distinct resident IDs)`);
  const measured = positive('measured', values.measured, false) ?? 0.05;
  if (measured > 1) throw new Error(`--measured is a share of the subjects, at most 1, got ${measured}`);
  return {
    subjects,
    measured,
    queries: positive('queries', values.queries, true) ?? (short ? 1_000_000 : 10_000_000),
    runs: positive('runs', values.runs, true) ?? (short ? 1 : 3),
    short,
  };
}

const log = (line: string) => process.stderr.write(`decide: ${line}\n`);
const round2 = (n: number) => Math.round(n * 100) / 100;
const seconds = (startedMs: number) => round2((performance.now() - startedMs) / 1000);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  const lo = sorted[mid - 1] ?? hi;
  return sorted.length % 2 === 1 ? hi : (lo + hi) / 2;
}

function collectGarbage(type: 'major' | 'minor'): void {
  if (globalThis.gc === undefined) throw new Error('run node with --expose-gc');
  globalThis.gc({ type, execution: 'sync' });
}

/** Heap and process memory after a full collection (two: the first may leave work for finalizers). */
function settledMemory(): NodeJS.MemoryUsage {
  collectGarbage('major');
  collectGarbage('major');
  return process.memoryUsage();
}

// --- measure templates from the demo city -----------------------------------------------------------------------

interface TemplateSpec {
  readonly name: string;
  readonly kind: 'person' | 'organisation';
  /** A measure the derivation's windows must hold at atMs. */
  readonly measure: string;
  readonly expected: Outcome;
}

const templateSpecs: readonly TemplateSpec[] = [
  { name: 'court-defaulter listing', kind: 'person', measure: 'high-consumption-restrictions', expected: 'deny' },
  { name: 'flight-conduct ban', kind: 'person', measure: 'flight-ban', expected: 'deny' },
  { name: 'AA-grade incentives', kind: 'person', measure: 'community-benefits', expected: 'allow' },
  {
    name: 'court-defaulter listing',
    kind: 'organisation',
    measure: 'high-consumption-restrictions',
    expected: 'deny',
  },
  { name: 'tax D grade', kind: 'organisation', measure: 'd-grade-sanctions', expected: 'allow' },
];

interface Template extends TemplateSpec {
  /** 1-based: the value the reference table holds for it (0 is a miss). */
  readonly value: number;
  readonly derivation: Derivation;
  readonly windows: readonly MeasureWindow[];
}

const isActive = (w: MeasureWindow) => w.fromMs <= atMs && atMs < w.toMs;

/** The independent expectation: denied when a sanction naming the action is in force, else the default (allow). */
function modelOutcome(windows: readonly MeasureWindow[]): Outcome {
  return windows.some((w) => isActive(w) && w.measure.kind === 'sanction' && w.measure.actions.includes(action))
    ? 'deny'
    : 'allow';
}

async function makeTemplates(): Promise<{ catalogs: CatalogSet; templates: Template[]; demoSubjects: number }> {
  const keys = keyringFrom(generateKeyMaterial());
  const store = openSqliteStore(':memory:', { create: true, keys });
  try {
    const context = await openContext(store, { keys });
    const report = await createDemo(context, { people: demoPeople, seed: demoSeed, ...readDemoFiles() });
    // For each spec, the derivation with the fewest windows that holds the measure at atMs: the plainest case.
    const found = new Map<TemplateSpec, { derivation: Derivation; windows: MeasureWindow[] }>();
    for await (const page of store.scanDerivations(5_000)) {
      for (const derivation of page) {
        const windows = measureWindows(context.catalogs, derivation.subject, derivation.kind, derivation, buildAtMs);
        for (const spec of templateSpecs) {
          if (spec.kind !== derivation.kind) continue;
          if (!windows.some((w) => isActive(w) && w.measure.measure === spec.measure)) continue;
          const best = found.get(spec);
          if (best === undefined || windows.length < best.windows.length) found.set(spec, { derivation, windows });
        }
      }
    }
    const templates = templateSpecs.map((spec, i): Template => {
      const match = found.get(spec);
      if (match === undefined) throw new Error(`the demo has no ${spec.kind} under ${spec.measure} at atMs`);
      const model = modelOutcome(match.windows);
      if (model !== spec.expected)
        throw new Error(`template ${spec.name}: its windows give ${model} at atMs, expected ${spec.expected}`);
      return { ...spec, value: i + 1, ...match };
    });
    return { catalogs: context.catalogs, templates, demoSubjects: report.subjects };
  } finally {
    await store.close();
  }
}

/** Chooses a measured subject's template from its ordinal, among the templates of its kind. */
function templatePicker(templates: readonly Template[]): (n: number) => Template {
  const persons = templates.filter((t) => t.kind === 'person');
  const organisations = templates.filter((t) => t.kind === 'organisation');
  return (n) => {
    const among = isCompany(n) ? organisations : persons;
    const picked = among[templateChoice(n, among.length)];
    if (picked === undefined) throw new Error('no template for this kind of subject');
    return picked;
  };
}

function parsed(text: string): SubjectId {
  const subject = parseSubjectId(text);
  if (!subject.ok) throw new Error(`generated identifier ${text} is invalid: ${subject.problem.message}`);
  return subject.value;
}

/**
 * What a subject's own windows would take, had it not shared its template's array: `windowCopies` copies made as
 * the index makes them (measureWindows on the subject's own derivation, whose listings they then hold), kept alive
 * while the heap is measured.
 */
function ownWindowsBytes(catalogs: CatalogSet, template: Template): number {
  const before = settledMemory().heapUsed;
  const copies: MeasureWindow[][] = [];
  for (let i = 0; i < windowCopies; i++) {
    const d = structuredClone(template.derivation);
    copies.push(measureWindows(catalogs, d.subject, d.kind, d, buildAtMs));
  }
  const bytes = (settledMemory().heapUsed - before) / copies.length;
  return copies.length > 0 ? Math.round(bytes) : 0;
}

// --- the references -------------------------------------------------------------------------------------------

interface MapReference {
  readonly shards: readonly Map<string, readonly MeasureWindow[]>[];
  readonly mask: number;
}

/** Two characters of the key (a birth-date digit and the check character for a resident ID) pick its Map. */
const mapShardOf = (key: string, mask: number) => (key.charCodeAt(13) * 31 + key.charCodeAt(17)) & mask;

function buildMapReference(
  ordinals: Uint32Array,
  templateOf: (n: number) => Template,
): MapReference & { readonly entries: number } {
  let count = 1;
  while (ordinals.length / count > mapEntriesMax) count *= 2;
  const shards = Array.from({ length: count }, () => new Map<string, readonly MeasureWindow[]>());
  const mask = count - 1;
  for (const n of ordinals) {
    const key = subjectText(n);
    shards[mapShardOf(key, mask)]?.set(key, templateOf(n).windows);
  }
  return { shards, mask, entries: shards.reduce((sum, shard) => sum + shard.size, 0) };
}

function buildTableReference(ordinals: Uint32Array, templateOf: (n: number) => Template): PackedKeyTable {
  const words = new Uint32Array(ordinals.length * 3);
  const values = new Uint8Array(ordinals.length);
  ordinals.forEach((n, e) => {
    packKey(subjectText(n), words, 3 * e);
    values[e] = templateOf(n).value;
  });
  return buildPackedKeyTable(words, values);
}

// --- queries and their expectation ----------------------------------------------------------------------------

interface Queries {
  readonly texts: readonly string[];
  readonly subjects: readonly SubjectId[];
  readonly packed: Uint32Array;
  /** The template value each query should find, 0 for a subject the index does not hold. */
  readonly expected: Uint8Array;
  readonly hits: number;
  readonly denials: number;
}

function makeQueries(options: Options, templateOf: (n: number) => Template): Queries {
  const next = ordinalGenerator(querySeed, options.subjects);
  const texts: string[] = [];
  const subjects: SubjectId[] = [];
  const packed = new Uint32Array(options.queries * 3);
  const expected = new Uint8Array(options.queries);
  let hits = 0;
  let denials = 0;
  for (let i = 0; i < options.queries; i++) {
    const n = next();
    const text = subjectText(n);
    texts.push(text);
    subjects.push(parsed(text));
    packKey(text, packed, 3 * i);
    if (!isMeasured(n, options.measured)) continue;
    const template = templateOf(n);
    expected[i] = template.value;
    hits++;
    if (template.expected === 'deny') denials++;
  }
  return { texts, subjects, packed, expected, hits, denials };
}

// --- checks (untimed; they also warm the code up) --------------------------------------------------------------

function outcomeExpected(templates: readonly Template[], value: number): Outcome {
  return value === 0 ? 'allow' : (templates[value - 1]?.expected ?? 'allow');
}

/** Decisions that differ from the expectation: the outcome, and a reason exactly when denied. */
function decisionMismatches(
  name: string,
  queries: Queries,
  templates: readonly Template[],
  decideAt: (i: number) => Result<Decision>,
): number {
  let mismatches = 0;
  for (let i = 0; i < queries.expected.length; i++) {
    const want = outcomeExpected(templates, queries.expected[i] ?? 0);
    const got = decideAt(i);
    if (got.ok && got.value.outcome === want && got.value.reasons.length > 0 === (want === 'deny')) continue;
    if (mismatches++ === 0)
      log(`${name}: ${queries.texts[i]} expected ${want}, got ${JSON.stringify(got.ok ? got.value : got.problem)}`);
  }
  return mismatches;
}

/** Lookups that found another template than expected (or none, or one for a subject that has none). */
function lookupMismatches(name: string, queries: Queries, valueAt: (i: number) => number): number {
  let mismatches = 0;
  for (let i = 0; i < queries.expected.length; i++) {
    const want = queries.expected[i] ?? 0;
    const got = valueAt(i);
    if (got === want) continue;
    if (mismatches++ === 0) log(`${name}: ${queries.texts[i]} expected template ${want}, got ${got}`);
  }
  return mismatches;
}

// --- timed loops ----------------------------------------------------------------------------------------------

interface Timing {
  readonly perSecond: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly seconds: number;
  /** Denials (decisions) or hits (lookups): must equal the expectation's. */
  readonly counted: number;
}

/** Runs `batch` over [0, total) in slices of batchCalls, timing each slice. */
function timeBatches(total: number, batch: (from: number, to: number) => number): Timing {
  const batches = Math.ceil(total / batchCalls);
  const nsPerCall = new Float64Array(batches);
  let totalNs = 0;
  let counted = 0;
  for (let b = 0; b < batches; b++) {
    const from = b * batchCalls;
    const to = Math.min(total, from + batchCalls);
    const started = process.hrtime.bigint();
    counted += batch(from, to);
    const ns = Number(process.hrtime.bigint() - started);
    totalNs += ns;
    nsPerCall[b] = ns / (to - from);
  }
  nsPerCall.sort();
  return {
    perSecond: total / (totalNs / 1e9),
    p50Ns: nsPerCall[Math.floor(batches * 0.5)] ?? Number.NaN,
    p99Ns: nsPerCall[Math.min(batches - 1, Math.floor(batches * 0.99))] ?? Number.NaN,
    seconds: totalNs / 1e9,
    counted,
  };
}

/** Stands in for a missing array element, which a strict index type allows for; never reached. */
const noSubject: SubjectId = { key: '', scheme: 'resident_id', kind: 'person' };

function timeParsed(index: DecisionIndex, subjects: readonly SubjectId[]): Timing {
  return timeBatches(subjects.length, (from, to) => {
    let denied = 0;
    for (let i = from; i < to; i++) {
      const decision = index.decideFor(subjects[i] ?? noSubject, action, atMs);
      if (decision.ok && decision.value.outcome === 'deny') denied++;
    }
    return denied;
  });
}

function timeString(index: DecisionIndex, texts: readonly string[]): Timing {
  return timeBatches(texts.length, (from, to) => {
    let denied = 0;
    for (let i = from; i < to; i++) {
      const decision = index.decide(texts[i] ?? '', action, atMs);
      if (decision.ok && decision.value.outcome === 'deny') denied++;
    }
    return denied;
  });
}

function timeMapReference(reference: MapReference, texts: readonly string[]): Timing {
  const { shards, mask } = reference;
  return timeBatches(texts.length, (from, to) => {
    let hits = 0;
    for (let i = from; i < to; i++) {
      const key = texts[i] ?? '';
      if (shards[mapShardOf(key, mask)]?.get(key) !== undefined) hits++;
    }
    return hits;
  });
}

function timeTableReference(table: PackedKeyTable, packed: Uint32Array): Timing {
  return timeBatches(packed.length / 3, (from, to) => {
    let hits = 0;
    for (let i = from; i < to; i++) {
      if (lookupPacked(table, packed[3 * i] ?? 0, packed[3 * i + 1] ?? 0, packed[3 * i + 2] ?? 0) !== 0) hits++;
    }
    return hits;
  });
}

function timeTableFromString(table: PackedKeyTable, texts: readonly string[]): Timing {
  return timeBatches(texts.length, (from, to) => {
    let hits = 0;
    for (let i = from; i < to; i++) {
      const key = texts[i] ?? '';
      if (lookupPacked(table, packedWord(key, 0, 6), packedWord(key, 6, 12), packedWord(key, 12, 17)) !== 0) hits++;
    }
    return hits;
  });
}

const phases = ['parsed', 'string', 'referenceMap', 'referenceTable', 'referenceTableFromString'] as const;
type Phase = (typeof phases)[number];

function summary(runs: readonly Timing[]) {
  const m = (pick: (t: Timing) => number) => median(runs.map(pick));
  return {
    perSecond: Math.round(m((t) => t.perSecond)),
    p50Ns: round2(m((t) => t.p50Ns)),
    p99Ns: round2(m((t) => t.p99Ns)),
    seconds: round2(m((t) => t.seconds)),
  };
}

// --- main -----------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (globalThis.gc === undefined) {
    // Memory is measured after forced collections, which need --expose-gc: run again with it (and any other flags).
    const script = fileURLToPath(import.meta.url);
    const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', script, ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
    process.exit(child.status ?? 1);
  }
  const startedAll = performance.now();
  const { subjects: N, measured: fraction } = options;
  log(`${N.toLocaleString('en')} subjects, ${fraction} measured, ${options.queries.toLocaleString('en')} queries`);

  let started = performance.now();
  const { catalogs, templates, demoSubjects } = await makeTemplates();
  const demoSeconds = seconds(started);
  const templateOf = templatePicker(templates);
  log(`templates from a ${demoSubjects}-subject demo in ${demoSeconds} s`);

  const beforeIndex = settledMemory();
  started = performance.now();
  const index = new DecisionIndex(catalogs, buildAtMs);
  let measuredCount = 0;
  for (let n = 0; n < N; n++) {
    if (!isMeasured(n, fraction)) continue;
    index.put(parsed(subjectText(n)), templateOf(n).windows, buildAtMs);
    measuredCount++;
  }
  const indexSeconds = seconds(started);
  const afterIndex = settledMemory();
  if (index.size !== measuredCount)
    throw new Error(`the index holds ${index.size} subjects, ${measuredCount} were put: it dropped some`);
  const indexHeap = afterIndex.heapUsed - beforeIndex.heapUsed;
  // The index's table keeps its keys in typed arrays, whose memory is outside the JavaScript heap.
  const indexArrayBuffers = afterIndex.arrayBuffers - beforeIndex.arrayBuffers;
  const indexBytes = indexHeap + indexArrayBuffers;
  const indexRss = afterIndex.rss - beforeIndex.rss;
  log(
    `index: ${index.size} subjects put in ${indexSeconds} s, heap +${mib(indexHeap)}, array buffers +${mib(indexArrayBuffers)}, rss +${mib(indexRss)}`,
  );

  const ownWindows = templates.map((t) => ({ template: t, bytes: ownWindowsBytes(catalogs, t) }));

  started = performance.now();
  const ordinals = new Uint32Array(measuredCount);
  for (let n = 0, e = 0; n < N; n++) if (isMeasured(n, fraction)) ordinals[e++] = n;
  const beforeMap = settledMemory();
  const mapReference = buildMapReference(ordinals, templateOf);
  const afterMap = settledMemory();
  const mapSeconds = seconds(started);
  if (mapReference.entries !== measuredCount) throw new Error('the map reference lost entries');
  started = performance.now();
  const table = buildTableReference(ordinals, templateOf);
  const tableSeconds = seconds(started);
  const mapHeap = afterMap.heapUsed - beforeMap.heapUsed;
  log(`references: ${mapReference.shards.length} Map(s) heap +${mib(mapHeap)}; table ${mib(tableBytes(table))}`);

  const beforeQueries = settledMemory();
  started = performance.now();
  const queries = makeQueries(options, templateOf);
  const queriesSeconds = seconds(started);
  const afterQueries = settledMemory();
  log(`queries: ${queries.hits} hits, ${queries.denials} denials expected, made in ${queriesSeconds} s`);

  started = performance.now();
  const windowsValue = new Map(templates.map((t) => [t.windows, t.value]));
  const checks = {
    parsed: decisionMismatches('parsed', queries, templates, (i) =>
      index.decideFor(queries.subjects[i] ?? noSubject, action, atMs),
    ),
    string: decisionMismatches('string', queries, templates, (i) => index.decide(queries.texts[i] ?? '', action, atMs)),
    referenceMap: lookupMismatches('reference map', queries, (i) => {
      const key = queries.texts[i] ?? '';
      const windows = mapReference.shards[mapShardOf(key, mapReference.mask)]?.get(key);
      return windows === undefined ? 0 : (windowsValue.get(windows) ?? -1);
    }),
    referenceTable: lookupMismatches('reference table', queries, (i) => {
      const p = queries.packed;
      return lookupPacked(table, p[3 * i] ?? 0, p[3 * i + 1] ?? 0, p[3 * i + 2] ?? 0);
    }),
    referenceTableFromString: lookupMismatches('reference table from string', queries, (i) => {
      const key = queries.texts[i] ?? '';
      return lookupPacked(table, packedWord(key, 0, 6), packedWord(key, 6, 12), packedWord(key, 12, 17));
    }),
  };
  const checkSeconds = seconds(started);
  const setupSeconds = seconds(startedAll);
  log(`checked every decision and lookup once in ${checkSeconds} s: ${JSON.stringify(checks)} mismatches`);

  const expectedCount: Record<Phase, number> = {
    parsed: queries.denials,
    string: queries.denials,
    referenceMap: queries.hits,
    referenceTable: queries.hits,
    referenceTableFromString: queries.hits,
  };
  const measure: Record<Phase, () => Timing> = {
    parsed: () => timeParsed(index, queries.subjects),
    string: () => timeString(index, queries.texts),
    referenceMap: () => timeMapReference(mapReference, queries.texts),
    referenceTable: () => timeTableReference(table, queries.packed),
    referenceTableFromString: () => timeTableFromString(table, queries.texts),
  };
  const runs: Map<Phase, Timing>[] = [];
  let countMismatches = 0;
  for (let run = 1; run <= options.runs; run++) {
    const timings = new Map<Phase, Timing>();
    for (const phase of phases) {
      collectGarbage('minor');
      const t = measure[phase]();
      timings.set(phase, t);
      if (t.counted !== expectedCount[phase]) {
        countMismatches += Math.abs(t.counted - expectedCount[phase]);
        log(`${phase}: counted ${t.counted}, expected ${expectedCount[phase]}`);
      }
      log(
        `run ${run}/${options.runs} ${phase}: ${Math.round(t.perSecond).toLocaleString('en')}/s, p50 ${round2(t.p50Ns)} ns, p99 ${round2(t.p99Ns)} ns`,
      );
    }
    runs.push(timings);
  }
  const timingsOf = (phase: Phase) => runs.flatMap((r) => r.get(phase) ?? []);

  const results = {
    parsed: summary(timingsOf('parsed')),
    string: summary(timingsOf('string')),
    referenceMap: summary(timingsOf('referenceMap')),
    referenceTable: summary(timingsOf('referenceTable')),
    referenceTableFromString: summary(timingsOf('referenceTableFromString')),
  } satisfies Record<Phase, ReturnType<typeof summary>>;
  const reference = results.referenceMap.perSecond;
  const best = results.referenceTable.perSecond > reference ? 'referenceTable' : 'referenceMap';
  const bestPerSecond = results[best].perSecond;
  const goalsMet = {
    parsedPerSecond: {
      goal: goals.parsedPerSecond,
      value: results.parsed.perSecond,
      met: results.parsed.perSecond >= goals.parsedPerSecond,
    },
    stringPerSecond: {
      goal: goals.stringPerSecond,
      value: results.string.perSecond,
      met: results.string.perSecond >= goals.stringPerSecond,
    },
    parsedToReference: {
      goal: goals.parsedToReference,
      value: round2(results.parsed.perSecond / reference),
      met: results.parsed.perSecond / reference >= goals.parsedToReference,
    },
  };
  for (const [name, g] of Object.entries(goalsMet))
    log(
      `goal ${name} >= ${g.goal.toLocaleString('en')}: ${g.value.toLocaleString('en')}, ${g.met ? 'met' : 'NOT met'}`,
    );

  const mismatches = Object.values(checks).reduce((sum, n) => sum + n, 0) + countMismatches;
  const measuredShare = (t: Template) => {
    const persons = templates.filter((x) => x.kind === 'person').length;
    const organisations = templates.length - persons;
    return t.kind === 'person' ? 19 / 20 / persons : 1 / 20 / organisations;
  };
  const ownWindowsMean = ownWindows.reduce((sum, o) => sum + o.bytes * measuredShare(o.template), 0);
  const bytesPerIndexed = indexBytes / index.size;
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'decide',
      node: process.version,
      cores: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      parameters: {
        subjects: N,
        measured: fraction,
        queries: options.queries,
        runs: options.runs,
        short: options.short,
        action,
        buildAt: new Date(buildAtMs).toISOString(),
        at: new Date(atMs).toISOString(),
        batchCalls,
        demoPeople,
        querySeed,
      },
      setup: {
        seconds: setupSeconds,
        demoSeconds,
        templates: templates.map((t, i) => ({
          name: t.name,
          kind: t.kind,
          windows: t.windows.length,
          activeMeasures: t.windows.filter(isActive).map((w) => w.measure.measure),
          expected: t.expected,
          ownWindowsBytes: ownWindows[i]?.bytes,
        })),
        index: {
          subjects: index.size,
          windows: index.windowCount,
          putSeconds: indexSeconds,
          putsPerSecond: Math.round(index.size / indexSeconds),
          heapBytes: indexHeap,
          arrayBufferBytes: indexArrayBuffers,
          rssBytes: indexRss,
          bytesPerIndexedSubject: Math.round(bytesPerIndexed),
          bytesPerSubject: round2(indexBytes / N),
          // The subjects share their template's windows array; each holding its own would add this much.
          ownWindowsBytesPerIndexedSubject: Math.round(ownWindowsMean),
          bytesPerIndexedSubjectWithOwnWindows: Math.round(bytesPerIndexed + ownWindowsMean),
          heapUsedBefore: beforeIndex.heapUsed,
          heapUsedAfter: afterIndex.heapUsed,
          rssBefore: beforeIndex.rss,
          rssAfter: afterIndex.rss,
        },
        referenceMap: {
          maps: mapReference.shards.length,
          entries: mapReference.entries,
          seconds: mapSeconds,
          heapBytes: mapHeap,
          bytesPerEntry: Math.round(mapHeap / mapReference.entries),
        },
        referenceTable: {
          entries: table.size,
          capacity: table.mask + 1,
          seconds: tableSeconds,
          bytes: tableBytes(table),
          bytesPerEntry: Math.round(tableBytes(table) / table.size),
        },
        queries: {
          count: options.queries,
          hits: queries.hits,
          denials: queries.denials,
          seconds: queriesSeconds,
          heapBytes: afterQueries.heapUsed - beforeQueries.heapUsed,
          arrayBufferBytes: afterQueries.arrayBuffers - beforeQueries.arrayBuffers,
        },
        checkSeconds,
        rssAtEnd: process.memoryUsage().rss,
      },
      results,
      ratio: {
        parsedToReference: round2(results.parsed.perSecond / reference),
        stringToReference: round2(results.string.perSecond / reference),
        bestReference: best,
        parsedToBestReference: round2(results.parsed.perSecond / bestPerSecond),
        stringToBestReference: round2(results.string.perSecond / bestPerSecond),
        tableToMap: round2(results.referenceTable.perSecond / reference),
      },
      goals: goalsMet,
      checks: { decisionsChecked: 2 * options.queries, lookupsChecked: 3 * options.queries, ...checks },
      mismatches,
      perRun: runs.map((r) =>
        Object.fromEntries([...r].map(([p, t]) => [p, { perSecond: Math.round(t.perSecond), p50Ns: round2(t.p50Ns) }])),
      ),
    })}\n`,
  );
  if (mismatches > 0) {
    log(`FAILED: ${mismatches} decisions or lookups differ from the expectation`);
    process.exitCode = 1;
  }
}

await main();
