/**
 * /lists/:list[?code=RULE]: a public list's published members (masked), page by page with the API's next token;
 * a filter by rule (in the page's address: a rule code names nobody); a search by one full identifier, sent to the
 * API only (never in this page's address, so never in the browser's history); and downloads of the whole list as
 * CSV (the API's columns) or JSON, fetched page by page.
 */
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import type { CatalogDraft, ListDefinition, Rule } from '../../../core/catalog.ts';
import { pageSizeMax } from '../../../core/constants.ts';
import { ApiError, get, saveFile } from '../../api.ts';
import { asApiError, ErrorNote, Show, useLoad } from '../../components/async.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n, type Localized } from '../../i18n.ts';
import {
  csvField,
  loadLists,
  loadSchemes,
  loadVersion,
  membersPath,
  versionInForce,
  type ListSummary,
  type MembersPage,
  type PublicMember,
} from './data.ts';
import { ListColour } from './parts.tsx';

/** Members shown per page on screen. */
const screenPageSize = 50;
const csvColumns = ['subject', 'since', 'until', 'publishedUntil', 'code', 'reasonZh', 'reasonEn', 'legalBasis'];

async function loadList(listId: string, code: string | undefined) {
  // The first page first: for a list that is not public it is the 404 the page shows.
  const first = await get<MembersPage>(membersPath(listId, { limit: screenPageSize, code }));
  const summary = (await loadLists()).find((l) => l.id === listId);
  if (summary === undefined) throw new ApiError(404, 'unknown_list', `no public list ${listId}`);
  const scheme = (await loadSchemes()).find((s) => s.scheme === summary.scheme);
  const shown = scheme ? (versionInForce(scheme.versions, Date.now()) ?? scheme.versions[0]) : undefined;
  const body = shown ? await loadVersion(summary.scheme, shown.version) : undefined;
  const definition = body?.catalog.scheme.lists.find((l) => l.id === listId);
  const rules = body ? listingRules(body.catalog, listId) : [];
  return { listId, code, first, summary, schemeTitle: scheme?.title, definition, rules };
}

/** The rules a member can be listed under: those listing on the list, and any scoring rule if a threshold does. */
function listingRules(catalog: CatalogDraft, listId: string): Rule[] {
  const byThreshold = catalog.scheme.thresholds.some((th) => th.list === listId);
  return catalog.rules.filter((r) =>
    r.effects.some(
      (e) =>
        (e.kind === 'listing' && e.list === listId) ||
        (byThreshold && (e.kind === 'points' || e.kind === 'points_by_amount' || e.kind === 'grade')),
    ),
  );
}

export default function ListPage() {
  const { t, pick } = useI18n();
  const { params, query } = useRoute();
  const listId = params.list ?? '';
  const code = query.code === '' ? undefined : query.code;
  const [loaded, reload] = useLoad(() => loadList(listId, code), [listId, code]);
  const title = loaded.state === 'ready' ? pick(loaded.data.summary.title) : t('public.lists.title');
  return (
    <Page title={title}>
      <Show loaded={loaded} onRetry={reload}>
        {(data) => <ListView key={data.listId} {...data} />}
      </Show>
    </Page>
  );
}

