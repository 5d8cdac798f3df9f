/**
 * /catalogs/:scheme/diff?from=N&to=M: two versions of a scheme picked, and what changed between them, computed here
 * in the browser with the core's diffCatalogs from the two published versions (GET /v1/catalogs/:s/versions/:n).
 */
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { diffCatalogs } from '../../../core/catalog-diff.ts';
import { ApiError } from '../../api.ts';
import { Show, useLoad } from '../../components/async.tsx';
import { CatalogDiff } from '../../components/catalog-diff.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';
import { loadSchemes, loadVersion, type SchemeSummary } from './data.ts';

/** The versions asked for, else the last two (or the only one against itself). */
function pairOf(summary: SchemeSummary, from: number | undefined, to: number | undefined) {
  const numbers = summary.versions.map((v) => v.version);
  const last = numbers.at(-1) ?? 1;
  const before = numbers.at(-2) ?? last;
  return { from: from ?? (to !== undefined ? (numbers.filter((n) => n < to).at(-1) ?? to) : before), to: to ?? last };
}

async function loadDiff(scheme: string, fromWanted: number | undefined, toWanted: number | undefined) {
  const summary = (await loadSchemes()).find((s) => s.scheme === scheme);
  if (summary === undefined) throw new ApiError(404, 'unknown_scheme', `no published scheme ${scheme}`);
  const { from, to } = pairOf(summary, fromWanted, toWanted);
  const [before, after] = await Promise.all([loadVersion(scheme, from), loadVersion(scheme, to)]);
  return { summary, from, to, changes: diffCatalogs(before.catalog, after.catalog) };
}

const numberOf = (text: string | undefined) => (text === undefined || text === '' ? undefined : Number(text));

export default function DiffPage() {
  const { t, pick } = useI18n();
  const { params, query } = useRoute();
  const scheme = params.scheme ?? '';
  const from = numberOf(query.from);
  const to = numberOf(query.to);
  const [loaded, reload] = useLoad(() => loadDiff(scheme, from, to), [scheme, from, to]);
  const name = loaded.state === 'ready' ? pick(loaded.data.summary.title) : scheme;
  return (
    <Page title={t('public.diff.title')} intro={<p>{t('public.diff.intro', { scheme: name })}</p>}>
      <p>
        <a href={`/catalogs/${encodeURIComponent(scheme)}`}>{t('public.diff.back', { scheme: name })}</a>
      </p>
      <Show loaded={loaded} onRetry={reload}>
        {(data) => <DiffView key={`${data.from}-${data.to}`} {...data} />}
      </Show>
    </Page>
  );
}

function DiffView({
  summary,
  from,
  to,
  changes,
}: {
  readonly summary: SchemeSummary;
  readonly from: number;
  readonly to: number;
  readonly changes: ReturnType<typeof diffCatalogs>;
}) {
  const { t } = useI18n();
  const location = useLocation();
  const [picked, setPicked] = useState({ from: String(from), to: String(to) });
  const options = summary.versions.map((v) => (
    <option key={v.version} value={String(v.version)}>
      {t('public.catalogs.version', { n: v.version })}
    </option>
  ));
  return (
    <>
      {summary.versions.length < 2 && <p class="note">{t('public.diff.oneVersion')}</p>}
      <form
        class="pickers"
        onSubmit={(e) => {
          e.preventDefault();
          location.route(`/catalogs/${encodeURIComponent(summary.scheme)}/diff?from=${picked.from}&to=${picked.to}`);
        }}
      >
        <div class="field">
          <label for="diff-from">{t('public.diff.from')}</label>
          <select
            id="diff-from"
            value={picked.from}
            onChange={(e) => setPicked({ ...picked, from: e.currentTarget.value })}
          >
            {options}
          </select>
        </div>
        <div class="field">
          <label for="diff-to">{t('public.diff.to')}</label>
          <select id="diff-to" value={picked.to} onChange={(e) => setPicked({ ...picked, to: e.currentTarget.value })}>
            {options}
          </select>
        </div>
        <button type="submit" class="primary">
          {t('public.diff.compare')}
        </button>
      </form>
      <h2>{t('public.diff.heading', { from, to })}</h2>
      <CatalogDiff changes={changes} />
    </>
  );
}
