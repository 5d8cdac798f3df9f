/**
 * What the administrator's pages share: the page with the console's sub-navigation (administrators only), an
 * action's busy state and the API's refusal shown with its field, a field with its hint, a table with its column
 * heads, a section that creates something whose secret is shown once (a new token or password) with a copy button,
 * whether a token or account is active, China Standard Time for date-time inputs, the version of a scheme in
 * force, the agencies with their remit, and the fields that say what a token or an account acts as (role, name,
 * scope), checked by the API as one.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { actions } from '../../../core/actions.ts';
import { get, type ApiError } from '../../api.ts';
import { asApiError, ErrorNote } from '../../components/async.tsx';
import { RequireRole } from '../../components/guard.tsx';
import { Page, SubNav } from '../../components/page.tsx';
import { useI18n, type I18n, type Localized } from '../../i18n.ts';
import type { Role } from '../../session.ts';
import './admin.css';
import type { VersionSummary } from '../../catalogs.ts';

function AdminNav() {
  const { t } = useI18n();
  return (
    <SubNav
      label={t('admin.nav')}
      links={[
        { href: '/admin', text: t('admin.nav.catalogs') },
        { href: '/admin/tokens', text: t('admin.nav.tokens') },
        { href: '/admin/accounts', text: t('admin.nav.accounts') },
        { href: '/admin/agencies', text: t('admin.nav.agencies') },
      ]}
    />
  );
}

/** One of the administrator's pages: its title and intro, then, for an administrator, the sub-navigation and it. */
export function AdminPage({
  title,
  intro,
  children,
}: {
  readonly title: string;
  readonly intro: string;
  readonly children: ComponentChildren;
}) {
  return (
    <Page title={title} intro={<p>{intro}</p>}>
      <RequireRole roles={['admin']}>
        {() => (
          <>
            <AdminNav />
            {children}
          </>
        )}
      </RequireRole>
    </Page>
  );
}

/** A change sent to the API: busy while it runs (its buttons disabled), and what the API refused, if it did. */
export function useAction(): {
  readonly busy: boolean;
  readonly error: ApiError | undefined;
  readonly run: (work: () => Promise<void>) => Promise<void>;
  /** Forget the refusal (the change is about to be asked again). */
  readonly clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}

/** The API's refusal: its message and code, and the field it names. */
export function ProblemNote({ error, id }: { readonly error: ApiError; readonly id?: string }) {
  const { t } = useI18n();
  return (
    <div id={id}>
      <ErrorNote error={error} />
      {error.field !== undefined && (
        <p class="admin-field">
          {t('admin.problemField')} <code>{error.field}</code>
        </p>
      )}
    </div>
  );
}

/** A secret the API shows once: a warning, the value (selectable), a copy button and a way to be done with it. */
function SecretOnce({
  label,
  value,
  onDone,
}: {
  readonly label: string;
  readonly value: string;
  readonly onDone: () => void;
}) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.focus();
  }, [value]);
  const copy = () => {
    const clipboard = globalThis.navigator?.clipboard;
    if (clipboard === undefined) {
      setCopied('failed');
      return;
    }
    clipboard.writeText(value).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <div class="note note-warn admin-secret" ref={box} tabIndex={-1} aria-labelledby="secret-warning">
      <p id="secret-warning">
        <strong>{t('admin.secret.warning')}</strong>
      </p>
      <div class="field">
        <label for="secret-value">{label}</label>
        <input id="secret-value" class="mono" readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
      </div>
      <div class="row">
        <button type="button" class="primary" onClick={copy}>
          {t('admin.secret.copy')}
        </button>
        <button type="button" onClick={onDone}>
          {t('admin.secret.done')}
        </button>
      </div>
      <p role="status">
        {copied === 'yes' ? t('admin.secret.copied') : copied === 'failed' ? t('admin.secret.copyFailed') : ''}
      </p>
    </div>
  );
}