function ListView({
  listId,
  code,
  first,
  summary,
  schemeTitle,
  definition,
  rules,
}: {
  readonly listId: string;
  readonly code: string | undefined;
  readonly first: MembersPage;
  readonly summary: ListSummary;
  readonly schemeTitle: Localized | undefined;
  readonly definition: ListDefinition | undefined;
  readonly rules: readonly Rule[];
}) {
  const { t, pick } = useI18n();
  const location = useLocation();
  return (
    <>
      {definition && (
        <div class="intro">
          <p>{t('public.list.intro', { days: definition.publicationDays })}</p>
          <dl class="facts">
            <dt>{t('public.lists.colour')}</dt>
            <dd>
              <ListColour color={summary.color} />
            </dd>
            <dt>{t('common.legalBasis')}</dt>
            <dd>{definition.legalBasis}</dd>
            <dt>{t('public.catalog.maxTerm')}</dt>
            <dd>{t('public.days', { n: definition.maxTermDays })}</dd>
            <dt>{t('common.scheme')}</dt>
            <dd>
              <a href={`/catalogs/${encodeURIComponent(summary.scheme)}`}>
                {schemeTitle ? pick(schemeTitle) : summary.scheme}
              </a>
            </dd>
          </dl>
        </div>
      )}

      <Search listId={listId} />

      <h2>{t('public.list.members')}</h2>
      <div class="pickers">
        <div class="field">
          <label for="rule-filter">{t('public.list.filter')}</label>
          <select
            id="rule-filter"
            value={code ?? ''}
            onChange={(e) => {
              const value = e.currentTarget.value;
              location.route(
                value === ''
                  ? `/lists/${encodeURIComponent(listId)}`
                  : `/lists/${encodeURIComponent(listId)}?code=${encodeURIComponent(value)}`,
              );
            }}
          >
            <option value="">{t('public.list.allRules')}</option>
            {rules.map((r) => (
              <option key={r.code} value={r.code}>
                {pick(r.title)} ({r.code})
              </option>
            ))}
          </select>
        </div>
      </div>
      {/* Keyed by the filter the rows were loaded for: until the next filter's rows come, these stay. */}
      <Members key={code ?? ''} listId={listId} code={code} first={first} />
      <Downloads key={code ?? ''} listId={listId} code={code} title={first.title} />
    </>
  );
}

