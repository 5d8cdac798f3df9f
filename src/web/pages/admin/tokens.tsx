/**
 * Bearer tokens, for the administrator: the list (role, name, scope, created, revoked; never a secret), a new
 * token for an agency, a service point, a reviewer, an administrator or a subject (its secret shown once, with a
 * copy button), and revocation after a confirmation. Sessions opened by password logins are tokens too and are
 * listed with them.
 */
import { useState } from 'preact/hooks';
import { del, get, post } from '../../api.ts';
import { ErrorNote, Show, useLoad } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import type { Role } from '../../session.ts';
import {
  ActiveBadge,
  AdminPage,
  AdminTable,
  CreatePrincipal,
  loadAgencies,
  ScopeText,
  useAction,
  type AgencyWithRemit,
} from './shared.tsx';

export interface TokenSummary {
  readonly id: string;
  readonly role: Role;
  readonly name: string;
  readonly scope: readonly string[];
  readonly createdAt: string;
  readonly revokedAt?: string;
  /** Only login sessions expire. */
  readonly expiresAt?: string;
}

/** The bearer tokens: login sessions (tokens that expire) are people logged in, not tokens to manage. */
export const loadTokens = () =>
  get<{ tokens: TokenSummary[] }>('/v1/tokens').then((r) => r.tokens.filter((t) => t.expiresAt === undefined));

function CreateToken({
  agencies,
  onCreated,
}: {
  readonly agencies: readonly AgencyWithRemit[];
  readonly onCreated: () => void;
}) {
  const { t } = useI18n();
  return (
    <CreatePrincipal
      id="create-token-heading"
      title={t('admin.tokens.create')}
      submit={t('admin.tokens.createSubmit')}
      prefix="token"
      role="service-point"
      subjectName="identifier"
      agencies={agencies}
      create={async (principal) => {
        const { token, id } = await post<{ token: string; id: string }>('/v1/tokens', principal);
        return { secret: token, label: (tr) => tr('admin.tokens.newToken', { id }) };
      }}
      onCreated={onCreated}
    />
  );
}

function TokenTable({
  tokens,
  onRevoked,
}: {
  readonly tokens: readonly TokenSummary[];
  readonly onRevoked: () => void;
}) {
  const { t, instant } = useI18n();
  const [showRevoked, setShowRevoked] = useState(false);
  const [confirming, setConfirming] = useState<string | undefined>();
  const [revoked, setRevoked] = useState<string | undefined>();
  const { busy, error, run } = useAction();
  const shown = [...tokens]
    .filter((tk) => showRevoked || tk.revokedAt === undefined)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.id.localeCompare(b.id));
  const revoke = (token: TokenSummary) =>
    run(async () => {
      await del(`/v1/tokens/${encodeURIComponent(token.id)}`);
      setRevoked(t('admin.tokens.revokedNote', { name: token.name, id: token.id }));
      setConfirming(undefined);
      onRevoked();
    });
  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">{t('admin.tokens.list')}</h2>
      <div class="row">
        <div class="admin-check">
          <input
            type="checkbox"
            id="show-revoked"
            checked={showRevoked}
            onChange={(e) => setShowRevoked(e.currentTarget.checked)}
          />
          <label for="show-revoked">{t('admin.tokens.showRevoked')}</label>
        </div>
      </div>
      {revoked && (
        <p class="note note-ok" role="status">
          {revoked}
        </p>
      )}
      {error && <ErrorNote error={error} />}
      <AdminTable
        labelledBy="tokens-heading"
        columns={[
          t('admin.principal.role'),
          t('admin.principal.name'),
          t('admin.tokens.scope'),
          t('admin.created'),
          t('common.status'),
          t('common.actions'),
        ]}
        rows={shown}
      >
        {(tk) => (
          <tr key={tk.id}>
            <td>{t(`role.${tk.role}`)}</td>
            <td>
              <span class="mono">{tk.name}</span>
              <br />
              <span class="muted">{t('admin.tokens.id', { id: tk.id })}</span>
            </td>
            <td>
              <ScopeText role={tk.role} scope={tk.scope} />
            </td>
            <td>{instant(tk.createdAt)}</td>
            <td>
              <ActiveBadge ended={tk.revokedAt && t('admin.tokens.revokedAt', { date: instant(tk.revokedAt) })} />
            </td>
            <td>
              {tk.revokedAt === undefined &&
                (confirming === tk.id ? (
                  <div class="admin-confirm" role="group" aria-labelledby={`confirm-${tk.id}`}>
                    <p id={`confirm-${tk.id}`}>{t('admin.tokens.confirmRevoke', { name: tk.name })}</p>
                    <div class="row">
                      <button type="button" class="danger" disabled={busy} onClick={() => void revoke(tk)}>
                        {t('admin.tokens.revokeConfirm')}
                      </button>
                      <button type="button" disabled={busy} onClick={() => setConfirming(undefined)}>
                        {t('common.cancel')}
                      </button>
                    </div>
                  </div>
                ) : (
                  <button
                    type="button"
                    class="danger"
                    aria-label={t('admin.tokens.revokeLabel', { name: tk.name, id: tk.id })}
                    onClick={() => {
                      setRevoked(undefined);
                      setConfirming(tk.id);
                    }}
                  >
                    {t('admin.tokens.revoke')}
                  </button>
                ))}
            </td>
          </tr>
        )}
      </AdminTable>
    </section>
  );
}

function Tokens() {
  const [tokens, reloadTokens] = useLoad(loadTokens, []);
  const [agencies, reloadAgencies] = useLoad(loadAgencies, []);
  return (
    <Show loaded={agencies} onRetry={reloadAgencies}>
      {(list) => (
        <>
          <CreateToken agencies={list} onCreated={reloadTokens} />
          <Show loaded={tokens} onRetry={reloadTokens}>
            {(data) => <TokenTable tokens={data} onRevoked={reloadTokens} />}
          </Show>
        </>
      )}
    </Show>
  );
}

export default function TokensPage() {
  const { t } = useI18n();
  return (
    <AdminPage title={t('admin.tokens.title')} intro={t('admin.tokens.intro')}>
      <Tokens />
    </AdminPage>
  );
}
