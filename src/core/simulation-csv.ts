/**
 * A simulation report's tables as one CSV (a `table` column saying which): the changes, the grade histograms, the
 * districts, the subject kinds and the sanctions applied in unrelated contexts. Shared by `credence simulate --csv`
 * and the administrator's page, which builds the same file in the browser from the report's JSON; so it takes only
 * the fields both shapes have, not the app's report type.
 */

/** Subjects counted by direction of change, as a district or a kind row has them. */
interface ChangedCounts {
  readonly subjects: number;
  readonly changed: number;
  readonly adverse: number;
  readonly favourable: number;
}

/** What the CSV is made of: the report's counts (the app's `counts`, or the top level of the HTTP JSON). */
export interface SimulationTables {
  readonly changes: readonly { readonly label: string; readonly kind: string; readonly subjects: number }[];
  readonly histograms: readonly {
    readonly scheme: string;
    readonly grades: readonly { readonly grade: string; readonly before: number; readonly after: number }[];
  }[];
  readonly byDistrict: readonly ({ readonly district: string } & ChangedCounts)[];
  readonly byKind: readonly ({ readonly kind: string } & ChangedCounts)[];
  readonly unrelatedApplied: readonly {
    readonly scheme: string;
    readonly measure: string;
    readonly categories: readonly string[];
    readonly subjects: number;
  }[];
}

export const simulationCsvColumns = [
  'table',
  'key',
  'detail',
  'before',
  'after',
  'subjects',
  'changed',
  'adverse',
  'favourable',
] as const;

/** A cell quoted only where CSV needs it (a comma, a quote or a line break in it). */
const csvCell = (value: string | number) => {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** The rows under the header, one array of cells each, in the report's own order. */
function simulationCsvRows(r: SimulationTables): (string | number)[][] {
  const rows: (string | number)[][] = [];
  for (const x of r.changes) rows.push(['change', x.label, x.kind, '', '', x.subjects, '', '', '']);
  for (const h of r.histograms)
    for (const g of h.grades) rows.push(['grade', h.scheme, g.grade, g.before, g.after, '', '', '', '']);
  for (const d of r.byDistrict)
    rows.push(['district', d.district, '', '', '', d.subjects, d.changed, d.adverse, d.favourable]);
  for (const k of r.byKind) rows.push(['kind', k.kind, '', '', '', k.subjects, k.changed, k.adverse, k.favourable]);
  for (const u of r.unrelatedApplied)
    rows.push([
      'unrelated_applied',
      `${u.scheme}/${u.measure}`,
      u.categories.join(' '),
      '',
      '',
      u.subjects,
      '',
      '',
      '',
    ]);
  return rows;
}

/** One CSV table: table,key,detail,before,after,subjects,changed,adverse,favourable; lines end with \n. */
export function simulationCsv(r: SimulationTables): string {
  return [[...simulationCsvColumns], ...simulationCsvRows(r)].map((row) => row.map(csvCell).join(',')).join('\n');
}