function MembersTable({ members }: { readonly members: readonly PublicMember[] }) {
  const { t, pick, date } = useI18n();
  return (
    <div class="table-wrap">
      <table class="wide">
        <thead>
          <tr>
            <th scope="col">{t('common.subject')}</th>
            <th scope="col">{t('common.reason')}</th>
            <th scope="col">{t('common.legalBasis')}</th>
            <th scope="col">{t('public.list.since')}</th>
            <th scope="col">{t('public.list.until')}</th>
            <th scope="col">{t('public.list.publishedUntil')}</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m, i) => (
            <tr key={`${m.subject}-${i}`}>
              <th scope="row" class="mono nowrap">
                {m.subject}
              </th>
              <td class="text">
                {pick(m.reason)}
                <div class="mono muted">{m.code}</div>
              </td>
              <td class="text">{m.legalBasis}</td>
              <td class="nowrap">{date(m.since)}</td>
              <td class="nowrap">{date(m.until)}</td>
              <td class="nowrap">{date(m.publishedUntil)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Members({
  listId,
  code,
  first,
}: {
  readonly listId: string;
  readonly code: string | undefined;
  readonly first: MembersPage;
}) {
  const { t } = useI18n();
  const [members, setMembers] = useState<readonly PublicMember[]>(first.members);
  const [next, setNext] = useState(first.next);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const more = async () => {
    if (next === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const page = await get<MembersPage>(membersPath(listId, { limit: screenPageSize, code, after: next }));
      setMembers((m) => [...m, ...page.members]);
      setNext(page.next);
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  if (members.length === 0 && next === undefined) return <p>{t('common.none')}</p>;
  return (
    <>
      <MembersTable members={members} />
      <p class="muted" role="status">
        {t('public.list.shown', { n: members.length })}
      </p>
      {error && <ErrorNote error={error} onRetry={() => void more()} />}
      {next !== undefined && (
        <button type="button" onClick={() => void more()} disabled={busy}>
          {busy ? t('app.loading') : t('common.more')}
        </button>
      )}
    </>
  );
}

type SearchState =
  | { readonly state: 'idle' }
  | { readonly state: 'busy' }
  | { readonly state: 'done'; readonly members: readonly PublicMember[] }
  | { readonly state: 'failed'; readonly error: ApiError };

const identifierCodes = new Set(['invalid_resident_id', 'invalid_uscc', 'invalid_passport', 'invalid_subject']);

function Search({ listId }: { readonly listId: string }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [result, setResult] = useState<SearchState>({ state: 'idle' });
  const submit = async (event: Event) => {
    event.preventDefault();
    if (text.trim() === '') return;
    setResult({ state: 'busy' });
    try {
      const page = await get<MembersPage>(membersPath(listId, { subject: text.trim() }));
      setResult({ state: 'done', members: page.members });
    } catch (e) {
      setResult({ state: 'failed', error: asApiError(e) });
    }
  };
  const invalid = result.state === 'failed' && identifierCodes.has(result.error.code);
  return (
    <section aria-labelledby="search-heading">
      <h2 id="search-heading">{t('public.list.search')}</h2>
      {/* No name on the field and no action: the identifier is never submitted to this page's address. */}
      <form class="form" onSubmit={submit}>
        <div class="field">
          <label for="search-subject">{t('public.list.searchLabel')}</label>
          <input
            id="search-subject"
            autoComplete="off"
            spellcheck={false}
            required
            maxLength={64}
            aria-describedby={invalid ? 'search-hint search-problem' : 'search-hint'}
            aria-invalid={invalid ? 'true' : undefined}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <span id="search-hint" class="hint">
            {t('public.list.searchHint')}
          </span>
          {invalid && (
            <span id="search-problem" class="problem">
              {t('public.list.invalid')}
            </span>
          )}
        </div>
        <div class="row">
          <button type="submit" class="primary" disabled={result.state === 'busy'}>
            {t('common.search')}
          </button>
          {result.state !== 'idle' && (
            <button
              type="button"
              onClick={() => {
                setText('');
                setResult({ state: 'idle' });
              }}
            >
              {t('public.list.searchClear')}
            </button>
          )}
        </div>
      </form>
      <div class="search-result" aria-live="polite">
        {result.state === 'busy' && <p class="muted">{t('app.loading')}</p>}
        {result.state === 'failed' && <ErrorNote error={result.error} />}
        {result.state === 'done' &&
          (result.members.length === 0 ? (
            <p class="note">{t('public.list.searchNone')}</p>
          ) : (
            <>
              <p class="note note-warn">{t('public.list.searchFound')}</p>
              <MembersTable members={result.members} />
            </>
          ))}
      </div>
    </section>
  );
}

function Downloads({
  listId,
  code,
  title,
}: {
  readonly listId: string;
  readonly code: string | undefined;
  readonly title: MembersPage['title'];
}) {
  const { t } = useI18n();
  const [progress, setProgress] = useState<{ busy: boolean; count: number } | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const fetchAll = async (): Promise<PublicMember[]> => {
    const all: PublicMember[] = [];
    for (let after: string | undefined, more = true; more;) {
      const page = await get<MembersPage>(membersPath(listId, { limit: pageSizeMax, code, after }));
      all.push(...page.members);
      setProgress({ busy: true, count: all.length });
      after = page.next;
      more = after !== undefined;
    }
    return all;
  };
  const download = async (format: 'csv' | 'json') => {
    setError(undefined);
    setProgress({ busy: true, count: 0 });
    try {
      const members = await fetchAll();
      const name = `${listId}${code ? `-${code}` : ''}`;
      if (format === 'csv') {
        const rows = members.map((m) =>
          [m.subject, m.since, m.until, m.publishedUntil, m.code, m.reason['zh-CN'], m.reason.en, m.legalBasis]
            .map(csvField)
            .join(','),
        );
        // A byte-order mark, so that spreadsheet programs read the Chinese text as UTF-8.
        const text = `\uFEFF${[csvColumns.join(','), ...rows].join('\n')}\n`;
        saveFile(`${name}.csv`, text, 'text/csv;charset=utf-8');
      } else {
        const body = {
          list: listId,
          title,
          ...(code ? { code } : {}),
          downloadedAt: new Date().toISOString(),
          members,
        };
        saveFile(`${name}.json`, `${JSON.stringify(body, null, 2)}\n`, 'application/json');
      }
      setProgress({ busy: false, count: members.length });
    } catch (e) {
      setError(asApiError(e));
      setProgress(undefined);
    }
  };
  const busy = progress?.busy === true;
  return (
    <section aria-labelledby="downloads-heading">
      <h2 id="downloads-heading">{t('public.list.downloads')}</h2>
      <p class="muted">{t('public.list.downloadNote')}</p>
      <div class="downloads">
        <button type="button" disabled={busy} onClick={() => void download('csv')}>
          {t('common.downloadCsv')}
        </button>
        <button type="button" disabled={busy} onClick={() => void download('json')}>
          {t('common.downloadJson')}
        </button>
        <span role="status">
          {progress &&
            (progress.busy
              ? t('public.list.downloading', { n: progress.count })
              : t('public.list.downloaded', { n: progress.count }))}
        </span>
      </div>
      {error && <ErrorNote error={error} />}
    </section>
  );
}
