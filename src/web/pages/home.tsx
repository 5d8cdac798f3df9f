/** The front page: what the register is, and where to go. */
import { Page } from '../components/page.tsx';
import { useI18n } from '../i18n.ts';
import type { MessageKey } from '../messages/index.ts';

const cards: readonly { href: string; title: MessageKey; text: MessageKey }[] = [
  { href: '/catalogs', title: 'nav.catalogs', text: 'home.catalogs' },
  { href: '/lists', title: 'nav.lists', text: 'home.lists' },
  { href: '/statistics', title: 'nav.statistics', text: 'home.statistics' },
  { href: '/audit', title: 'nav.audit', text: 'home.audit' },
];

export default function HomePage() {
  const { t } = useI18n();
  return (
    <Page title={t('app.name')} intro={<p>{t('app.tagline')}</p>}>
      <ul class="cards">
        {cards.map((c) => (
          <li key={c.href}>
            <h2>
              <a href={c.href}>{t(c.title)}</a>
            </h2>
            <p>{t(c.text)}</p>
          </li>
        ))}
      </ul>
      <p class="muted">{t('home.login')}</p>
    </Page>
  );
}
