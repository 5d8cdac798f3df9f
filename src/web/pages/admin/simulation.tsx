/**
 * The simulation of a scheme's saved draft (POST /v1/catalogs/{scheme}/draft/simulation), shown before its
 * publication is confirmed: what the draft would change had it been in force over the register's history. The
 * headline counts; the changes, most subjects first; each scheme's grades before and after as charts (with their
 * tables); the districts and subject kinds, with a group marked where its adverse share is far above the overall
 * one, so that a disparate effect is seen; the proportionality report against its named yardstick, the draft's own
 * findings marked apart from those the version in force already has; and the sample of changed subjects, each
 * openable with both explanations side by side. The report downloads as JSON and as CSV (the CLI's columns,
 * built here by the core's own function). A window (from, to) can be chosen and the simulation run again.
 *
 * Staff see identifiers in full, as on the reviewer's and the lists' staff pages; every subject a response names
 * (the sample, one subject opened) is logged by the API in that subject's access log, which the page says.
 */
import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { findAction } from '../../../core/actions.ts';
import type { Category } from '../../../core/catalog.ts';
import type { Finding as DraftFinding, FindingTest } from '../../../core/proportionality.ts';
import { simulationCsv, type SimulationTables } from '../../../core/simulation-csv.ts';
import { get, post, saveFile, withQuery } from '../../api.ts';
import { ErrorNote, Show, useLoad } from '../../components/async.tsx';
import { Chart } from '../../components/chart.tsx';
import { useI18n, type I18n, type Localized } from '../../i18n.ts';
import type { MessageKey } from '../../messages/index.ts';
import { AdminTable, cstFromMs, HintedField, instantFromCst, type SchemeSummary } from './shared.tsx';

/* ---------- The API's shapes (http/catalogs/simulation-routes.ts: SimulationReport, SubjectSimulation) ---------- */

type Direction = 'adverse' | 'favourable' | 'mixed';

interface Breakdown {
  readonly subjects: number;
  readonly changed: number;
  readonly adverse: number;
  readonly favourable: number;
  readonly mixed: number;
}

interface Change {
  readonly kind: 'grade' | 'listing' | 'measure' | 'action';
  readonly label: string;
  readonly subjects: number;
  readonly scheme?: string;
  readonly from?: string | null;
  readonly to?: string | null;
  readonly list?: string;
  readonly measure?: string;
  readonly action?: string;
  readonly change?: string;
}

/** A finding as the report gives it: the core's, and whether the draft brings it (not the version in force). */
type Finding = DraftFinding & { readonly introduced: boolean };

interface SimulationReport extends Breakdown {
  readonly scheme: string;
  readonly draftVersion: number;
  readonly replacesVersions: readonly number[];
  readonly window: { readonly from: string | null; readonly to: string };
  readonly records: number;
  readonly subjectsWithRecords: number;
  readonly changes: readonly Change[];
  readonly histograms: SimulationTables['histograms'];
  readonly byDistrict: readonly ({ readonly district: string } & Breakdown)[];
  readonly byKind: readonly ({ readonly kind: string } & Breakdown)[];
  readonly sample: readonly {
    readonly subject: string;
    readonly kind: string;
    readonly district: string;
    readonly direction: Direction;
    readonly changes: readonly string[];
  }[];
  readonly sampleTruncated: boolean;
  readonly proportionality: {
    readonly yardstick: { readonly name: string; readonly test: string };
    readonly findings: readonly Finding[];
    readonly unrelatedApplied: readonly {
      readonly scheme: string;
      readonly measure: string;
      readonly actions: readonly string[];
      readonly categories: readonly Category[];
      readonly subjects: number;
    }[];
  };
  readonly performance: { readonly elapsedMs: number; readonly recordsPerSecond: number };
}

interface ExplainedRecord {
  readonly id: number;
  readonly code: string;
  readonly effectiveAt: string;
  readonly disputed: boolean;
  readonly retracts?: number;
  readonly rules: readonly { readonly scheme: string; readonly version: number; readonly title: Localized }[];
  readonly entries: readonly { readonly scheme: string; readonly points: number; readonly until: string }[];
  readonly grades: readonly { readonly scheme: string; readonly grade: string; readonly until: string }[];
  readonly listings: readonly { readonly list: string; readonly end: string; readonly untilDelisted: boolean }[];
}

