/**
 * Password accounts and service points, for the administrator. Accounts: the list (login, role, name, scope,
 * created; never a password or its hash) and a new account, whose password the register makes and shows once
 * unless one is given. A subject's account logs in with the subject's identifier but is kept under its lookup
 * token, which is what the list shows. Service points: every service-point account and token in one place, with
 * the actions each may ask about.
 */
import { useState } from 'preact/hooks';
import { get, post } from '../../api.ts';
import { Show, useLoad } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import type { Role } from '../../session.ts';
import {
  ActiveBadge,
  AdminPage,
  AdminTable,
  CreatePrincipal,
  HintedField,
  loadAgencies,
  ScopeText,
  type AgencyWithRemit,
  type Made,
  type PrincipalBody,
} from './shared.tsx';
import { loadTokens, type TokenSummary } from './tokens.tsx';

interface Account {
  readonly login: string;
  readonly role: Role;
  readonly name: string;
  readonly scope: readonly string[];
  readonly createdAt: string;
  readonly disabledAt?: string;
}

const loadAccounts = () => get<{ accounts: Account[] }>('/v1/accounts').then((r) => r.accounts);

function CreateAccount({
  agencies,
  onCreated,
}: {
  readonly agencies: readonly AgencyWithRemit[];
  readonly onCreated: () => void;
}) {
  const { t } = useI18n();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const create = async (principal: PrincipalBody): Promise<Made> => {
    const made = login.trim();
    const created = await post<Account & { password?: string }>('/v1/accounts', {
      login: made,
      role: principal.role,
      ...(principal.role === 'subject' ? {} : { name: principal.name }),
      scope: principal.scope,
      ...(password === '' ? {} : { password }),
    });
    setLogin('');
    setPassword('');
    return created.password === undefined
      ? { note: t('admin.accounts.created', { login: made }) }
      : { secret: created.password, label: (tr) => tr('admin.accounts.newPassword', { login: made }) };
  };
  return (
    <CreatePrincipal
      id="create-account-heading"
      title={t('admin.accounts.create')}
      submit={t('admin.accounts.createSubmit')}
      prefix="account"
      role="reviewer"
      subjectName="none"
      agencies={agencies}
      create={create}
      onCreated={onCreated}
    >
      {(role, invalid) => (
        <>
          <HintedField
            id="account-login"
            label={role === 'subject' ? t('admin.accounts.subjectLogin') : t('admin.accounts.login')}
            hint={role === 'subject' ? t('admin.accounts.subjectLoginHint') : t('admin.accounts.loginHint')}
          >
            {(hintId) => (
              <input
                id="account-login"
                autoComplete="off"
                value={login}
                aria-describedby={hintId}
                aria-invalid={invalid === 'login' ? 'true' : undefined}
                onInput={(e) => setLogin(e.currentTarget.value)}
              />
            )}
          </HintedField>
          <HintedField
            id="account-password"
            label={t('admin.accounts.password')}
            hint={t('admin.accounts.passwordHint')}
          >
            {(hintId) => (
              <input
                id="account-password"
                type="password"
                autoComplete="new-password"
                value={password}
                aria-describedby={hintId}
                aria-invalid={invalid === 'password' ? 'true' : undefined}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            )}
          </HintedField>
        </>
      )}
    </CreatePrincipal>
  );
}

function AccountTable({ accounts }: { readonly accounts: readonly Account[] }) {
  const { t, instant } = useI18n();
  return (
    <section aria-labelledby="accounts-heading">
      <h2 id="accounts-heading">{t('admin.accounts.list')}</h2>
      <AdminTable
        labelledBy="accounts-heading"
        columns={[
          t('admin.accounts.login'),
          t('admin.principal.role'),
          t('admin.principal.name'),
          t('admin.tokens.scope'),
          t('admin.created'),
          t('common.status'),
        ]}
        rows={accounts}
      >
        {(a) => (
          <tr key={a.login}>
            <td>
              <span class="mono">{a.login}</span>
              {a.role === 'subject' && (
                <>
                  <br />
                  <span class="muted">{t('admin.accounts.lookupToken')}</span>
                </>
              )}
            </td>
            <td>{t(`role.${a.role}`)}</td>
            <td class="mono">{a.role === 'subject' ? '—' : a.name}</td>
            <td>
              <ScopeText role={a.role} scope={a.scope} />
            </td>
            <td>{instant(a.createdAt)}</td>
            <td>
              <ActiveBadge ended={a.disabledAt && t('admin.accounts.disabledAt', { date: instant(a.disabledAt) })} />
            </td>
          </tr>
        )}
      </AdminTable>
    </section>
  );
}

/** Every service point: its accounts (people at a desk) and its tokens (a booking system's), with their actions. */
function ServicePoints({
  accounts,
  tokens,
}: {
  readonly accounts: readonly Account[];
  readonly tokens: readonly TokenSummary[];
}) {
  const { t, instant } = useI18n();
  const rows = [
    ...accounts
      .filter((a) => a.role === 'service-point')
      .map((a) => ({ key: `a:${a.login}`, kind: t('admin.points.account', { login: a.login }), ...a })),
    ...tokens
      .filter((tk) => tk.role === 'service-point' && tk.revokedAt === undefined)
      .map((tk) => ({ key: `t:${tk.id}`, kind: t('admin.points.token', { id: tk.id }), ...tk })),
  ];
  return (
    <section aria-labelledby="points-heading">
      <h2 id="points-heading">{t('admin.points.title')}</h2>
      <p>
        {t('admin.points.intro')} <a href="/admin/tokens">{t('admin.points.tokensLink')}</a>
      </p>
      <AdminTable
        labelledBy="points-heading"
        columns={[t('admin.principal.name'), t('admin.points.how'), t('admin.principal.actions'), t('admin.created')]}
        rows={rows}
      >
        {(r) => (
          <tr key={r.key}>
            <th scope="row" class="mono">
              {r.name}
            </th>
            <td>{r.kind}</td>
            <td>
              <ScopeText role="service-point" scope={r.scope} />
            </td>
            <td>{instant(r.createdAt)}</td>
          </tr>
        )}
      </AdminTable>
    </section>
  );
}

function Accounts() {
  const [accounts, reloadAccounts] = useLoad(loadAccounts, []);
  const [tokens, reloadTokens] = useLoad(loadTokens, []);
  const [agencies, reloadAgencies] = useLoad(loadAgencies, []);
  return (
    <Show loaded={agencies} onRetry={reloadAgencies}>
      {(list) => (
        <>
          <CreateAccount agencies={list} onCreated={reloadAccounts} />
          <Show loaded={accounts} onRetry={reloadAccounts}>
            {(data) => (
              <>
                <AccountTable accounts={data} />
                <Show loaded={tokens} onRetry={reloadTokens}>
                  {(tks) => <ServicePoints accounts={data} tokens={tks} />}
                </Show>
              </>
            )}
          </Show>
        </>
      )}
    </Show>
  );
}

export default function AccountsPage() {
  const { t } = useI18n();
  return (
    <AdminPage title={t('admin.accounts.title')} intro={t('admin.accounts.intro')}>
      <Accounts />
    </AdminPage>
  );
}
