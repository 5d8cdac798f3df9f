/**
 * One scheme's catalog, for the administrator: its published versions; the saved draft (or a new one started from
 * the version in force) in a JSON editor; saving it (the API validates it and names the field it refuses); the
 * diff of the draft against the version in force, always on the page, computed by the core's own parser and diff
 * as the text changes; and publication with an effective date in China Standard Time: the draft is saved with it,
 * its simulation over the register's history is shown (simulation.tsx), then a confirmation naming the scheme, the
 * next version and the date. The effective date becomes the draft's effectiveFrom.
 */
import { useMemo, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { parseCatalogDraft, type CatalogDraft } from '../../../core/catalog.ts';
import { diffCatalogs } from '../../../core/catalog-diff.ts';
import { ApiError, get, post, put } from '../../api.ts';
import { asApiError, Show, useLoad } from '../../components/async.tsx';
import { CatalogDiff } from '../../components/catalog-diff.tsx';
import { useI18n, type Localized } from '../../i18n.ts';
import { DraftSimulation } from './simulation.tsx';
import {
  AdminPage,
  AdminTable,
  cstFromMs,
  HintedField,
  instantFromCst,
  nextVersionOf,
  ProblemNote,
  useAction,
  versionInForce,
  type SchemeSummary,
  type VersionSummary,
} from './shared.tsx';

interface PublishedVersion extends VersionSummary {
  readonly scheme: string;
  readonly catalog: CatalogDraft;
}

interface SchemeData {
  readonly versions: readonly VersionSummary[];
  readonly inForce: PublishedVersion | undefined;
  /** The saved draft, as saved. */
  readonly draft: unknown;
}

const path = (scheme: string, rest = '') => `/v1/catalogs/${encodeURIComponent(scheme)}${rest}`;

async function loadScheme(scheme: string): Promise<SchemeData> {
  const { versions } = await get<{ versions: VersionSummary[] }>(path(scheme, '/versions'));
  const current = versionInForce(versions, Date.now());
  const [inForce, draft] = await Promise.all([
    current === undefined ? undefined : get<PublishedVersion>(path(scheme, `/versions/${current.version}`)),
    get<unknown>(path(scheme, '/draft')).catch((error: unknown) => {
      if (error instanceof ApiError && error.code === 'no_draft') return undefined;
      throw error;
    }),
  ]);
  return { versions, inForce, draft };
}

const pretty = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

type Parsed =
  | { readonly ok: true; readonly json: Record<string, unknown>; readonly draft: CatalogDraft }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly field?: string };

/** The editor's text read as the API will read it: JSON, then the catalog schema and its rules of meaning. */
function parseText(text: string, effectiveFrom: string | undefined): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: 'malformed_json', message: error instanceof Error ? error.message : String(error) };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, code: 'invalid_catalog', message: 'the draft is a JSON object' };
  const withDate = effectiveFrom === undefined ? json : { ...json, effectiveFrom };
  const parsed = parseCatalogDraft(withDate);
  if (!parsed.ok)
    return {
      ok: false,
      code: parsed.problem.code,
      message: parsed.problem.message,
      ...(parsed.problem.field === undefined ? {} : { field: parsed.problem.field }),
    };
  return { ok: true, json: withDate as Record<string, unknown>, draft: parsed.value };
}

function Versions({ versions }: { readonly versions: readonly VersionSummary[] }) {
  const { t, instant } = useI18n();
  const nowMs = Date.now();
  const current = versionInForce(versions, nowMs);
  return (
    <section aria-labelledby="versions-heading">
      <h2 id="versions-heading">{t('admin.catalog.versions')}</h2>
      <AdminTable
        labelledBy="versions-heading"
        columns={[
          t('common.version'),
          t('admin.catalog.publishedAt'),
          t('admin.catalog.effectiveFrom'),
          t('common.status'),
        ]}
        rows={[...versions].sort((a, b) => b.version - a.version)}
      >
        {(v) => (
          <tr key={v.version}>
            <th scope="row">{v.version}</th>
            <td>{instant(v.publishedAt)}</td>
            <td>{instant(v.effectiveFrom)}</td>
            <td>
              {v.version === current?.version ? (
                <span class="badge badge-allow">{t('admin.catalog.inForce')}</span>
              ) : Date.parse(v.effectiveFrom) > nowMs ? (
                <span class="badge badge-warn">{t('admin.catalog.scheduled')}</span>
              ) : (
                <span class="muted">{t('admin.catalog.superseded')}</span>
              )}
            </td>
          </tr>
        )}
      </AdminTable>
    </section>
  );
}