interface Side {
  readonly standing: {
    readonly schemes: readonly {
      readonly scheme: string;
      readonly version: number;
      readonly points?: { readonly score: number; readonly grade: string };
      readonly listings: readonly { readonly list: string; readonly end: string; readonly untilDelisted: boolean }[];
    }[];
    readonly measures: readonly {
      readonly measure: string;
      readonly kind: 'sanction' | 'incentive';
      readonly title: Localized;
      readonly scheme: string;
      readonly actions: readonly string[];
    }[];
  };
  readonly records: readonly ExplainedRecord[];
}

interface SubjectSimulation {
  readonly subject: string;
  readonly draftVersion: number;
  readonly changes: readonly string[];
  readonly direction: 'none' | Direction;
  readonly before: Side;
  readonly after: Side;
}

/** The window asked for: ISO instants, either absent (from: every record; to: now). */
interface SimulationWindow {
  readonly from?: string;
  readonly to?: string;
}

const draftPath = (scheme: string, rest: string) => `/v1/catalogs/${encodeURIComponent(scheme)}/draft${rest}`;

interface Loaded {
  readonly report: SimulationReport;
  /** Scheme titles, to name the histograms. */
  readonly titles: ReadonlyMap<string, Localized>;
}

async function runSimulation(scheme: string, window: SimulationWindow): Promise<Loaded> {
  const [report, catalogs] = await Promise.all([
    post<SimulationReport>(withQuery(draftPath(scheme, '/simulation'), { ...window })),
    get<{ schemes: SchemeSummary[] }>('/v1/catalogs'),
  ]);
  return { report, titles: new Map(catalogs.schemes.map((s) => [s.scheme, s.title])) };
}

/* ---------- Reading the figures ---------- */

/**
 * A district or kind is marked when its adverse share is at least this many times the overall adverse share,
 * and it has at least `disparityAdverseMin` adverse subjects (a handful in a small district is no pattern).
 */
const disparityRatio = 2;
const disparityAdverseMin = 5;

function isDisparate(row: Breakdown, overall: Breakdown): boolean {
  if (overall.subjects === 0 || overall.adverse === 0 || row.subjects === 0) return false;
  return (
    row.adverse >= disparityAdverseMin &&
    row.adverse / row.subjects >= disparityRatio * (overall.adverse / overall.subjects)
  );
}

function usePercent(): (part: number, whole: number) => string {
  const { locale } = useI18n();
  const format = useMemo(() => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }), [locale]);
  return (part, whole) => (whole === 0 ? '—' : format.format(part / whole));
}

const listingChangeKey: Readonly<Record<string, MessageKey>> = {
  started: 'admin.sim.change.listingStarted',
  ended: 'admin.sim.change.listingEnded',
  extended: 'admin.sim.change.listingExtended',
  shortened: 'admin.sim.change.listingShortened',
};

function actionTitle(i18n: I18n, code: string): string {
  const action = findAction(code);
  return action === undefined ? code : i18n.pick(action.title);
}

/** A change in words, from its structured fields (the label is the CLI's English text, kept as the key). */
function describeChange(i18n: I18n, c: Change): string {
  const { t } = i18n;
  switch (c.kind) {
    case 'grade':
      return t('admin.sim.change.grade', {
        scheme: c.scheme ?? '',
        from: c.from ?? t('admin.sim.noGrade'),
        to: c.to ?? t('admin.sim.noGrade'),
      });
    case 'listing':
      return t(listingChangeKey[c.change ?? ''] ?? 'admin.sim.change.listingStarted', { list: c.list ?? '' });
    case 'measure':
      return t(c.change === 'lost' ? 'admin.sim.change.measureLost' : 'admin.sim.change.measureGained', {
        measure: `${c.scheme ?? ''}/${c.measure ?? ''}`,
      });
    case 'action':
      return t(c.change === 'allowed' ? 'admin.sim.change.actionAllowed' : 'admin.sim.change.actionDenied', {
        action: actionTitle(i18n, c.action ?? ''),
      });
  }
}