/** A labelled field with a hint: `control` gets the hint's id, for its aria-describedby. */
export function HintedField({
  id,
  label,
  hint,
  children: control,
}: {
  readonly id: string;
  readonly label: ComponentChildren;
  readonly hint: ComponentChildren;
  readonly children: (hintId: string) => ComponentChildren;
}) {
  const hintId = `${id}-hint`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <span class="hint" id={hintId}>
        {hint}
      </span>
      {control(hintId)}
    </div>
  );
}

/** A table named by its section's heading, with its column heads, or `empty` (“None.”) when there are no rows. */
export function AdminTable<T>({
  labelledBy,
  columns,
  rows,
  empty,
  children: row,
}: {
  readonly labelledBy: string;
  readonly columns: readonly string[];
  readonly rows: readonly T[];
  readonly empty?: string;
  readonly children: (row: T) => ComponentChildren;
}) {
  const { t } = useI18n();
  if (rows.length === 0) return <p>{empty ?? t('common.none')}</p>;
  return (
    <div class="table-wrap">
      <table aria-labelledby={labelledBy}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{rows.map(row)}</tbody>
      </table>
    </div>
  );
}

/** Active, or since when it is not (a token revoked, an account disabled). */
export function ActiveBadge({ ended }: { readonly ended: string | undefined }) {
  const { t } = useI18n();
  return ended === undefined ? (
    <span class="badge badge-allow">{t('admin.active')}</span>
  ) : (
    <span class="badge">{ended}</span>
  );
}

/** What a new token or account brought: its secret, shown once under its label, or a note that it is made. */
export type Made = { readonly secret: string; readonly label: (t: I18n['t']) => string } | { readonly note: string };

/**
 * A section that creates a token or an account: what it acts as (role, name, scope), the caller's own fields, the
 * API's refusal, a note once done and the submit button; or, once made, the secret shown once in the form's place.
 * After a creation the form starts again with the same role.
 */
