/** The login form (staff logins, or a subject's identifier) and the page that holds it. */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError } from '../api.ts';
import { ErrorNote, asApiError } from '../components/async.tsx';
import { Page } from '../components/page.tsx';
import { useI18n } from '../i18n.ts';
import { logIn, useSession, type Role } from '../session.ts';

/** Where each role starts. */
export const homeOf: Readonly<Record<Role, string>> = {
  subject: '/me',
  agency: '/agency',
  'service-point': '/desk',
  reviewer: '/review',
  admin: '/admin',
};

export function LoginForm({ redirect = false }: { readonly redirect?: boolean }) {
  const { t } = useI18n();
  const { setSession } = useSession();
  const location = useLocation();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await logIn(login.trim(), password);
      setSession(session);
      if (redirect) location.route(homeOf[session.role]);
    } catch (e) {
      const failure = asApiError(e);
      setError(failure.status === 401 ? new ApiError(401, failure.code, t('login.failed')) : failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form narrow" onSubmit={submit}>
      <div class="field">
        <label for="login">{t('login.login')}</label>
        <input
          id="login"
          name="login"
          autoComplete="username"
          required
          value={login}
          onInput={(e) => setLogin(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="password">{t('login.password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </div>
      {error && <ErrorNote error={error} />}
      <button type="submit" class="primary" disabled={busy}>
        {t('login.submit')}
      </button>
    </form>
  );
}

export default function LoginPage() {
  const { t } = useI18n();
  return (
    <Page title={t('login.title')} intro={<p>{t('login.intro')}</p>}>
      <LoginForm redirect />
    </Page>
  );
}
