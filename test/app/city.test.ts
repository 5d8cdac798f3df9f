/**
 * The streaming city generator (src/app/city.ts) and the split of the demo generator it draws records with
 * (src/app/population.ts): the demo city keeps its bytes, and a city made a block at a time has identifiers and
 * agency references unique across blocks, valid check characters, records inside the span and in order, and
 * blocks that hold their own slice of the city and nothing more.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  cityBlock,
  cityBlockCount,
  cityBlocks,
  cityBlockSubjects,
  cityMix,
  peoplePerCompany,
  peoplePerForeigner,
  peoplePerGovernment,
  yearMs,
  type CityBlock,
  type CityOptions,
} from '../../src/app/city.ts';
import { demoEndMs, demoStartMs } from '../../src/app/demo.ts';
import { generatePopulation } from '../../src/app/population.ts';
import { parseSubjectId } from '../../src/core/identifiers.ts';

const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

const city: CityOptions = {
  people: 2_500,
  seed: 'city-test',
  startMs: demoStartMs,
  endMs: demoStartMs + 2 * yearMs,
  blockPeople: 1_000,
};

describe('generatePopulation after the split into subjects and drawRecords', () => {
  // Hashes of the output of population.ts as it was before drawRecords was split out of it.
  const before = [
    [2_000, 'credence', '144a57b3b2b098c1b353865087b5509bf7eac803a761697fc32cb746fa065db7'],
    [300, 'identities', '2cbb68a3e41a9d49b501af51088578e5b6ade123512eb1ce02d0bd89e94f9a33'],
    [5_000, 'city-refactor', '9ebcbc4270936b50614862299f1ce4d842ed09533a1bd7f4a3cc40451264b6b1'],
  ] as const;
  for (const [people, seed, hash] of before) {
    test(`gives the same bytes as before for ${people} people, seed ${seed}`, () => {
      const population = generatePopulation({ people, seed, startMs: demoStartMs, endMs: demoEndMs });
      assert.equal(sha256(population), hash);
    });
  }
});

describe('cityBlocks', () => {
  const blocks: CityBlock[] = [...cityBlocks(city)];

  test('makes ceil(people / blockPeople) blocks, the last one short, and the demo mix in all', () => {
    assert.equal(blocks.length, cityBlockCount(city));
    assert.deepEqual(
      blocks.map((b) => [b.peopleFrom, b.peopleTo]),
      [
        [0, 1_000],
        [1_000, 2_000],
        [2_000, 2_500],
      ],
    );
    const mix = cityMix(city.people);
    const count = (kind: string, scheme?: string) =>
      blocks.reduce(
        (n, b) => n + b.subjects.filter((s) => s.kind === kind && (scheme === undefined || s.scheme === scheme)).length,
        0,
      );
    assert.equal(count('person', 'resident_id'), mix.persons);
    assert.equal(count('person', 'passport'), mix.foreigners);
    assert.equal(count('organisation'), mix.companies);
    assert.equal(count('government'), mix.governments);
    assert.equal(mix.foreigners, Math.floor(city.people / peoplePerForeigner));
  });

  test('gives every subject an identifier of its own across blocks, with valid check characters', () => {
    const seen = new Set<string>();
    for (const block of blocks) {
      for (const subject of block.subjects) {
        assert.ok(!seen.has(subject.key), `${subject.key} appears twice`);
        seen.add(subject.key);
        const parsed = parseSubjectId(subject.key);
        assert.ok(parsed.ok, `${subject.key}: ${parsed.ok ? '' : parsed.problem.message}`);
        assert.deepEqual(parsed.value, subject, 'read back as the same scheme, kind and region');
      }
    }
    // And far into a Beijing-sized city, where the sequence numbers and organisation codes have grown.
    const beijing = { ...city, people: 19_800_000, blockPeople: 2_000 };
    for (const index of [4_321, cityBlockCount(beijing) - 1]) {
      for (const subject of cityBlockSubjects(beijing, index).subjects) {
        const parsed = parseSubjectId(subject.key);
        assert.ok(parsed.ok && parsed.value.kind === subject.kind, `${subject.key} read back as itself`);
      }
    }
  });

  test('gives every record an (agency, agencyRef) of its own across blocks', () => {
    const refs = new Set<string>();
    for (const block of blocks) {
      for (const r of block.records) {
        const ref = `${r.agency} ${r.agencyRef}`;
        assert.ok(!refs.has(ref), `${ref} appears twice`);
        refs.add(ref);
      }
    }
    assert.ok(refs.size > 0);
  });

  test('keeps records inside the span, in (effectiveAt, agency, agencyRef) order, about its own subjects', () => {
    for (const block of blocks) {
      const own = new Set(block.subjects.map((s) => s.key));
      let previous: CityBlock['records'][number] | undefined;
      for (const r of block.records) {
        assert.ok(r.effectiveAtMs >= city.startMs && r.effectiveAtMs < city.endMs, `${r.agencyRef} outside the span`);
        assert.ok(own.has(r.subject), `${r.agencyRef} is about a subject of another block`);
        if (previous !== undefined) {
          const order =
            previous.effectiveAtMs - r.effectiveAtMs ||
            previous.agency.localeCompare(r.agency) ||
            previous.agencyRef.localeCompare(r.agencyRef);
          assert.ok(order < 0, `${previous.agencyRef} then ${r.agencyRef}`);
        }
        previous = r;
      }
    }
  });

  test('draws the demo rates per year of the span', () => {
    const records = blocks.reduce((n, b) => n + b.records.length, 0);
    const perPersonYear = records / city.people / 2;
    // About 0.93 (src/app/city.ts); a one-year draw over two years would give half that.
    assert.ok(perPersonYear > 0.75 && perPersonYear < 1.1, `${perPersonYear} records per person and year`);
  });

  test('represents each company by persons of its own block', () => {
    for (const block of blocks) {
      const persons = new Set(block.subjects.filter((s) => s.kind === 'person').map((s) => s.key));
      const companies = block.subjects.filter((s) => s.kind === 'organisation').map((s) => s.key);
      const represented = new Set<string>();
      for (const r of block.relations) {
        assert.ok(persons.has(r.person), `${r.person} is not a person of block ${block.index}`);
        if (r.role === 'legal_representative') represented.add(r.organisation);
      }
      assert.deepEqual([...represented].sort(), [...companies].sort());
    }
  });

  test('gives the same bytes for the same options, and a block made alone equals the same block in order', () => {
    assert.equal(sha256([...cityBlocks(city)]), sha256(blocks));
    assert.equal(sha256(cityBlock(city, 2)), sha256(blocks[2]));
    const alone = cityBlockSubjects(city, 1);
    assert.deepEqual(alone.subjects, blocks[1]?.subjects);
    assert.deepEqual(alone.relations, blocks[1]?.relations);
    assert.notEqual(sha256(cityBlock({ ...city, seed: 'another' }, 0).records), sha256(blocks[0]?.records));
  });

  test('holds one block at a time, and in it only its slice of the city', () => {
    // A Beijing-sized city: its first block comes at once, since nothing but that block is made.
    const beijing = { ...city, people: 19_800_000, blockPeople: 500 };
    const first = cityBlocks(beijing).next();
    assert.equal(first.done, false);
    for (const [options, b] of [
      [beijing, first.value as CityBlock],
      ...blocks.map((b) => [city, b] as const),
    ] as const) {
      const slice = (per: number) => Math.floor(b.peopleTo / per) - Math.floor(b.peopleFrom / per);
      const kinds = (kind: string) => b.subjects.filter((s) => s.kind === kind).length;
      assert.ok(b.peopleTo - b.peopleFrom <= options.blockPeople);
      assert.equal(kinds('person'), b.peopleTo - b.peopleFrom + slice(peoplePerForeigner));
      assert.equal(kinds('organisation'), slice(peoplePerCompany));
      assert.equal(kinds('government'), slice(peoplePerGovernment));
    }
    assert.throws(() => cityBlock(city, cityBlockCount(city)), RangeError);
  });
});
