/**
 * `credence simulate` output: the report as text, its counts and histograms as CSV (one table, a `table` column
 * saying which), and one subject's two explanations side by side (the same text `credence explain` prints).
 */
import type { SimulationReport, SubjectSimulation } from '../app/simulate.ts';
import type { Explanation } from '../app/decisions.ts';
import { changeLabel } from '../core/simulate.ts';
import { simulationCsv as simulationTablesCsv } from '../core/simulation-csv.ts';
import { isoFromMs } from '../core/time.ts';
import { formatExplanation } from './format.ts';

const n = (value: number) => value.toLocaleString('en');
const windowText = (r: { window: { fromMs?: number; toMs: number } }) =>
  `${r.window.fromMs === undefined ? 'all records' : `records from ${isoFromMs(r.window.fromMs)}`} before ${isoFromMs(r.window.toMs)}`;

export function formatSimulation(r: SimulationReport): string {
  const c = r.counts;
  const replaces = r.replacesVersions.length === 0 ? 'a new scheme' : `in place of v${r.replacesVersions.join(', v')}`;
  const lines = [
    `Simulation of ${r.scheme} draft (as v${r.draftVersion}, ${replaces}, in force over the whole window)`,
    `Replayed ${n(r.records)} records of ${n(r.subjectsWithRecords)} subjects (${windowText(r)}); ${n(c.subjects)} subjects compared at ${isoFromMs(r.window.toMs)}`,
    `Changed: ${n(c.changed)} (adverse ${n(c.adverse)}, favourable ${n(c.favourable)}, mixed ${n(c.mixed)}); ${n(r.recordsPerSecond)} records/s`,
    '',
    c.changes.length === 0 ? 'Changes: none' : 'Changes:',
    ...c.changes.map((x) => `  ${x.label}: ${n(x.subjects)}`),
  ];
  for (const h of c.histograms) {
    if (h.grades.every((g) => g.before === g.after)) continue;
    lines.push('', `Grades in ${h.scheme} (before -> after):`);
    for (const g of h.grades) lines.push(`  ${g.grade.padEnd(6)} ${n(g.before)} -> ${n(g.after)}`);
  }
  const changedDistricts = c.byDistrict.filter((d) => d.changed > 0);
  if (changedDistricts.length > 0) {
    lines.push('', 'By district (changed / subjects, adverse):');
    for (const d of changedDistricts)
      lines.push(`  ${d.district}  ${n(d.changed)} / ${n(d.subjects)}, ${n(d.adverse)}`);
    lines.push('', 'By kind (changed / subjects, adverse):');
    for (const k of c.byKind) lines.push(`  ${k.kind}  ${n(k.changed)} / ${n(k.subjects)}, ${n(k.adverse)}`);
  }
  const p = r.proportionality;
  lines.push('', `Proportionality, measured against ${p.yardstick.name}:`, `  ${p.yardstick.test}`);
  if (p.findings.length === 0) lines.push('  no findings');
  for (const f of p.findings) lines.push(`  ${f.introduced ? 'NEW ' : ''}${f.test} ${f.rule}: ${f.why}`);
  for (const u of p.unrelatedApplied)
    lines.push(
      `  applied in an unrelated context: ${u.scheme}/${u.measure} (${u.actions.join(', ')}) from ${u.categories.join(', ')} records: ${n(u.subjects)} subjects`,
    );
  if (c.sample.length > 0) {
    lines.push(
      '',
      `Sample (first ${c.sample.length}${c.sampleTruncated ? ` of ${n(c.changed)}` : ''}; open one with --subject ID):`,
    );
    for (const s of c.sample) lines.push(`  ${s.subject} (${s.kind}, ${s.district}): ${s.changes.join('; ')}`);
  }
  return lines.join('\n');
}

/** One CSV table: table,key,detail,before,after,subjects,changed,adverse,favourable (core/simulation-csv.ts). */
export function simulationCsv(r: SimulationReport): string {
  return simulationTablesCsv({ ...r.counts, unrelatedApplied: r.proportionality.unrelatedApplied });
}

/** The subject under the published catalogs, then under the draft, each as `credence explain` shows it. */
export function formatSubjectSimulation(s: SubjectSimulation): string {
  const side = (which: 'before' | 'after'): Explanation => ({
    subject: s.subject,
    standing: s.comparison[which].standing,
    records: s.records,
    objections: s.objections,
  });
  const changes = s.comparison.changes.map(changeLabel);
  return [
    `${s.subject.key}: ${changes.length === 0 ? 'no change' : changes.join('; ')} (${windowText(s)})`,
    '',
    '=== Published catalogs ===',
    formatExplanation(side('before'), s.catalogs.before),
    '',
    `=== With the draft (as v${s.draftVersion}) ===`,
    formatExplanation(side('after'), s.catalogs.after),
  ].join('\n');
}
