/**
 * The administrator's start page: every scheme with the version in force, the newest version if one is scheduled
 * to take effect later, and whether a draft is saved; each links to its catalog page (draft, diff, publish). Links
 * to tokens, accounts and service points, and agencies follow in the sub-navigation.
 */
import { ApiError, get } from '../../api.ts';
import { Show, useLoad } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import { AdminPage, AdminTable, versionInForce, type SchemeSummary } from './shared.tsx';

interface SchemeRow extends SchemeSummary {
  readonly draft: boolean;
}

async function hasDraft(scheme: string): Promise<boolean> {
  try {
    await get<unknown>(`/v1/catalogs/${encodeURIComponent(scheme)}/draft`);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'no_draft') return false;
    throw error;
  }
}

async function loadSchemes(): Promise<SchemeRow[]> {
  const { schemes } = await get<{ schemes: SchemeSummary[] }>('/v1/catalogs');
  const drafts = await Promise.all(schemes.map((s) => hasDraft(s.scheme)));
  return schemes.map((s, i) => ({ ...s, draft: drafts[i] ?? false }));
}

function Schemes() {
  const { t, pick, instant } = useI18n();
  const [loaded, reload] = useLoad(loadSchemes, []);
  const nowMs = Date.now();
  return (
    <section aria-labelledby="schemes-heading">
      <h2 id="schemes-heading">{t('admin.schemes.title')}</h2>
      <p>{t('admin.schemes.intro')}</p>
      <Show loaded={loaded} onRetry={reload}>
        {(schemes) => (
          <AdminTable
            labelledBy="schemes-heading"
            columns={[
              t('common.scheme'),
              t('admin.schemes.inForce'),
              t('admin.schemes.scheduled'),
              t('admin.schemes.draft'),
              t('common.actions'),
            ]}
            rows={schemes}
          >
            {(s) => {
              const inForce = versionInForce(s.versions, nowMs);
              const later = s.versions.filter((v) => Date.parse(v.effectiveFrom) > nowMs);
              return (
                <tr key={s.scheme}>
                  <th scope="row">
                    {pick(s.title)}
                    <br />
                    <code>{s.scheme}</code>
                  </th>
                  <td>
                    {inForce === undefined
                      ? t('admin.schemes.noneInForce')
                      : t('admin.schemes.versionSince', {
                          version: inForce.version,
                          date: instant(inForce.effectiveFrom),
                        })}
                  </td>
                  <td>
                    {later.length === 0
                      ? '—'
                      : later.map((v) => (
                          <div key={v.version}>
                            {t('admin.schemes.versionFrom', {
                              version: v.version,
                              date: instant(v.effectiveFrom),
                            })}
                          </div>
                        ))}
                  </td>
                  <td>
                    {s.draft ? (
                      <span class="badge badge-warn">{t('admin.schemes.draftSaved')}</span>
                    ) : (
                      <span class="muted">{t('common.no')}</span>
                    )}
                  </td>
                  <td>
                    <a
                      href={`/admin/catalogs/${encodeURIComponent(s.scheme)}`}
                      aria-label={t('admin.schemes.openLabel', { scheme: pick(s.title) })}
                    >
                      {s.draft ? t('admin.schemes.editDraft') : t('admin.schemes.startDraft')}
                    </a>
                  </td>
                </tr>
              );
            }}
          </AdminTable>
        )}
      </Show>
    </section>
  );
}

export default function AdminStartPage() {
  const { t } = useI18n();
  return (
    <AdminPage title={t('admin.title')} intro={t('admin.intro')}>
      <Schemes />
    </AdminPage>
  );
}
