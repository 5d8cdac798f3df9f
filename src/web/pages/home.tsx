/** The front page: what the register is, and where to go. */
import { Page } from '../components/page.tsx';
import { useI18n } from '../i18n.ts';

export default function HomePage() {
  const { t } = useI18n();
  return (
    <Page title={t('app.name')} intro={<p>{t('app.tagline')}</p>}>
      <ul class="cards">
        <li>
          <a href="/catalogs">{t('nav.catalogs')}</a>
        </li>
        <li>
          <a href="/lists">{t('nav.lists')}</a>
        </li>
        <li>
          <a href="/statistics">{t('nav.statistics')}</a>
        </li>
        <li>
          <a href="/audit">{t('nav.audit')}</a>
        </li>
      </ul>
    </Page>
  );
}