function Editor({
  scheme,
  data,
  onPublished,
}: {
  readonly scheme: string;
  readonly data: SchemeData;
  readonly onPublished: (version: PublishedVersion) => void;
}) {
  const { t, pick, instant } = useI18n();
  const { inForce } = data;
  const [text, setText] = useState(data.draft === undefined ? '' : pretty(data.draft));
  const [started, setStarted] = useState(data.draft !== undefined);
  const [dirty, setDirty] = useState(false);
  const [saved, setSaved] = useState<string | undefined>();
  const [saveError, setSaveError] = useState<ApiError | undefined>();
  const [saving, setSaving] = useState(false);
  const [effective, setEffective] = useState(() => cstFromMs(Date.now() + 60 * 60 * 1000));
  const [confirming, setConfirming] = useState(false);
  const publishing = useAction();
  const busy = saving || publishing.busy;
  const effectiveIso = instantFromCst(effective);
  const parsed = useMemo(() => (started ? parseText(text, effectiveIso) : undefined), [text, started, effectiveIso]);
  const changes = useMemo(
    () => (parsed?.ok === true ? diffCatalogs(inForce?.catalog, parsed.draft) : undefined),
    [parsed, inForce],
  );
  const nextVersion = nextVersionOf(data.versions);
  const title: Localized = inForce?.catalog.scheme.title ?? { 'zh-CN': scheme, en: scheme };

  const startFromInForce = () => {
    if (inForce === undefined) return;
    setText(pretty(inForce.catalog));
    setStarted(true);
    setDirty(true);
    setSaved(undefined);
    setSaveError(undefined);
  };

  /** PUT the editor's text as it is (with the effective date when publishing). */
  const save = async (body: unknown): Promise<ApiError | undefined> => {
    setSaveError(undefined);
    try {
      const answer = await put<{ savedAt: string }>(path(scheme, '/draft'), body);
      setSaved(answer.savedAt);
      setDirty(false);
      return undefined;
    } catch (error) {
      const refused = asApiError(error);
      setSaveError(refused);
      setSaved(undefined);
      return refused;
    }
  };

  const onSave = async (event: Event) => {
    event.preventDefault();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      setSaveError(
        new ApiError(0, 'malformed_json', t('admin.catalog.notJson', { message: (error as Error).message })),
      );
      return;
    }
    setSaving(true);
    await save(body);
    setSaving(false);
  };

  /** Saves the draft as it would be published (with its date), then shows its simulation and the confirmation. */
  const review = () => {
    if (parsed?.ok !== true || effectiveIso === undefined) return;
    const { json } = parsed;
    void publishing.run(async () => {
      const refused = await save(json);
      if (refused !== undefined) throw refused;
      setText(pretty(json));
      setConfirming(true);
    });
  };

  const publish = () => {
    if (parsed?.ok !== true || effectiveIso === undefined) return;
    const { json } = parsed;
    void publishing.run(async () => {
      const refused = await save(json);
      if (refused !== undefined) throw refused;
      setText(pretty(json));
      const version = await post<PublishedVersion>(path(scheme, '/draft/publish'));
      setConfirming(false);
      onPublished(version);
    });
  };

  return (
    <>
      <section aria-labelledby="draft-heading">
        <h2 id="draft-heading">{t('admin.catalog.draft')}</h2>
        {!started ? (
          <div class="note">
            <p>{t('admin.catalog.noDraft')}</p>
            {inForce && (
              <button type="button" class="primary" onClick={startFromInForce}>
                {t('admin.catalog.start', { version: inForce.version })}
              </button>
            )}
          </div>
        ) : (
          <form class="admin-editor" onSubmit={onSave}>
            <HintedField
              id="draft-text"
              label={t('admin.catalog.editorLabel', { scheme: pick(title) })}
              hint={t('admin.catalog.editorHint')}
            >
              {(hintId) => (
                <textarea
                  id="draft-text"
                  class="mono admin-json"
                  spellcheck={false}
                  autoComplete="off"
                  rows={28}
                  value={text}
                  aria-describedby={saveError ? `${hintId} draft-problem` : hintId}
                  aria-invalid={saveError ? 'true' : undefined}
                  onInput={(e) => {
                    setText(e.currentTarget.value);
                    setDirty(true);
                    setSaved(undefined);
                    // The simulation shown is of the saved text: a new text needs a new one.
                    setConfirming(false);
                  }}
                />
              )}
            </HintedField>
            {saveError && <ProblemNote error={saveError} id="draft-problem" />}
            {saved && !dirty && (
              <p class="note note-ok" role="status">
                {t('admin.catalog.saved', { date: instant(saved) })}
              </p>
            )}
            <div class="row">
              <button type="submit" class="primary" disabled={busy}>
                {t('admin.catalog.save')}
              </button>
              {inForce && (
                <button type="button" onClick={startFromInForce} disabled={busy}>
                  {t('admin.catalog.restart', { version: inForce.version })}
                </button>
              )}
              {dirty && <span class="muted">{t('admin.catalog.unsaved')}</span>}
            </div>
          </form>
        )}
      </section>

      {started && (
        <section aria-labelledby="diff-heading">
          <h2 id="diff-heading">
            {inForce ? t('admin.catalog.diffTitle', { version: inForce.version }) : t('admin.catalog.diffTitleFirst')}
          </h2>
          {parsed?.ok === false ? (
            <div class="note note-warn" role="status">
              <p>{t('admin.catalog.diffInvalid')}</p>
              <p>
                {parsed.message} <span class="muted">{t('error.code', { code: parsed.code })}</span>
                {parsed.field !== undefined && (
                  <>
                    {' '}
                    · {t('admin.problemField')} <code>{parsed.field}</code>
                  </>
                )}
              </p>
            </div>
          ) : (
            changes && <CatalogDiff changes={changes} />
          )}
        </section>
      )}

      {started && (
        <section aria-labelledby="publish-heading">
          <h2 id="publish-heading">{t('admin.catalog.publish')}</h2>
          <div class="form">
            <HintedField
              id="effective-from"
              label={t('admin.catalog.effectiveLabel')}
              hint={t('admin.catalog.effectiveHint')}
            >
              {(hintId) => (
                <input
                  id="effective-from"
                  type="datetime-local"
                  step={60}
                  value={effective}
                  aria-describedby={hintId}
                  onInput={(e) => {
                    setEffective(e.currentTarget.value);
                    setConfirming(false);
                  }}
                />
              )}
            </HintedField>
            {!confirming && (
              <div class="row">
                <button
                  type="button"
                  class="primary"
                  disabled={busy || parsed?.ok !== true || effectiveIso === undefined}
                  onClick={review}
                >
                  {t('admin.catalog.publishStart', { version: nextVersion })}
                </button>
                {parsed?.ok !== true && <span class="muted">{t('admin.catalog.publishNeedsValid')}</span>}
              </div>
            )}
          </div>
          {confirming && (
            <DraftSimulation scheme={scheme} onCancel={() => setConfirming(false)}>
              {(report) => (
                <div
                  class="note note-warn"
                  role="alertdialog"
                  aria-labelledby="confirm-title"
                  aria-describedby="confirm-text"
                >
                  <p id="confirm-title">
                    <strong>{t('admin.catalog.confirmTitle')}</strong>
                  </p>
                  <p id="confirm-text">
                    {t('admin.catalog.confirmText', {
                      scheme: pick(title),
                      id: scheme,
                      version: nextVersion,
                      date: instant(effectiveIso),
                    })}
                  </p>
                  <p>
                    {t('admin.catalog.simulated', {
                      changed: report.changed,
                      subjects: report.subjects,
                      adverse: report.adverse,
                      favourable: report.favourable,
                      mixed: report.mixed,
                    })}
                  </p>
                  <div class="row">
                    <button type="button" class="primary" disabled={busy} onClick={publish}>
                      {t('admin.catalog.confirm', { version: nextVersion })}
                    </button>
                    <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
                      {t('common.cancel')}
                    </button>
                  </div>
                </div>
              )}
            </DraftSimulation>
          )}
          {publishing.error && <ProblemNote error={publishing.error} />}
        </section>
      )}
    </>
  );
}

