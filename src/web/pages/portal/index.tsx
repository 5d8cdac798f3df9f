/**
 * /me: the subject's standing now. Per scheme the score and grade with the scheme's bands and a chart of the score
 * over the last two years (with every change in a table); the listings with since, until and what ends them early
 * (a delisting rule, a repair policy, or only the term); the measures with what they deny or grant, until when
 * and their legal basis.
 */
import { useMemo } from 'preact/hooks';
import { findAction } from '../../../core/actions.ts';
import { get } from '../../api.ts';
import { Show, useLoad } from '../../components/async.tsx';
import { Chart } from '../../components/chart.tsx';
import { useI18n, type I18n } from '../../i18n.ts';
import {
  loadCatalogs,
  subjectPath,
  type Catalogs,
  type HistoryView,
  type ListingView,
  type MeasureView,
  type StandingView,
} from './data.ts';
import { conditionText, listTitle, PortalPage, roleKey, schemeTitle } from './shared.tsx';

type SchemeHistory = HistoryView['schemes'][number];

/** The score at the start of each month of the stretch (UTC), and now: a chart's labels and values. */
function monthlyScores(i18n: I18n, history: SchemeHistory, toIso: string) {
  const scoreAt = (ms: number) => {
    let score: number | undefined;
    for (const step of history.steps) if (Date.parse(step.at) <= ms) score = step.score;
    return score;
  };
  const labels: string[] = [];
  const values: number[] = [];
  const first = history.steps[0];
  if (first === undefined) return { labels, values };
  const start = new Date(first.at);
  const toMs = Date.parse(toIso);
  for (
    let month = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
    month <= toMs;
    month = Date.UTC(new Date(month).getUTCFullYear(), new Date(month).getUTCMonth() + 1, 1)
  ) {
    const score = scoreAt(month);
    if (score === undefined) continue;
    labels.push(i18n.month(new Date(month).toISOString().slice(0, 7)));
    values.push(score);
  }
  const now = scoreAt(toMs);
  if (now !== undefined) {
    labels.push(i18n.t('portal.standing.now'));
    values.push(now);
  }
  return { labels, values };
}

function ScoreChart({
  history,
  to,
  title,
}: {
  readonly history: SchemeHistory;
  readonly to: string;
  readonly title: string;
}) {
  const i18n = useI18n();
  const { labels, series } = useMemo(() => {
    const { labels: l, values } = monthlyScores(i18n, history, to);
    return { labels: l, series: [{ label: i18n.t('portal.standing.series'), values }] };
  }, [i18n, history, to]);
  return <Chart kind="line" title={title} labels={labels} series={series} fromZero={false} />;
}

type SchemeStanding = StandingView['schemes'][number];
type PointsStanding = NonNullable<SchemeStanding['points']>;

/** A points scheme at a glance: score and grade, and whether the grade comes from the score's band or a record. */
function SchemeSummary({
  scheme,
  points,
  catalogs,
}: {
  readonly scheme: SchemeStanding;
  readonly points: PointsStanding;
  readonly catalogs: Catalogs;
}) {
  const i18n = useI18n();
  const { t, number, date } = i18n;
  return (
    <li>
      <h3>{schemeTitle(i18n, catalogs, scheme.scheme)}</h3>
      <dl class="facts">
        <dt>{t('portal.standing.score')}</dt>
        <dd>
          <strong class="portal-score">{number(points.score)}</strong>{' '}
          <span class="muted">({t('portal.standing.base', { base: points.base })})</span>
        </dd>
        <dt>{t('portal.standing.grade')}</dt>
        <dd>
          <strong class="portal-grade">{points.grade}</strong>
        </dd>
      </dl>
      <p>
        {points.gradeSource === 'direct'
          ? t('portal.standing.gradeDirect', {
              record: String(points.directGradeRecordId ?? ''),
              until: date(points.directGradeUntil),
            })
          : t('portal.standing.gradeByBand')}
      </p>
      <p class="muted">{t('portal.standing.version', { version: scheme.version })}</p>
    </li>
  );
}

