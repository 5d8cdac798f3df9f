/**
 * Use case: rebuild. Everything derived is a function of records and published catalogs; rebuild replays every
 * subject's records and compares the result with what is stored: it writes what differs or, with verify, reports
 * every difference (stored state that no replay explains is a bug or tampering).
 */
import { deriveSubject } from '../core/derive.ts';
import type { AppContext } from './context.ts';
import { appendAudit } from './audit-chain.ts';
import { expiriesToldUntil } from './expiries.ts';

export interface RebuildReport {
  readonly subjects: number;
  readonly records: number;
  readonly differences: number;
  /** The first few subjects whose stored state differs, for the operator to look at. */
  readonly sample: readonly { readonly subject: string; readonly problem: 'missing' | 'different' | 'unexpected' }[];
}

const pageSize = 2_000;
const sampleMax = 20;

export async function rebuild(
  context: AppContext,
  options: {
    readonly verify: boolean;
    readonly nowMs: number;
    readonly onProgress?: (subjects: number, records: number) => void;
  },
): Promise<RebuildReport> {
  let subjects = 0;
  let records = 0;
  let differences = 0;
  const sample: { subject: string; problem: 'missing' | 'different' | 'unexpected' }[] = [];
  const note = (subject: string, problem: 'missing' | 'different' | 'unexpected') => {
    differences++;
    if (sample.length < sampleMax) sample.push({ subject, problem });
  };

  for await (const page of context.store.scanSubjectRecords(pageSize)) {
    const disputed = await context.store.disputedRecordsOf(page.map((p) => p.subject.key));
    const derivations = page.map(({ subject, records: r }) =>
      deriveSubject(context.catalogs, subject.key, subject.kind, r, disputed.get(subject.key)),
    );
    const differing = await context.store.derivationsDiffering(derivations);
    const changed = derivations.filter((d) => differing.has(d.subject));
    if (options.verify) {
      for (const [subject, problem] of differing) note(subject, problem);
    } else if (changed.length > 0) {
      // What the replay confirms is not written again: a rebuild that changes nothing writes nothing but its event.
      await context.store.transaction(async (tx) =>
        tx.putDerivations(changed, await expiriesToldUntil(tx, options.nowMs)),
      );
    }
    subjects += page.length;
    for (const p of page) records += p.records.length;
    options.onProgress?.(subjects, records);
  }
  if (options.verify) {
    // Derived state for a subject with no records at all cannot come from a replay.
    for await (const page of context.store.scanDerivedWithoutRecords(pageSize)) {
      for (const subject of page) note(subject, 'unexpected');
    }
  } else {
    await context.store.transaction(async (tx) => {
      const event = { atMs: options.nowMs, kind: 'rebuild.completed', actor: 'system', payload: { subjects, records } };
      await appendAudit(tx, context.keys, [event]);
    });
  }
  return { subjects, records, differences, sample };
}
