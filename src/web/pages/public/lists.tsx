/** /lists: the public lists, each with its kind (black or red, in words), its scheme and its published members. */
import { Show, useLoad } from '../../components/async.tsx';
import { Page } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';
import { loadLists, loadSchemes, loadStatistics } from './data.ts';
import { ListColour } from './parts.tsx';

async function loadPublicLists() {
  const [lists, statistics, schemes] = await Promise.all([loadLists(), loadStatistics(), loadSchemes()]);
  // The statistics count public lists only: those are the ones published.
  const published = lists.filter((l) => statistics.membersPerList[l.id] !== undefined);
  return {
    at: statistics.at,
    lists: published.map((l) => ({
      ...l,
      published: statistics.membersPerList[l.id] ?? 0,
      schemeTitle: schemes.find((s) => s.scheme === l.scheme)?.title,
    })),
  };
}

export default function ListsPage() {
  const { t, pick, number, instant } = useI18n();
  const [loaded, reload] = useLoad(loadPublicLists, []);
  return (
    <Page title={t('public.lists.title')} intro={<p>{t('public.lists.intro')}</p>}>
      <Show loaded={loaded} onRetry={reload}>
        {({ at, lists }) =>
          lists.length === 0 ? (
            <p>{t('common.none')}</p>
          ) : (
            <>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t('common.list')}</th>
                      <th scope="col">{t('public.lists.colour')}</th>
                      <th scope="col">{t('common.scheme')}</th>
                      <th scope="col" class="num">
                        {t('public.lists.members')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {lists.map((l) => (
                      <tr key={l.id}>
                        <th scope="row">
                          <a href={`/lists/${encodeURIComponent(l.id)}`}>{pick(l.title)}</a>
                        </th>
                        <td>
                          <ListColour color={l.color} />
                        </td>
                        <td>
                          <a href={`/catalogs/${encodeURIComponent(l.scheme)}`}>
                            {l.schemeTitle ? pick(l.schemeTitle) : l.scheme}
                          </a>
                        </td>
                        <td class="num">{number(l.published)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p class="muted">{t('public.lists.asOf', { at: instant(at) })}</p>
            </>
          )
        }
      </Show>
    </Page>
  );
}
