/**
 * /statistics: published members per public list at each month's end (12 months), records per month for the rules
 * with the most records, and subjects per grade in each points scheme; each chart with its data table. The figures
 * download as the API's JSON or as one CSV (series, id, grade, month, count).
 */
import { useMemo } from 'preact/hooks';
import { saveFile } from '../../api.ts';
import { Show, useLoad } from '../../components/async.tsx';
import { Chart, type Series } from '../../components/chart.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n, type I18n, type Localized } from '../../i18n.ts';
import { csvField, loadLists, loadSchemesWithVersions, loadStatistics, type Statistics } from './data.ts';

/** How many rules the records chart shows (the palette has eight colours). */
const topRulesCount = 6;
const monthsCount = 12;

async function loadAll() {
  const [statistics, lists, schemes] = await Promise.all([
    loadStatistics(),
    loadLists(),
    loadSchemesWithVersions(Date.now()),
  ]);
  const ruleTitles = new Map<string, Localized>();
  for (const s of schemes) for (const r of s.body?.catalog.rules ?? []) ruleTitles.set(r.code, r.title);
  return {
    statistics,
    listTitles: new Map(lists.map((l) => [l.id, l.title])),
    schemeTitles: new Map(schemes.map((s) => [s.summary.scheme, s.summary.title])),
    ruleTitles,
  };
}

type Loaded = Awaited<ReturnType<typeof loadAll>>;

/** The last `count` months (YYYY-MM, UTC) up to the one holding the instant, oldest first. */
function monthsUpTo(iso: string, count: number): string[] {
  const at = new Date(iso);
  return Array.from({ length: count }, (_, i) =>
    new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - (count - 1 - i), 1)).toISOString().slice(0, 7),
  );
}

function toCsv(s: Statistics): string {
  const rows: (string | number)[][] = [
    ...Object.entries(s.membersPerList).map(([list, n]) => ['membersPerList', list, '', '', n]),
    ...s.membersPerListMonth.map((m) => ['membersPerListMonth', m.list, '', m.month, m.members]),
    ...s.recordsPerRuleMonth.map((r) => ['recordsPerRuleMonth', r.code, '', r.month, r.records]),
    ...Object.entries(s.gradesPerScheme).flatMap(([scheme, grades]) =>
      Object.entries(grades).map(([grade, n]) => ['gradesPerScheme', scheme, grade, '', n]),
    ),
  ];
  return `${['series,id,grade,month,count', ...rows.map((r) => r.map(csvField).join(','))].join('\n')}\n`;
}

export default function StatisticsPage() {
  const { t } = useI18n();
  const [loaded, reload] = useLoad(loadAll, []);
  return (
    <Page title={t('public.stats.title')} intro={<p>{t('public.stats.intro')}</p>}>
      <Show loaded={loaded} onRetry={reload}>
        {(data) => <StatisticsView data={data} />}
      </Show>
    </Page>
  );
}

function StatisticsView({ data }: { readonly data: Loaded }) {
  const i18n = useI18n();
  const { t, instant } = i18n;
  const { statistics } = data;
  const charts = useMemo(() => chartsOf(data, i18n), [data, i18n]);
  return (
    <>
      <p class="muted">{t('public.stats.asOf', { at: instant(statistics.at) })}</p>
      <div class="downloads">
        <button
          type="button"
          onClick={() =>
            saveFile('credence-statistics.json', `${JSON.stringify(statistics, null, 2)}\n`, 'application/json')
          }
        >
          {t('common.downloadJson')}
        </button>
        <button
          type="button"
          onClick={() => saveFile('credence-statistics.csv', toCsv(statistics), 'text/csv;charset=utf-8')}
        >
          {t('common.downloadCsv')}
        </button>
      </div>

      <Chart kind="line" title={t('public.stats.membersTitle')} labels={charts.months} series={charts.members} />
      {charts.records.length === 0 ? (
        <p>{t('public.stats.noRecords')}</p>
      ) : (
        <Chart
          kind="line"
          title={t('public.stats.recordsTitle', { n: charts.records.length })}
          labels={charts.months}
          series={charts.records}
        />
      )}
      <h2>{t('public.stats.gradesHeading')}</h2>
      {charts.grades.length === 0 && <p>{t('common.none')}</p>}
      {charts.grades.map((g) => (
        <Chart key={g.scheme} kind="bar" title={g.title} labels={g.labels} series={g.series} />
      ))}
    </>
  );
}

function chartsOf({ statistics, listTitles, schemeTitles, ruleTitles }: Loaded, i18n: I18n) {
  const { t, pick, month } = i18n;
  const monthKeys = monthsUpTo(statistics.at, monthsCount);
  const months = monthKeys.map(month);

  const lists = [...new Set(statistics.membersPerListMonth.map((m) => m.list))];
  const members: Series[] = lists.map((list) => {
    const byMonth = new Map(
      statistics.membersPerListMonth.filter((m) => m.list === list).map((m) => [m.month, m.members]),
    );
    return { label: pick(listTitles.get(list)) || list, values: monthKeys.map((m) => byMonth.get(m) ?? 0) };
  });

  const perRule = new Map<string, Map<string, number>>();
  for (const r of statistics.recordsPerRuleMonth) {
    if (!monthKeys.includes(r.month)) continue;
    const row = perRule.get(r.code) ?? new Map<string, number>();
    row.set(r.month, (row.get(r.month) ?? 0) + r.records);
    perRule.set(r.code, row);
  }
  const total = (row: Map<string, number>) => [...row.values()].reduce((a, b) => a + b, 0);
  const top = [...perRule.entries()]
    .sort((a, b) => total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : 1))
    .slice(0, topRulesCount);
  const titleCounts = new Map<string, number>();
  for (const [code] of top) {
    const title = pick(ruleTitles.get(code)) || code;
    titleCounts.set(title, (titleCounts.get(title) ?? 0) + 1);
  }
  const records: Series[] = top.map(([code, row]) => {
    const title = pick(ruleTitles.get(code)) || code;
    return {
      label: (titleCounts.get(title) ?? 0) > 1 ? `${title} (${code})` : title,
      values: monthKeys.map((m) => row.get(m) ?? 0),
    };
  });

  const grades = Object.entries(statistics.gradesPerScheme).map(([scheme, counts]) => ({
    scheme,
    title: t('public.stats.gradesTitle', { scheme: pick(schemeTitles.get(scheme)) || scheme }),
    labels: Object.keys(counts),
    series: [{ label: t('public.stats.subjects'), values: Object.values(counts) }] satisfies Series[],
  }));
  return { months, members, records, grades };
}
