/**
 * The reporting agencies and their remit, for the administrator: for each agency, the rule codes the published
 * catalogs let it report, by scheme, with the version that last named it and whether the version in force still
 * does. The remit is the catalogs' to set: a new version changes it, nothing here does.
 */
import { Show, useLoad } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import { AdminPage, AdminTable, loadAgencies, type AgencyWithRemit } from './shared.tsx';

function AgencySection({ agency }: { readonly agency: AgencyWithRemit }) {
  const { t, pick } = useI18n();
  const headingId = `agency-${agency.id}`;
  const inForce = agency.remit.filter((e) => e.inForce).length;
  return (
    <section aria-labelledby={headingId} class="admin-agency">
      <h2 id={headingId}>
        {pick(agency.name)} <code>{agency.id}</code>
      </h2>
      <p class="muted">
        {t('admin.agencies.kind', { kind: agency.kind })} ·{' '}
        {t('admin.agencies.remitCount', { n: inForce, all: agency.remit.length })}
      </p>
      <AdminTable
        labelledBy={headingId}
        columns={[t('common.rule'), t('common.scheme'), t('common.version'), t('common.status')]}
        rows={agency.remit}
        empty={t('admin.agencies.noRemit')}
      >
        {(e) => (
          <tr key={`${e.scheme}:${e.code}`}>
            <th scope="row">
              {pick(e.title)}
              <br />
              <code>{e.code}</code>
            </th>
            <td>
              <code>{e.scheme}</code>
            </td>
            <td class="num">{e.version}</td>
            <td>
              {e.inForce ? (
                <span class="badge badge-allow">{t('admin.agencies.inForce')}</span>
              ) : (
                <span class="badge">{t('admin.agencies.notInForce')}</span>
              )}
            </td>
          </tr>
        )}
      </AdminTable>
    </section>
  );
}

function Agencies() {
  const { t } = useI18n();
  const [loaded, reload] = useLoad(loadAgencies, []);
  return (
    <Show loaded={loaded} onRetry={reload}>
      {(agencies) =>
        agencies.length === 0 ? (
          <p>{t('common.none')}</p>
        ) : (
          <>
            {agencies.map((a) => (
              <AgencySection key={a.id} agency={a} />
            ))}
          </>
        )
      }
    </Show>
  );
}

export default function AgenciesPage() {
  const { t } = useI18n();
  return (
    <AdminPage title={t('admin.agencies.title')} intro={t('admin.agencies.intro')}>
      <Agencies />
    </AdminPage>
  );
}
