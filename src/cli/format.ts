/** Human-readable output for the CLI. `--json` prints the same data as JSON instead. */
import { findAction } from '../core/actions.ts';
import type { CatalogSet } from '../core/catalog-set.ts';
import type { DecisionReason } from '../core/decide.ts';
import { isoFromMs } from '../core/time.ts';
import type { DecisionMade, Explanation } from '../app/decisions.ts';
import type { Summary } from '../app/summary.ts';

const day = (ms: number | undefined) => (ms === undefined ? 'open-ended' : isoFromMs(ms).slice(0, 10));

function table(rows: readonly (readonly [string, string | number])[], indent = '  '): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows
    .map(([k, v]) => `${indent}${k.padEnd(width)}  ${typeof v === 'number' ? v.toLocaleString('en') : v}`)
    .join('\n');
}

export function formatSummary(summary: Summary, catalogs: CatalogSet): string {
  const lines = [`Credence register at ${isoFromMs(summary.atMs)}`, '', 'Subjects by kind:'];
  lines.push(table(Object.entries(summary.subjectsByKind)));
  lines.push(
    '',
    `Records: ${summary.records.toLocaleString('en')} (audit events: ${summary.auditEvents.toLocaleString('en')})`,
    'Records by rule:',
  );
  lines.push(table(Object.entries(summary.recordsByCode)));
  lines.push('', 'Subjects per grade, per points scheme:');
  for (const [scheme, grades] of Object.entries(summary.gradesByScheme)) {
    lines.push(`  ${scheme}`, table(Object.entries(grades), '    '));
  }
  lines.push('', 'Members per list:');
  lines.push(
    table(
      Object.entries(summary.membersByList).map(([id, n]) => {
        const list = catalogs.list(id)?.list;
        return [`${id} (${list?.color ?? '?'})`, n] as const;
      }),
    ),
  );
  return lines.join('\n');
}

function describeReason(r: DecisionReason): string {
  const because =
    'list' in r.because
      ? `listed on ${r.because.list} by record ${r.because.recordId} (${r.because.code}, ${r.scheme} v${r.because.ruleVersion})`
      : `grade ${r.because.grade} in ${r.scheme}`;
  const via = r.via ? `\n      via: ${r.via.role.replace('_', ' ')} of ${r.via.organisation}` : '';
  return [
    `  - ${r.kind} ${r.measure}: ${r.title.en} / ${r.title['zh-CN']}`,
    `      because: ${because}`,
    `      legal basis: ${r.legalBasis}`,
    `      until: ${'list' in r.because && r.because.untilDelisted ? `delisted (obligation performed), at the latest ${day(r.untilMs)}` : day(r.untilMs)}${via}`,
  ].join('\n');
}

export function formatDecision(d: DecisionMade): string {
  const action = findAction(d.action);
  const lines = [
    `${d.outcome.toUpperCase()}: ${d.action} (${action?.title.en ?? ''}) for ${d.subject} at ${isoFromMs(d.atMs)}`,
    `decision id: ${d.decisionId}`,
  ];
  if (d.reasons.length === 0)
    lines.push(`reasons: none; no measure names this action (default: ${action?.outcomeDefault ?? 'allow'})`);
  else lines.push('reasons:', ...d.reasons.map(describeReason));
  lines.push(`catalog versions: ${d.catalogVersions.map((v) => `${v.scheme} v${v.version}`).join(', ')}`);
  return lines.join('\n');
}

export function formatExplanation(e: Explanation, catalogs: CatalogSet): string {
  const { standing, records } = e;
  const byId = new Map(records.map((r) => [r.id, r]));
  const lines = [`${e.subject.key} (${e.subject.kind}) at ${isoFromMs(standing.atMs)}`];
  for (const s of standing.schemes) {
    const version = catalogs.inForce(s.scheme, standing.atMs);
    const title = version?.catalog.scheme.title.en ?? s.scheme;
    if (s.points) {
      const direct = s.points.directGrade
        ? ` (set directly by record ${s.points.directGrade.recordId}, ${s.points.directGrade.code}, until ${day(s.points.directGrade.untilMs)})`
        : '';
      lines.push(
        '',
        `${title} [${s.scheme} v${s.version}]: ${s.points.score} points, grade ${s.points.grade}${direct}`,
      );
      if (s.entries.length === 0) lines.push(`  no entries in force: base ${s.points.base}`);
      for (const entry of s.entries) {
        const r = byId.get(entry.recordId);
        const detail = [entry.multiplier > 1 ? `x${entry.multiplier} repeat` : '', entry.capped ? 'capped' : '']
          .filter(Boolean)
          .join(', ');
        lines.push(
          `  ${entry.points > 0 ? '+' : ''}${entry.points}  ${entry.code} (v${entry.version}) record ${entry.recordId} of ${day(r?.effectiveAtMs)}, counts until ${day(entry.untilMs)}${detail ? `; ${detail}` : ''}; evidence ${r?.evidence ?? '?'}`,
        );
      }
    } else if (s.listings.length > 0) {
      lines.push('', `${title} [${s.scheme} v${s.version}]`);
    }
    for (const l of s.listings) {
      const ends = l.untilDelisted ? `until delisted, at most until ${day(l.endMs)}` : `until ${day(l.endMs)}`;
      lines.push(
        `  listed on ${l.list} since ${day(l.startMs)}, ${ends} (record ${l.recordId}, ${l.code}, ${l.trigger})`,
      );
    }
  }
  lines.push('', standing.measures.length === 0 ? 'Measures: none' : 'Measures:');
  for (const m of standing.measures) {
    const basis = 'listing' in m.basis ? `listing on ${m.basis.listing.list}` : `grade ${m.basis.grade}`;
    const via = m.via ? ` via ${m.via.role.replace('_', ' ')} of ${m.via.organisation}` : '';
    lines.push(
      `  ${m.kind} ${m.measure} (${basis}${via}) until ${day(m.untilMs)}: ${m.actions.join(', ')}`,
      `    legal basis: ${m.legalBasis}`,
    );
  }
  const disputed = new Map(e.objections.filter((o) => o.status === 'open').map((o) => [o.recordId, o]));
  lines.push('', `Records (${records.length}):`);
  for (const r of records) {
    const objection = disputed.get(r.id);
    if (objection)
      lines.push(`  #${r.id} DISPUTED: objection ${objection.id} open, decision due ${day(objection.reviewDueAtMs)}`);
    const extra = [
      r.amount === undefined ? '' : `amount ${r.amount}`,
      r.caseRef ?? '',
      r.retracts === undefined ? '' : `retracts ${r.retracts}`,
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `  #${r.id} ${day(r.effectiveAtMs)} ${r.code} by ${r.agency} (${r.agencyRef})${extra ? `; ${extra}` : ''}`,
    );
  }
  return lines.join('\n');
}
