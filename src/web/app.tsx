/**
 * The Credence web app: the public register (rules, published lists, statistics, audit checkpoints), the subject
 * portal and the staff consoles, on the HTTP API. One frame for all: skip link, header with the language switch
 * and the session, navigation by role, and the routed page.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { I18nContext, initialLocale, locales, makeI18n, rememberLocale, useI18n, type Locale } from './i18n.ts';
import type { MessageKey } from './messages/index.ts';
import { adminRoutes } from './pages/admin/routes.ts';
import { agencyRoutes } from './pages/agency/routes.ts';
import { deskRoutes } from './pages/desk/routes.ts';
import HomePage from './pages/home.tsx';
import { portalRoutes } from './pages/portal/routes.ts';
import { publicRoutes } from './pages/public/routes.ts';
import { reviewRoutes } from './pages/review/routes.ts';
import type { AppRoute } from './routes.ts';
import { logOut, readSession, SessionContext, useSession, type Role, type Session } from './session.ts';

const routes: readonly AppRoute[] = [
  { path: '/', page: HomePage },
  { path: '/login', page: lazy(() => import('./pages/login.tsx')) },
  ...publicRoutes,
  ...portalRoutes,
  ...agencyRoutes,
  ...deskRoutes,
  ...reviewRoutes,
  ...adminRoutes,
];

const publicNav: readonly { href: string; key: MessageKey }[] = [
  { href: '/catalogs', key: 'nav.catalogs' },
  { href: '/lists', key: 'nav.lists' },
  { href: '/statistics', key: 'nav.statistics' },
  { href: '/audit', key: 'nav.audit' },
];

const roleNav: Readonly<Record<Role, readonly { href: string; key: MessageKey }[]>> = {
  subject: [{ href: '/me', key: 'nav.portal' }],
  agency: [{ href: '/agency', key: 'nav.agency' }],
  'service-point': [{ href: '/desk', key: 'nav.desk' }],
  reviewer: [{ href: '/review', key: 'nav.review' }],
  admin: [
    { href: '/admin', key: 'nav.admin' },
    { href: '/review', key: 'nav.review' },
  ],
};

function NotFound() {
  const { t } = useI18n();
  return (
    <article class="page">
      <h1>{t('app.notFound')}</h1>
      <p>
        <a href="/">{t('app.home')}</a>
      </p>
    </article>
  );
}

function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <div class="language">
      <label for="language">{t('app.language')}</label>
      <select id="language" value={locale} onChange={(e) => setLocale(e.currentTarget.value as Locale)}>
        {locales.map((l) => (
          <option key={l} value={l}>
            {l === 'zh-CN' ? '中文' : 'English'}
          </option>
        ))}
      </select>
    </div>
  );
}

function SessionBar() {
  const { t } = useI18n();
  const { session, setSession } = useSession();
  if (session === null)
    return (
      <a class="button" href="/login">
        {t('nav.login')}
      </a>
    );
  const name = session.role === 'subject' ? (session.subject ?? '') : session.name;
  return (
    <div class="session">
      <span>{t('nav.signedInAs', { name, role: t(`role.${session.role}`) })}</span>
      <button
        type="button"
        onClick={() => {
          void logOut().finally(() => {
            setSession(null);
            globalThis.location.assign('/');
          });
        }}
      >
        {t('nav.logout')}
      </button>
    </div>
  );
}

function Frame() {
  const { t } = useI18n();
  const { session } = useSession();
  const { path } = useLocation();
  const links = [...publicNav, ...(session ? roleNav[session.role] : [])];
  const here = (href: string) => path === href || path.startsWith(`${href}/`);
  return (
    <>
      <a class="skip" href="#main">
        {t('app.skip')}
      </a>
      <header class="top">
        <a class="brand" href="/">
          {t('app.name')}
        </a>
        <div class="top-tools">
          <LanguageSwitch />
          <SessionBar />
        </div>
      </header>
      <nav class="mainnav" aria-label={t('nav.main')}>
        <ul>
          {links.map((l) => (
            <li key={l.href}>
              <a href={l.href} aria-current={here(l.href) ? 'page' : undefined}>
                {t(l.key)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main">
        <ErrorBoundary>
          <Router>
            {[
              ...routes.map((r) => <Route key={r.path} path={r.path} component={r.page} />),
              <Route key="*" default component={NotFound} />,
            ]}
          </Router>
        </ErrorBoundary>
      </main>
    </>
  );
}

export function App() {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const [session, setSession] = useState<Session | null>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    rememberLocale(locale);
  }, [locale]);
  useEffect(() => {
    readSession().then(
      (s) => {
        setSession(s);
        setReady(true);
      },
      () => setReady(true),
    );
  }, []);
  const i18n = useMemo(() => makeI18n(locale, setLocaleState), [locale]);
  const sessionState = useMemo(() => ({ session, ready, setSession }), [session, ready]);
  return (
    <I18nContext.Provider value={i18n}>
      <SessionContext.Provider value={sessionState}>
        <LocationProvider>
          <Frame />
        </LocationProvider>
      </SessionContext.Provider>
    </I18nContext.Provider>
  );
}