/** A points scheme's bands (the subject's grade marked) and its history: the chart, and every change in a table. */
function SchemeHistorySection({
  scheme,
  points,
  history,
  to,
  catalogs,
}: {
  readonly scheme: SchemeStanding;
  readonly points: PointsStanding;
  readonly history: SchemeHistory | undefined;
  readonly to: string;
  readonly catalogs: Catalogs;
}) {
  const i18n = useI18n();
  const { t, number, instant } = i18n;
  const title = schemeTitle(i18n, catalogs, scheme.scheme);
  const bands = catalogs.version(scheme.scheme, scheme.version)?.catalog.scheme.points?.grades ?? [];
  return (
    <section class="portal-scheme" aria-labelledby={`scheme-${scheme.scheme}`}>
      <h3 id={`scheme-${scheme.scheme}`}>{title}</h3>
      <div class="portal-split">
        <div class="table-wrap">
          <table>
            <caption>{t('portal.standing.bands')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('common.grade')}</th>
                <th scope="col">{t('common.points')}</th>
              </tr>
            </thead>
            <tbody>
              {bands.map((b) => (
                <tr key={b.grade} class={b.grade === points.grade ? 'portal-current' : undefined}>
                  <th scope="row">
                    {b.grade}
                    {b.grade === points.grade && <span class="badge badge-warn">{t('portal.standing.yourGrade')}</span>}
                  </th>
                  <td>
                    {b.minPoints === undefined
                      ? t('portal.standing.bandDirect')
                      : t('portal.standing.bandFrom', { points: b.minPoints })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {history && <ScoreChart history={history} to={to} title={t('portal.standing.chartTitle', { scheme: title })} />}
      </div>
      {history && (
        <details>
          <summary>{t('portal.standing.changes')}</summary>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('common.date')}</th>
                  <th scope="col">{t('common.score')}</th>
                  <th scope="col">{t('common.grade')}</th>
                  <th scope="col">{t('common.version')}</th>
                </tr>
              </thead>
              <tbody>
                {history.steps.map((s) => (
                  <tr key={s.at}>
                    <td>{instant(s.at)}</td>
                    {s.version === undefined ? (
                      <td colSpan={3}>{t('portal.standing.noLongerApplies')}</td>
                    ) : (
                      <>
                        <td class="num">{number(s.score ?? 0)}</td>
                        <td>{s.grade}</td>
                        <td class="num">{s.version}</td>
                      </>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </section>
  );
}

function ListingCard({ listing, catalogs }: { readonly listing: ListingView; readonly catalogs: Catalogs }) {
  const i18n = useI18n();
  const { t, date, pick } = i18n;
  const version = catalogs.version(listing.scheme, listing.version);
  const list = catalogs.list(listing.scheme, listing.version, listing.list);
  // What ends it before its term: a rule whose effect delists from this list, or the list's repair policy.
  const delistedBy = (version?.catalog.rules ?? []).filter((r) =>
    r.effects.some((e) => e.kind === 'delisting' && e.list === listing.list),
  );
  const repair = list?.repair;
  // A black list restricts; a red list (honours) rewards.
  return (
    <li class={list?.color === 'red' ? 'portal-list-red' : undefined}>
      <h3>{listTitle(i18n, catalogs, listing)}</h3>
      <dl class="facts">
        <dt>{t('portal.standing.listedOn')}</dt>
        <dd>{date(listing.start)}</dd>
        <dt>{t('portal.standing.until')}</dt>
        <dd>
          {listing.untilDelisted ? t('portal.standing.whenDelisted', { date: date(listing.end) }) : date(listing.end)}
        </dd>
        <dt>{t('common.reason')}</dt>
        <dd>
          {t(listing.trigger === 'threshold' ? 'portal.standing.byThreshold' : 'portal.standing.listedBy', {
            record: String(listing.recordId),
            code: listing.code,
          })}
        </dd>
        {list && (
          <>
            <dt>{t('common.legalBasis')}</dt>
            <dd>{list.legalBasis}</dd>
          </>
        )}
        <dt>{t('portal.standing.endsEarly')}</dt>
        <dd>
          {delistedBy.length === 0 && repair === undefined && t('portal.standing.endsByTerm')}
          <ul class="portal-lines">
            {delistedBy.map((r) => (
              <li key={r.code}>{t('portal.standing.endsByRule', { title: pick(r.title), code: r.code })}</li>
            ))}
            {repair && (
              <li>
                {t('portal.standing.endsByRepair', {
                  days: repair.minimumDays,
                  conditions: repair.conditions
                    .map((c) => conditionText(i18n, c))
                    .join(i18n.locale === 'en' ? '; ' : '；'),
                })}
              </li>
            )}
          </ul>
        </dd>
      </dl>
    </li>
  );
}

function MeasureCard({ measure, catalogs }: { readonly measure: MeasureView; readonly catalogs: Catalogs }) {
  const i18n = useI18n();
  const { t, date, pick } = i18n;
  return (
    <li>
      <h3>
        <span class={`badge ${measure.kind === 'sanction' ? 'badge-deny' : 'badge-allow'}`}>
          {t(measure.kind === 'sanction' ? 'portal.standing.sanction' : 'portal.standing.incentive')}
        </span>{' '}
        {pick(measure.title)}
      </h3>
      <ul class="portal-lines">
        {measure.actions.map((a) => (
          <li key={a}>{pick(findAction(a)?.title) || a}</li>
        ))}
      </ul>
      <dl class="facts">
        <dt>{t('portal.standing.until')}</dt>
        <dd>{measure.until === undefined ? t('portal.standing.measureWhileGrade') : date(measure.until)}</dd>
        <dt>{t('common.reason')}</dt>
        <dd>
          {'listing' in measure.basis
            ? t('portal.standing.onList', { list: listTitle(i18n, catalogs, measure.basis.listing) })
            : t('portal.standing.onGrade', { grade: measure.basis.grade })}
          {measure.via && (
            <>
              {' '}
              {t('portal.standing.via', { organisation: measure.via.organisation, role: t(roleKey[measure.via.role]) })}
            </>
          )}
        </dd>
        <dt>{t('common.legalBasis')}</dt>
        <dd>{measure.legalBasis}</dd>
      </dl>
    </li>
  );
}

function Standing({ subject }: { readonly subject: string }) {
  const i18n = useI18n();
  const { t, instant } = i18n;
  const [loaded, reload] = useLoad(
    () =>
      Promise.all([
        get<StandingView>(subjectPath(subject, 'standing')),
        get<HistoryView>(subjectPath(subject, 'history')),
        loadCatalogs(),
      ]),
    [subject],
  );
  return (
    <Show loaded={loaded} onRetry={reload}>
      {([standing, history, catalogs]) => {
        const listings = standing.schemes.flatMap((s) => s.listings);
        const scored = standing.schemes.flatMap((s) => (s.points ? [{ scheme: s, points: s.points }] : []));
        const unscored = standing.schemes.filter((s) => s.points === undefined);
        return (
          <>
            <p class="muted">{t('portal.standing.asOf', { at: instant(standing.at) })}</p>
            <h2>{t('portal.standing.schemes')}</h2>
            <ul class="cards portal-cards">
              {scored.map(({ scheme, points }) => (
                <SchemeSummary key={scheme.scheme} scheme={scheme} points={points} catalogs={catalogs} />
              ))}
            </ul>
            {unscored.length > 0 && (
              <p>
                {t('portal.standing.unscored', {
                  schemes: unscored
                    .map((s) => schemeTitle(i18n, catalogs, s.scheme))
                    .join(i18n.locale === 'en' ? ', ' : '、'),
                })}
              </p>
            )}
            <h2>{t('portal.standing.listings')}</h2>
            {listings.length === 0 ? (
              <p>{t('portal.standing.noListings')}</p>
            ) : (
              <ul class="portal-listings">
                {listings.map((l) => (
                  <ListingCard key={`${l.list}:${l.recordId}`} listing={l} catalogs={catalogs} />
                ))}
              </ul>
            )}
            <h2>{t('portal.standing.measures')}</h2>
            {standing.measures.length === 0 ? (
              <p>{t('portal.standing.noMeasures')}</p>
            ) : (
              <ul class="cards portal-cards">
                {standing.measures.map((m, i) => (
                  <MeasureCard key={`${m.scheme}:${m.measure}:${i}`} measure={m} catalogs={catalogs} />
                ))}
              </ul>
            )}
            <h2>{t('portal.standing.history')}</h2>
            {scored.map(({ scheme, points }) => (
              <SchemeHistorySection
                key={scheme.scheme}
                scheme={scheme}
                points={points}
                history={history.schemes.find((h) => h.scheme === scheme.scheme)}
                to={history.to}
                catalogs={catalogs}
              />
            ))}
          </>
        );
      }}
    </Show>
  );
}

export default function StandingPage() {
  const { t } = useI18n();
  return (
    <PortalPage title={t('portal.standing.title')} intro={t('portal.standing.intro')}>
      {(subject) => <Standing subject={subject.key} />}
    </PortalPage>
  );
}