export function CreatePrincipal({
  id,
  title,
  submit,
  prefix,
  role,
  subjectName,
  agencies,
  create,
  onCreated,
  children,
}: {
  readonly id: string;
  readonly title: string;
  readonly submit: string;
  readonly prefix: string;
  /** The role the form starts with. */
  readonly role: Role;
  readonly subjectName: 'identifier' | 'none';
  readonly agencies: readonly AgencyWithRemit[];
  /** Sends it (with the caller's own fields) and says what it brought. */
  readonly create: (principal: PrincipalBody) => Promise<Made>;
  readonly onCreated: () => void;
  /** The caller's own fields, after the principal's: for the role chosen, told the field the API refused. */
  readonly children?: (role: Role, invalid: string | undefined) => ComponentChildren;
}) {
  const { t } = useI18n();
  const [value, setValue] = useState<PrincipalValue>({ role, name: '', scope: [] });
  const [made, setMade] = useState<Made | undefined>();
  const { busy, error, run } = useAction();
  const onSubmit = (event: Event) => {
    event.preventDefault();
    setMade(undefined);
    void run(async () => {
      setMade(await create(principalBody(value)));
      setValue({ role: value.role, name: '', scope: [] });
      onCreated();
    });
  };
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {made !== undefined && 'secret' in made ? (
        <SecretOnce label={made.label(t)} value={made.secret} onDone={() => setMade(undefined)} />
      ) : (
        <form class="form" onSubmit={onSubmit}>
          <PrincipalFields
            prefix={prefix}
            value={value}
            onChange={setValue}
            agencies={agencies}
            subjectName={subjectName}
            invalid={error?.field}
          />
          {children?.(value.role, error?.field)}
          {error && <ProblemNote error={error} />}
          {made && (
            <p class="note note-ok" role="status">
              {made.note}
            </p>
          )}
          <div class="row">
            <button type="submit" class="primary" disabled={busy}>
              {submit}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/* ---------- China Standard Time ---------- */

const cstOffsetMs = 8 * 60 * 60 * 1000;

/** A datetime-local value (read as China Standard Time, UTC+8, no daylight saving) as an ISO instant. */
export function instantFromCst(value: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/.exec(value);
  if (match === null) return undefined;
  const ms = Date.parse(`${match[1]}T${match[2]}${match[3] ?? ':00'}+08:00`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** An instant as a datetime-local value in China Standard Time, to the minute. */
export function cstFromMs(ms: number): string {
  return new Date(ms + cstOffsetMs).toISOString().slice(0, 16);
}

/* ---------- Catalog versions ---------- */

export { versionInForce, type SchemeSummary, type VersionSummary } from '../../catalogs.ts';

export const nextVersionOf = (versions: readonly VersionSummary[]) =>
  versions.reduce((n, v) => Math.max(n, v.version), 0) + 1;

/* ---------- Agencies ---------- */

export interface RemitEntry {
  readonly scheme: string;
  readonly code: string;
  readonly title: Localized;
  readonly version: number;
  readonly inForce: boolean;
}

export interface AgencyWithRemit {
  readonly id: string;
  readonly kind: string;
  readonly name: Localized;
  readonly remit: readonly RemitEntry[];
}

export const loadAgencies = () => get<{ agencies: AgencyWithRemit[] }>('/v1/agencies').then((r) => r.agencies);

/* ---------- What a token or an account acts as ---------- */

interface PrincipalValue {
  readonly role: Role;
  readonly name: string;
  readonly scope: readonly string[];
}

/** The roles a token or an account may act as: the staff's, and a subject's own. */
const principalRoles: readonly Role[] = ['agency', 'service-point', 'reviewer', 'admin', 'subject'];

export interface PrincipalBody {
  readonly role: Role;
  readonly name: string;
  readonly scope: string[];
}

/** The value to send: only what the role takes (an agency's scope is rule codes, a service point's actions). */
function principalBody(value: PrincipalValue): PrincipalBody {
  const scope = value.role === 'admin' || value.role === 'subject' ? [] : [...value.scope];
  return { role: value.role, name: value.name.trim(), scope };
}

/**
 * Role, name and scope. `subjectName` is how a subject is named here: by its identifier (a token), or not at all
 * (an account, whose login is the identifier). `invalid` is the field the API refused, marked so.
 */
function PrincipalFields({
  prefix,
  value,
  onChange,
  agencies,
  subjectName,
  invalid,
}: {
  readonly prefix: string;
  readonly value: PrincipalValue;
  readonly onChange: (value: PrincipalValue) => void;
  readonly agencies: readonly AgencyWithRemit[];
  readonly subjectName: 'identifier' | 'none';
  readonly invalid?: string | undefined;
}) {
  const { t, pick } = useI18n();
  const set = (change: Partial<PrincipalValue>) => onChange({ ...value, ...change });
  const agency = agencies.find((a) => a.id === value.name);
  const remitCodes = [...new Map((agency?.remit ?? []).map((e) => [e.code, e])).values()];
  const toggle = (code: string, on: boolean) =>
    set({ scope: on ? [...value.scope, code] : value.scope.filter((c) => c !== code) });
  const invalidAttr = (field: string) => (invalid === field ? 'true' : undefined);
  const subject = value.role === 'subject';
  // What the scope is chosen from: a service point's actions, or an agency's rule codes (those of its remit).
  const checks =
    value.role === 'service-point'
      ? {
          id: `${prefix}-action`,
          legend: t('admin.principal.actions'),
          hint: t('admin.principal.actionsHint'),
          items: actions,
        }
      : value.role === 'agency'
        ? {
            id: `${prefix}-code`,
            legend: t('admin.principal.codes'),
            hint: t('admin.principal.codesHint'),
            items: remitCodes,
          }
        : undefined;
  return (
    <>
      <div class="field">
        <label for={`${prefix}-role`}>{t('admin.principal.role')}</label>
        <select
          id={`${prefix}-role`}
          value={value.role}
          aria-invalid={invalidAttr('role')}
          onChange={(e) => {
            const role = e.currentTarget.value as Role;
            onChange({ role, name: role === 'agency' ? (agencies[0]?.id ?? '') : '', scope: [] });
          }}
        >
          {principalRoles.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
      </div>
      {value.role === 'agency' ? (
        <div class="field">
          <label for={`${prefix}-name`}>{t('admin.principal.agency')}</label>
          <select
            id={`${prefix}-name`}
            value={value.name}
            aria-invalid={invalidAttr('name')}
            onChange={(e) => set({ name: e.currentTarget.value, scope: [] })}
          >
            {agencies.map((a) => (
              <option key={a.id} value={a.id}>
                {pick(a.name)} ({a.id})
              </option>
            ))}
          </select>
        </div>
      ) : (
        (value.role !== 'subject' || subjectName === 'identifier') && (
          <HintedField
            id={`${prefix}-name`}
            label={subject ? t('admin.principal.identifier') : t('admin.principal.name')}
            hint={subject ? t('admin.principal.identifierHint') : t('admin.principal.nameHint')}
          >
            {(hintId) => (
              <input
                id={`${prefix}-name`}
                class={subject ? 'mono' : undefined}
                autoComplete="off"
                value={value.name}
                aria-describedby={hintId}
                aria-invalid={invalidAttr('name')}
                onInput={(e) => set({ name: e.currentTarget.value })}
              />
            )}
          </HintedField>
        )
      )}
      {checks && <CheckList {...checks} checked={value.scope} onToggle={toggle} />}
      {value.role === 'reviewer' && (
        <HintedField
          id={`${prefix}-works-for`}
          label={t('admin.principal.worksFor')}
          hint={t('admin.principal.worksForHint')}
        >
          {(hintId) => (
            <select
              id={`${prefix}-works-for`}
              value={value.scope[0] ?? ''}
              aria-describedby={hintId}
              aria-invalid={invalidAttr('scope')}
              onChange={(e) => set({ scope: e.currentTarget.value === '' ? [] : [e.currentTarget.value] })}
            >
              <option value="">{t('admin.principal.worksForNone')}</option>
              {agencies.map((a) => (
                <option key={a.id} value={a.id}>
                  {pick(a.name)} ({a.id})
                </option>
              ))}
            </select>
          )}
        </HintedField>
      )}
    </>
  );
}

/** Check boxes for a scope: an action or a rule code each, by its title and code. */
function CheckList({
  id,
  legend,
  hint,
  items,
  checked,
  onToggle,
}: {
  readonly id: string;
  readonly legend: string;
  readonly hint: string;
  readonly items: readonly { readonly code: string; readonly title: Localized }[];
  readonly checked: readonly string[];
  readonly onToggle: (code: string, on: boolean) => void;
}) {
  const { t, pick } = useI18n();
  return (
    <fieldset class="admin-checks">
      <legend>{legend}</legend>
      <p class="hint">{hint}</p>
      {items.length === 0 ? (
        <p>{t('common.none')}</p>
      ) : (
        items.map((item) => (
          <div class="admin-check" key={item.code}>
            <input
              type="checkbox"
              id={`${id}-${item.code}`}
              checked={checked.includes(item.code)}
              onChange={(e) => onToggle(item.code, e.currentTarget.checked)}
            />
            <label for={`${id}-${item.code}`}>
              {pick(item.title)} <code>{item.code}</code>
            </label>
          </div>
        ))
      )}
    </fieldset>
  );
}

/** A scope as people read it: action titles for a service point, codes otherwise. */
export function ScopeText({ role, scope }: { readonly role: string; readonly scope: readonly string[] }) {
  const { t, pick } = useI18n();
  if (scope.length === 0)
    return <span class="muted">{role === 'agency' ? t('admin.scope.wholeRemit') : t('admin.scope.none')}</span>;
  return (
    <ul class="admin-scope">
      {scope.map((code) => {
        const action = role === 'service-point' ? actions.find((a) => a.code === code) : undefined;
        return (
          <li key={code}>
            {action ? `${pick(action.title)} ` : ''}
            <code>{code}</code>
          </li>
        );
      })}
    </ul>
  );
}