function SchemeCatalog({ scheme }: { readonly scheme: string }) {
  const { t, instant } = useI18n();
  const [round, setRound] = useState(0);
  const [published, setPublished] = useState<PublishedVersion | undefined>();
  const [loaded, reload] = useLoad(() => loadScheme(scheme), [scheme, round]);
  return (
    <Show loaded={loaded} onRetry={reload}>
      {(data) => (
        <>
          {published && (
            <div class="note note-ok" role="status">
              <p>
                <strong>
                  {t('admin.catalog.published', {
                    version: published.version,
                    date: instant(published.effectiveFrom),
                  })}
                </strong>
              </p>
            </div>
          )}
          <Versions versions={data.versions} />
          <Editor
            // A new editor for new data: after a publication the draft is gone and the versions are one more.
            key={`${data.versions.length}:${data.draft === undefined ? 'none' : 'draft'}`}
            scheme={scheme}
            data={data}
            onPublished={(version) => {
              setPublished(version);
              setRound((r) => r + 1);
            }}
          />
        </>
      )}
    </Show>
  );
}

/** The scheme's title, for the page's heading (its id until the catalogs are read). */
async function titleOf(scheme: string): Promise<Localized | undefined> {
  const { schemes } = await get<{ schemes: SchemeSummary[] }>('/v1/catalogs');
  return schemes.find((s) => s.scheme === scheme)?.title;
}

export default function CatalogPage() {
  const { t, pick } = useI18n();
  const { params } = useRoute();
  const scheme = params.scheme ?? '';
  const [title] = useLoad(() => titleOf(scheme), [scheme]);
  const name = title.state === 'ready' && title.data !== undefined ? pick(title.data) : scheme;
  return (
    <AdminPage title={t('admin.catalog.title', { scheme: name })} intro={t('admin.catalog.intro')}>
      <SchemeCatalog scheme={scheme} />
    </AdminPage>
  );
}
