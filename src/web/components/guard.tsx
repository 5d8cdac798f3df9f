/** A page for some roles only: a login form for a visitor, a clear refusal for another role. */
import type { ComponentChildren } from 'preact';
import { useI18n } from '../i18n.ts';
import { LoginForm } from '../pages/login.tsx';
import { useSession, type Role, type Session } from '../session.ts';
import { Loading } from './async.tsx';

export function RequireRole({
  roles,
  children,
}: {
  readonly roles: readonly Role[];
  readonly children: (session: Session) => ComponentChildren;
}) {
  const { t } = useI18n();
  const { session, ready } = useSession();
  if (!ready) return <Loading />;
  if (session === null) {
    return (
      <section>
        <p class="note">{t('login.needed')}</p>
        <LoginForm />
      </section>
    );
  }
  if (!roles.includes(session.role)) return <p class="note note-error">{t('login.wrongRole')}</p>;
  return <>{children(session)}</>;
}
