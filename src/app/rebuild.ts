/**
 * Use case: rebuild. Everything derived is a function of records and published catalogs; rebuild replays every
 * subject's records and compares the result with what is stored: it writes what differs or, with verify, reports
 * every difference (stored state that no replay explains is a bug or tampering). The replay can be shared among
 * threads, each replaying a part of the subjects through its own connection (cli/rebuild-worker.ts); the writes are
 * this thread's, through the store's one writer.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { deriveSubject, type Derivation } from '../core/derive.ts';
import type { DerivationDifference, ScanPart } from '../store/ports.ts';
import type { AppContext } from './context.ts';
import { appendAudit } from './audit-chain.ts';
import { expiriesToldUntil } from './expiries.ts';

export type RebuildProblem = DerivationDifference | 'unexpected';

export interface RebuildReport {
  readonly subjects: number;
  readonly records: number;
  readonly differences: number;
  /** The first few subjects whose stored state differs, for the operator to look at. */
  readonly sample: readonly { readonly subject: string; readonly problem: RebuildProblem }[];
}

/** A page of subjects replayed: how many, and the replay of each whose stored state differs, with how. */
export interface ReplayPage {
  readonly subjects: number;
  readonly records: number;
  readonly differing: readonly { readonly problem: DerivationDifference; readonly derivation: Derivation }[];
}

const pageSize = 2_000;
const sampleMax = 20;

/** Replays the subjects of `part` (all of them without), page by page, each compared with what is stored. */
export async function* replay(context: AppContext, part?: ScanPart): AsyncIterable<ReplayPage> {
  for await (const page of context.store.scanSubjectRecords(pageSize, part)) {
    const disputed = await context.store.disputedRecordsOf(page.map((p) => p.subject.key));
    const derivations = page.map(({ subject, records: r }) =>
      deriveSubject(context.catalogs, subject.key, subject.kind, r, disputed.get(subject.key)),
    );
    const differing = await context.store.derivationsDiffering(derivations);
    let records = 0;
    for (const p of page) records += p.records.length;
    yield {
      subjects: page.length,
      records,
      differing: derivations.flatMap((derivation) => {
        const problem = differing.get(derivation.subject);
        return problem === undefined ? [] : [{ problem, derivation }];
      }),
    };
  }
}

export async function rebuild(
  context: AppContext,
  options: {
    readonly verify: boolean;
    readonly nowMs: number;
    readonly onProgress?: (subjects: number, records: number) => void;
    /**
     * The replay in parts that together are every subject (replays of disjoint ScanParts), read side by side; one
     * replay of all in this thread without.
     */
    readonly parts?: readonly AsyncIterable<ReplayPage>[];
  },
): Promise<RebuildReport> {
  let subjects = 0;
  let records = 0;
  let differences = 0;
  const parts = options.parts ?? [replay(context)];
  // Each part's first differences, so that the sample does not depend on which thread was quicker.
  const samples = parts.map((): { subject: string; problem: RebuildProblem }[] => []);
  const note = (part: number, subject: string, problem: RebuildProblem) => {
    differences++;
    const sample = samples[part];
    if (sample !== undefined && sample.length < sampleMax) sample.push({ subject, problem });
  };

  let failed = false;
  const settled = await Promise.allSettled(
    parts.map(async (pages, part) => {
      try {
        for await (const page of pages) {
          if (options.verify) {
            for (const { problem, derivation } of page.differing) note(part, derivation.subject, problem);
          } else if (page.differing.length > 0) {
            // What the replay confirms is not written again: a rebuild that changes nothing writes only its event.
            const changed = page.differing.map((d) => d.derivation);
            await context.store.transaction(async (tx) =>
              tx.putDerivations(changed, await expiriesToldUntil(tx, options.nowMs)),
            );
          }
          subjects += page.subjects;
          records += page.records;
          options.onProgress?.(subjects, records);
          // Another part failed: stop reading this one (its source stops too), the rebuild fails as a whole.
          if (failed) break;
          // A part read in this thread (SQLite's reads are synchronous) would otherwise keep the event loop, and
          // with it the pages other threads post, waiting until it ends: at a city, the worker thread idled.
          await yieldToEventLoop();
        }
      } catch (error) {
        failed = true;
        throw error;
      }
    }),
  );
  const rejected = settled.find((s) => s.status === 'rejected');
  if (rejected !== undefined) throw rejected.reason;

  if (options.verify) {
    // Derived state for a subject with no records at all cannot come from a replay.
    for await (const page of context.store.scanDerivedWithoutRecords(pageSize)) {
      for (const subject of page) note(0, subject, 'unexpected');
    }
  } else {
    await context.store.transaction(async (tx) => {
      const event = { atMs: options.nowMs, kind: 'rebuild.completed', actor: 'system', payload: { subjects, records } };
      await appendAudit(tx, context.keys, [event]);
    });
  }
  return { subjects, records, differences, sample: samples.flat().slice(0, sampleMax) };
}