const kindKeys: Readonly<Record<string, MessageKey>> = {
  person: 'public.kind.person',
  organisation: 'public.kind.organisation',
  government: 'public.kind.government',
};

/** A subject kind in words (its code, should the API name one this page does not know). */
const kindName = (i18n: I18n, kind: string) => {
  const key = kindKeys[kind];
  return key === undefined ? kind : i18n.t(key);
};

const directionClass: Readonly<Record<Direction, string>> = {
  adverse: 'badge badge-deny',
  favourable: 'badge badge-allow',
  mixed: 'badge badge-warn',
};

function DirectionBadge({ direction }: { readonly direction: Direction }) {
  const { t } = useI18n();
  return <span class={directionClass[direction]}>{t(`admin.sim.direction.${direction}`)}</span>;
}

/* ---------- The report's parts ---------- */

function Headline({ report }: { readonly report: SimulationReport }) {
  const { t, number, instant } = useI18n();
  const percent = usePercent();
  const replaces =
    report.replacesVersions.length === 0
      ? t('admin.sim.newScheme')
      : t('admin.sim.replaces', { versions: report.replacesVersions.join(', ') });
  return (
    <>
      <p>
        {t('admin.sim.asVersion', { version: report.draftVersion })} {replaces}
      </p>
      <dl class="facts sim-headline">
        <dt>{t('admin.sim.window')}</dt>
        <dd>
          {report.window.from === null
            ? t('admin.sim.windowAll', { to: instant(report.window.to) })
            : t('admin.sim.windowFrom', { from: instant(report.window.from), to: instant(report.window.to) })}
        </dd>
        <dt>{t('admin.sim.replayed')}</dt>
        <dd data-figure="replayed">
          {t('admin.sim.replayedText', {
            records: report.records,
            withRecords: report.subjectsWithRecords,
            subjects: report.subjects,
          })}
        </dd>
        <dt>{t('admin.sim.changed')}</dt>
        <dd data-figure="changed">
          <strong>{number(report.changed)}</strong> ({percent(report.changed, report.subjects)})
        </dd>
        <dt>{t('admin.sim.byDirection')}</dt>
        <dd data-figure="directions">
          <span class="badge badge-deny">{t('admin.sim.direction.adverse')}</span> {number(report.adverse)} ·{' '}
          <span class="badge badge-allow">{t('admin.sim.direction.favourable')}</span> {number(report.favourable)} ·{' '}
          <span class="badge badge-warn">{t('admin.sim.direction.mixed')}</span> {number(report.mixed)}
        </dd>
        <dt>{t('admin.sim.speed')}</dt>
        <dd data-figure="speed">
          {t('admin.sim.speedText', {
            rate: report.performance.recordsPerSecond,
            seconds: (report.performance.elapsedMs / 1000).toFixed(1),
          })}
        </dd>
      </dl>
    </>
  );
}

function Changes({ report }: { readonly report: SimulationReport }) {
  const i18n = useI18n();
  const { t, number } = i18n;
  const percent = usePercent();
  return (
    <section aria-labelledby="sim-changes">
      <h4 id="sim-changes">{t('admin.sim.changes')}</h4>
      <AdminTable
        labelledBy="sim-changes"
        columns={[t('admin.sim.change'), t('admin.sim.subjects'), t('admin.sim.share')]}
        rows={report.changes}
        empty={t('admin.sim.noChanges')}
      >
        {(c) => (
          <tr key={c.label}>
            <th scope="row">
              {describeChange(i18n, c)}
              <br />
              <code class="muted">{c.label}</code>
            </th>
            <td class="num">{number(c.subjects)}</td>
            <td class="num">{percent(c.subjects, report.subjects)}</td>
          </tr>
        )}
      </AdminTable>
    </section>
  );
}

function Histogram({
  title,
  grades,
}: {
  readonly title: string;
  readonly grades: SimulationReport['histograms'][number]['grades'];
}) {
  const { t } = useI18n();
  // Memoised: the chart redraws when its labels or series change, not on every render of the page.
  const labels = useMemo(() => grades.map((g) => g.grade), [grades]);
  const series = useMemo(
    () => [
      { label: t('admin.sim.before'), values: grades.map((g) => g.before) },
      { label: t('admin.sim.after'), values: grades.map((g) => g.after) },
    ],
    [grades, t],
  );
  return <Chart kind="bar" title={title} labels={labels} series={series} />;
}

