/** /catalogs: every scheme with its authority, jurisdiction, subjects, the version in force and its rules' count. */
import { Show, useLoad } from '../../components/async.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';
import { loadSchemesWithVersions } from './data.ts';
import { kindsText } from './parts.tsx';

export default function CatalogsPage() {
  const i18n = useI18n();
  const { t, pick, date, number } = i18n;
  const nowMs = Date.now();
  const [loaded, reload] = useLoad(() => loadSchemesWithVersions(nowMs), []);
  return (
    <Page title={t('public.catalogs.title')} intro={<p>{t('public.catalogs.intro')}</p>}>
      <Show loaded={loaded} onRetry={reload}>
        {(schemes) =>
          schemes.length === 0 ? (
            <p>{t('common.none')}</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('public.catalogs.scheme')}</th>
                    <th scope="col">{t('public.catalogs.authority')}</th>
                    <th scope="col">{t('public.catalogs.jurisdiction')}</th>
                    <th scope="col">{t('public.catalogs.subjects')}</th>
                    <th scope="col">{t('public.catalogs.inForce')}</th>
                    <th scope="col">{t('public.catalogs.effectiveFrom')}</th>
                    <th scope="col" class="num">
                      {t('public.catalogs.rules')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {schemes.map(({ summary, shown, body }) => {
                    const inForce = shown !== undefined && Date.parse(shown.effectiveFrom) <= nowMs;
                    const upcoming = summary.versions.filter((v) => Date.parse(v.effectiveFrom) > nowMs);
                    return (
                      <tr key={summary.scheme}>
                        <th scope="row">
                          <a href={`/catalogs/${encodeURIComponent(summary.scheme)}`}>{pick(summary.title)}</a>
                          {upcoming.map((v) => (
                            <p key={v.version} class="muted">
                              {t('public.catalogs.upcoming', { n: v.version, date: date(v.effectiveFrom) })}
                            </p>
                          ))}
                        </th>
                        <td>{pick(summary.authority)}</td>
                        <td class="mono">{body?.catalog.scheme.jurisdiction ?? '—'}</td>
                        <td>{body ? kindsText(body.catalog.scheme.subjectKinds, i18n) : '—'}</td>
                        <td>
                          {inForce && shown
                            ? t('public.catalogs.version', { n: shown.version })
                            : t('public.catalogs.noneInForce')}
                        </td>
                        <td>{inForce && shown ? date(shown.effectiveFrom) : '—'}</td>
                        <td class="num">{body ? number(body.catalog.rules.length) : '—'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </Page>
  );
}