function Histograms({ loaded }: { readonly loaded: Loaded }) {
  const { t, pick } = useI18n();
  const { report, titles } = loaded;
  const name = (scheme: string) => {
    const title = titles.get(scheme);
    return title === undefined ? scheme : `${pick(title)} (${scheme})`;
  };
  const moved = report.histograms.filter((h) => h.grades.some((g) => g.before !== g.after));
  const still = report.histograms.filter((h) => !moved.includes(h));
  return (
    <section aria-labelledby="sim-grades">
      <h4 id="sim-grades">{t('admin.sim.grades')}</h4>
      {moved.length === 0 && <p>{t('admin.sim.gradesNone')}</p>}
      {moved.map((h) => (
        <Histogram key={h.scheme} title={t('admin.sim.gradesOf', { scheme: name(h.scheme) })} grades={h.grades} />
      ))}
      {still.length > 0 && (
        <details>
          <summary>{t('admin.sim.gradesStill', { schemes: still.map((h) => name(h.scheme)).join(', ') })}</summary>
          {still.map((h) => (
            <GradeTable key={h.scheme} title={t('admin.sim.gradesOf', { scheme: name(h.scheme) })} grades={h.grades} />
          ))}
        </details>
      )}
    </section>
  );
}

/** A scheme's grades without a chart: nothing moved, so the table says all there is. */
function GradeTable({
  title,
  grades,
}: {
  readonly title: string;
  readonly grades: SimulationReport['histograms'][number]['grades'];
}) {
  const { t, number } = useI18n();
  return (
    <div class="table-wrap">
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{t('common.grade')}</th>
            <th scope="col" class="num">
              {t('admin.sim.before')}
            </th>
            <th scope="col" class="num">
              {t('admin.sim.after')}
            </th>
          </tr>
        </thead>
        <tbody>
          {grades.map((g) => (
            <tr key={g.grade}>
              <th scope="row">{g.grade}</th>
              <td class="num">{number(g.before)}</td>
              <td class="num">{number(g.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Districts or subject kinds: changed and adverse shares, a group far above the overall adverse share marked. */
function Groups<R extends Breakdown>({
  id,
  title,
  head,
  rows,
  overall,
  name,
}: {
  readonly id: string;
  readonly title: string;
  readonly head: string;
  readonly rows: readonly R[];
  readonly overall: Breakdown;
  readonly name: (row: R) => ComponentChildren;
}) {
  const { t, number } = useI18n();
  const percent = usePercent();
  const marked = rows.filter((r) => isDisparate(r, overall)).length;
  return (
    <section aria-labelledby={id}>
      <h4 id={id}>{title}</h4>
      <p class={marked > 0 ? 'note note-warn' : 'muted'}>
        {marked > 0
          ? t('admin.sim.disparate', {
              n: marked,
              min: disparityAdverseMin,
              ratio: disparityRatio,
              overall: percent(overall.adverse, overall.subjects),
            })
          : t('admin.sim.noDisparity', { ratio: disparityRatio, overall: percent(overall.adverse, overall.subjects) })}
      </p>
      <AdminTable
        labelledBy={id}
        columns={[
          head,
          t('admin.sim.subjects'),
          t('admin.sim.changedShare'),
          t('admin.sim.adverseShare'),
          t('admin.sim.favourableHead'),
          t('admin.sim.mixedHead'),
        ]}
        rows={rows}
      >
        {(r) => {
          const far = isDisparate(r, overall);
          return (
            <tr key={String(name(r))} class={far ? 'sim-far' : r.changed === 0 ? 'muted' : undefined}>
              <th scope="row">{name(r)}</th>
              <td class="num">{number(r.subjects)}</td>
              <td class="num">
                {number(r.changed)} ({percent(r.changed, r.subjects)})
              </td>
              <td class="num">
                {number(r.adverse)} ({percent(r.adverse, r.subjects)})
                {far && (
                  <>
                    {' '}
                    <span class="badge badge-deny">{t('admin.sim.farAbove')}</span>
                  </>
                )}
              </td>
              <td class="num">{number(r.favourable)}</td>
              <td class="num">{number(r.mixed)}</td>
            </tr>
          );
        }}
      </AdminTable>
    </section>
  );
}

const findingTests: readonly FindingTest[] = ['unrelated_context', 'listing_term', 'validity', 'escalation'];

function FindingItem({ f }: { readonly f: Finding }) {
  const i18n = useI18n();
  const { t, number } = i18n;
  return (
    <li class={f.introduced ? 'sim-finding sim-finding-new' : 'sim-finding'}>
      <p>
        {f.introduced ? (
          <span class="badge badge-deny">{t('admin.sim.findingNew')}</span>
        ) : (
          <span class="badge">{t('admin.sim.findingExisting')}</span>
        )}{' '}
        {t('common.rule')} <code>{f.rule}</code> ({t(`public.category.${f.category}`)})
        {f.measure !== undefined && (
          <>
            {' '}
            → <code>{f.measure}</code>
          </>
        )}
        {f.list !== undefined && (
          <>
            {' '}
            · {t('common.list')} <code>{f.list}</code>
          </>
        )}
      </p>
      {f.actions !== undefined && f.actions.length > 0 && (
        <p>
          {t('admin.sim.findingActions')} {f.actions.map((a) => actionTitle(i18n, a)).join(', ')}
          {f.path !== undefined && <> · {t(`admin.sim.path.${f.path}`)}</>}
        </p>
      )}
      {f.value !== undefined && f.limit !== undefined && (
        <p>
          {t(f.test === 'escalation' ? 'admin.sim.findingBoundTimes' : 'admin.sim.findingBoundDays', {
            value: number(f.value),
            limit: number(f.limit),
          })}
        </p>
      )}
      <p lang="en">{f.why}</p>
      <p class="muted" lang="en">
        {f.source}
      </p>
    </li>
  );
}

function Proportionality({ report }: { readonly report: SimulationReport }) {
  const i18n = useI18n();
  const { t, number } = i18n;
  const p = report.proportionality;
  const introduced = p.findings.filter((f) => f.introduced).length;
  return (
    <section aria-labelledby="sim-proportionality">
      <h4 id="sim-proportionality">{t('admin.sim.proportionality')}</h4>
      <p>
        {t('admin.sim.yardstick')} <strong lang="en">{p.yardstick.name}</strong>
      </p>
      <blockquote lang="en" class="sim-yardstick">
        {p.yardstick.test}
      </blockquote>
      <p class={introduced > 0 ? 'note note-warn' : undefined} data-figure="findings">
        {p.findings.length === 0
          ? t('admin.sim.findingsNone')
          : t('admin.sim.findingsCount', { n: p.findings.length, introduced })}
      </p>
      {findingTests.map((test) => {
        const found = p.findings.filter((f) => f.test === test);
        if (found.length === 0) return null;
        return (
          <section key={test} aria-labelledby={`sim-test-${test}`}>
            <h5 id={`sim-test-${test}`}>
              {t(`admin.sim.test.${test}`)} ({number(found.length)})
            </h5>
            <p class="muted">{t(`admin.sim.testHint.${test}`)}</p>
            <ul class="sim-findings">
              {/* The draft's own findings first: they are what publishing would bring. */}
              {[...found]
                .sort((a, b) => Number(b.introduced) - Number(a.introduced))
                .map((f, i) => (
                  <FindingItem key={i} f={f} />
                ))}
            </ul>
          </section>
        );
      })}
      <h5 id="sim-unrelated">{t('admin.sim.unrelatedApplied')}</h5>
      <p class="muted">{t('admin.sim.unrelatedAppliedHint')}</p>
      <AdminTable
        labelledBy="sim-unrelated"
        columns={[t('admin.sim.measure'), t('common.actions'), t('admin.sim.categories'), t('admin.sim.subjects')]}
        rows={p.unrelatedApplied}
        empty={t('admin.sim.unrelatedNone')}
      >
        {(u) => (
          <tr key={`${u.scheme}/${u.measure}|${u.categories.join(',')}`}>
            <th scope="row">
              <code>
                {u.scheme}/{u.measure}
              </code>
            </th>
            <td>{u.actions.map((a) => actionTitle(i18n, a)).join(', ')}</td>
            <td>{u.categories.map((c) => t(`public.category.${c}`)).join(', ')}</td>
            <td class="num">{number(u.subjects)}</td>
          </tr>
        )}
      </AdminTable>
    </section>
  );
}

/* ---------- One subject, both ways ---------- */

function SideView({ title, side }: { readonly title: string; readonly side: Side }) {
  const i18n = useI18n();
  const { t, pick, number, date } = i18n;
  const scored = side.standing.schemes.filter((s) => s.points !== undefined || s.listings.length > 0);
  return (
    <section class="sim-side" aria-label={title}>
      <h5>{title}</h5>
      <ul>
        {scored.map((s) => (
          <li key={s.scheme}>
            <code>{s.scheme}</code> v{s.version}
            {s.points && <> · {t('admin.sim.gradeScore', { grade: s.points.grade, score: number(s.points.score) })}</>}
            {s.listings.map((l) => (
              <span key={l.list}> · {t('admin.sim.listedOn', { list: l.list, date: date(l.end) })}</span>
            ))}
          </li>
        ))}
      </ul>
      <p>
        <strong>{t('admin.sim.measures')}</strong>
      </p>
      {side.standing.measures.length === 0 ? (
        <p>{t('common.none')}</p>
      ) : (
        <ul>
          {side.standing.measures.map((m) => (
            <li key={`${m.scheme}/${m.measure}`}>
              <span class={m.kind === 'sanction' ? 'badge badge-deny' : 'badge badge-allow'}>
                {t(m.kind === 'sanction' ? 'admin.sim.sanction' : 'admin.sim.incentive')}
              </span>{' '}
              {pick(m.title)}: {m.actions.map((a) => actionTitle(i18n, a)).join(', ')}
            </li>
          ))}
        </ul>
      )}
      <p>
        <strong>{t('admin.sim.records', { n: side.records.length })}</strong>
      </p>
      <ul>
        {side.records.map((r) => (
          <li key={r.id}>
            #{r.id} <code>{r.code}</code> {r.rules[0] ? pick(r.rules[0].title) : t('admin.sim.notJudged')} ·{' '}
            {date(r.effectiveAt)}
            {r.disputed && (
              <>
                {' '}
                <span class="badge badge-warn">{t('admin.sim.disputed')}</span>
              </>
            )}
            {r.entries.map((e, i) => (
              <span key={`e${i}`}> · {t('admin.sim.entry', { points: e.points, date: date(e.until) })}</span>
            ))}
            {r.grades.map((g, i) => (
              <span key={`g${i}`}> · {t('admin.sim.directGrade', { grade: g.grade, date: date(g.until) })}</span>
            ))}
            {r.listings.map((l, i) => (
              <span key={`l${i}`}> · {t('admin.sim.listedOn', { list: l.list, date: date(l.end) })}</span>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

function OpenedSubject({
  scheme,
  subject,
  window,
  words,
  onClose,
}: {
  readonly scheme: string;
  readonly subject: string;
  readonly window: SimulationWindow;
  /** A change's label in words. */
  readonly words: (label: string) => string;
  readonly onClose: () => void;
}) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  const [loaded, reload] = useLoad(
    () =>
      get<SubjectSimulation>(
        withQuery(draftPath(scheme, `/simulation/subjects/${encodeURIComponent(subject)}`), { ...window }),
      ),
    [scheme, subject, window.from, window.to],
  );
  useEffect(() => heading.current?.focus(), [subject]);
  return (
    <section class="sim-subject" aria-labelledby="sim-subject-heading">
      <h4 id="sim-subject-heading" tabIndex={-1} ref={heading}>
        {t('admin.sim.subjectTitle')} <span class="mono">{subject}</span>
      </h4>
      <Show loaded={loaded} onRetry={reload}>
        {(s) => (
          <>
            <p>
              {s.direction !== 'none' && <DirectionBadge direction={s.direction} />}{' '}
              {s.changes.length === 0 ? t('admin.sim.subjectNoChange') : s.changes.map(words).join('; ')}
            </p>
            <div class="sim-sides">
              <SideView title={t('admin.sim.sideBefore')} side={s.before} />
              <SideView title={t('admin.sim.sideAfter', { version: s.draftVersion })} side={s.after} />
            </div>
          </>
        )}
      </Show>
      <button type="button" onClick={onClose}>
        {t('common.close')}
      </button>
    </section>
  );
}

function Sample({
  report,
  scheme,
  window,
}: {
  readonly report: SimulationReport;
  readonly scheme: string;
  readonly window: SimulationWindow;
}) {
  const i18n = useI18n();
  const { t, number } = i18n;
  const [opened, setOpened] = useState<string | undefined>();
  const byLabel = useMemo(() => new Map(report.changes.map((c) => [c.label, c])), [report]);
  const words = (label: string) => {
    const change = byLabel.get(label);
    return change === undefined ? label : describeChange(i18n, change);
  };
  return (
    <section aria-labelledby="sim-sample">
      <h4 id="sim-sample">{t('admin.sim.sample')}</h4>
      <p class="muted">
        {report.sampleTruncated
          ? t('admin.sim.sampleTruncated', { n: report.sample.length, changed: number(report.changed) })
          : t('admin.sim.sampleAll', { n: report.sample.length })}{' '}
        {t('admin.sim.sampleLogged')}
      </p>
      {report.sample.length === 0 ? (
        <p>{t('admin.sim.noChanges')}</p>
      ) : (
        <div class="table-wrap">
          <table aria-labelledby="sim-sample">
            <thead>
              <tr>
                <th scope="col">{t('common.subject')}</th>
                <th scope="col">{t('admin.sim.kindDistrict')}</th>
                <th scope="col">{t('admin.sim.directionHead')}</th>
                <th scope="col">{t('admin.sim.changes')}</th>
                <th scope="col">{t('admin.sim.explanations')}</th>
              </tr>
            </thead>
            <tbody>
              {report.sample.map((s) => (
                <Fragment key={s.subject}>
                  <tr>
                    <th scope="row" class="mono sim-id">
                      {s.subject}
                    </th>
                    <td>
                      {kindName(i18n, s.kind)} · {s.district}
                    </td>
                    <td>
                      <DirectionBadge direction={s.direction} />
                    </td>
                    <td>{s.changes.map(words).join('; ')}</td>
                    <td>
                      <button
                        type="button"
                        aria-label={t(opened === s.subject ? 'admin.sim.closeLabel' : 'admin.sim.openLabel', {
                          subject: s.subject,
                        })}
                        aria-expanded={opened === s.subject ? 'true' : 'false'}
                        onClick={() => setOpened(opened === s.subject ? undefined : s.subject)}
                      >
                        {opened === s.subject ? t('common.close') : t('common.open')}
                      </button>
                    </td>
                  </tr>
                  {/* The subject opened, beneath its own row: both explanations side by side. */}
                  {opened === s.subject && (
                    <tr>
                      <td colSpan={5}>
                        <OpenedSubject
                          scheme={scheme}
                          subject={s.subject}
                          window={window}
                          words={words}
                          onClose={() => setOpened(undefined)}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Downloads({ report }: { readonly report: SimulationReport }) {
  const { t } = useI18n();
  const name = `simulation-${report.scheme}-v${report.draftVersion}`;
  return (
    <div class="row">
      <button
        type="button"
        onClick={() => saveFile(`${name}.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json')}
      >
        {t('common.downloadJson')}
      </button>
      <button
        type="button"
        onClick={() =>
          saveFile(
            `${name}.csv`,
            `${simulationCsv({ ...report, unrelatedApplied: report.proportionality.unrelatedApplied })}\n`,
            'text/csv',
          )
        }
      >
        {t('common.downloadCsv')}
      </button>
    </div>
  );
}

function Report({
  loaded,
  scheme,
  window,
}: {
  readonly loaded: Loaded;
  readonly scheme: string;
  readonly window: SimulationWindow;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { report } = loaded;
  return (
    <div class="sim-report">
      <Headline report={report} />
      <Downloads report={report} />
      <Changes report={report} />
      <Histograms loaded={loaded} />
      <Groups
        id="sim-districts"
        title={t('admin.sim.districts')}
        head={t('admin.sim.district')}
        rows={report.byDistrict}
        overall={report}
        name={(d) => (d.district === 'none' ? t('admin.sim.noDistrict') : d.district)}
      />
      <Groups
        id="sim-kinds"
        title={t('admin.sim.kinds')}
        head={t('admin.sim.kind')}
        rows={report.byKind}
        overall={report}
        name={(k) => kindName(i18n, k.kind)}
      />
      <Proportionality report={report} />
      <Sample report={report} scheme={scheme} window={window} />
    </div>
  );
}

/** From and to, in China Standard Time, to simulate again over another window. */
function WindowForm({
  window,
  onRun,
}: {
  readonly window: SimulationWindow;
  readonly onRun: (window: SimulationWindow) => void;
}) {
  const { t } = useI18n();
  const [from, setFrom] = useState(window.from === undefined ? '' : cstFromMs(Date.parse(window.from)));
  const [to, setTo] = useState(window.to === undefined ? '' : cstFromMs(Date.parse(window.to)));
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const fromIso = from === '' ? undefined : instantFromCst(from);
    const toIso = to === '' ? undefined : instantFromCst(to);
    onRun({ ...(fromIso === undefined ? {} : { from: fromIso }), ...(toIso === undefined ? {} : { to: toIso }) });
  };
  return (
    <form class="sim-window" onSubmit={onSubmit}>
      <HintedField id="sim-from" label={t('admin.sim.from')} hint={t('admin.sim.fromHint')}>
        {(hintId) => (
          <input
            id="sim-from"
            type="datetime-local"
            step={60}
            value={from}
            aria-describedby={hintId}
            onInput={(e) => setFrom(e.currentTarget.value)}
          />
        )}
      </HintedField>
      <HintedField id="sim-to" label={t('admin.sim.to')} hint={t('admin.sim.toHint')}>
        {(hintId) => (
          <input
            id="sim-to"
            type="datetime-local"
            step={60}
            value={to}
            aria-describedby={hintId}
            onInput={(e) => setTo(e.currentTarget.value)}
          />
        )}
      </HintedField>
      <div class="row">
        <button type="submit">{t('admin.sim.rerun')}</button>
      </div>
    </form>
  );
}

function Running() {
  const { t } = useI18n();
  return (
    <div role="status" class="sim-running">
      <p id="sim-running-text">{t('admin.sim.running')}</p>
      <progress aria-labelledby="sim-running-text" />
    </div>
  );
}

/**
 * One run: running or failed (with a retry), each with a way back; or the report, then what follows it (the
 * confirmation, which has its own way back).
 */
function SimulationRun({
  scheme,
  window,
  onCancel,
  children,
}: {
  readonly scheme: string;
  readonly window: SimulationWindow;
  readonly onCancel: () => void;
  readonly children: (report: SimulationReport) => ComponentChildren;
}) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad(() => runSimulation(scheme, window), [scheme, window]);
  if (loaded.state === 'ready')
    return (
      <>
        <Report loaded={loaded.data} scheme={scheme} window={window} />
        {children(loaded.data.report)}
      </>
    );
  return (
    <>
      {loaded.state === 'loading' ? <Running /> : <ErrorNote error={loaded.error} onRetry={reload} />}
      <div class="row">
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </>
  );
}

/**
 * The saved draft's simulation under its own heading, then `children` given the report (the confirmation step).
 * Without a report (running, or refused) there is no confirmation: only a retry and `onCancel`.
 */
export function DraftSimulation({
  scheme,
  onCancel,
  children,
}: {
  readonly scheme: string;
  readonly onCancel: () => void;
  readonly children: (report: SimulationReport) => ComponentChildren;
}) {
  const { t } = useI18n();
  const [run, setRun] = useState<{ readonly window: SimulationWindow; readonly round: number }>({
    window: {},
    round: 0,
  });
  const { window } = run;
  return (
    <section class="sim" aria-labelledby="sim-heading">
      <h3 id="sim-heading">{t('admin.sim.title')}</h3>
      <p>{t('admin.sim.intro')}</p>
      <WindowForm window={window} onRun={(w) => setRun((r) => ({ window: w, round: r.round + 1 }))} />
      {/* Each run anew: it starts in its running state rather than showing the last report meanwhile. */}
      <SimulationRun key={run.round} scheme={scheme} window={window} onCancel={onCancel}>
        {children}
      </SimulationRun>
    </section>
  );
}
