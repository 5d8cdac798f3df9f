/**
 * What every portal page shares: the subject log-in it needs, the sub-navigation, and whose record it shows. The
 * subject comes from the session, never from the page's address; a person recorded as an organisation's
 * representative picks the organisation from a selector, remembered for the browser tab (sessionStorage).
 */
import type { ComponentChildren } from 'preact';
import type { repairConditions } from '../../../core/catalog.ts';
import { useState } from 'preact/hooks';
import { get, type ApiError } from '../../api.ts';
import { asApiError, Show, useLoad } from '../../components/async.tsx';
import { RequireRole } from '../../components/guard.tsx';
import { Page, SubNav } from '../../components/page.tsx';
import { useI18n, type I18n } from '../../i18n.ts';
import type { MessageKey } from '../../messages/index.ts';
import type { Session } from '../../session.ts';
import { subjectPath, type Catalogs, type ListingView, type RelationRole, type Represented } from './data.ts';
import './portal.css';

/** Whose record the page shows, and who acts. */
export interface PortalSubject {
  /** The identifier the API's paths take. */
  readonly key: string;
  /** The person logged in (the filer of an objection made for an organisation). */
  readonly person: string;
  /** For an organisation: the person's role in it. */
  readonly role?: RelationRole;
  /** The session's name (a subject's lookup token), which the access log names as the reader. */
  readonly account: string;
}

const chosenKey = 'credence.portal.subject';

export const roleKey: Readonly<Record<RelationRole, MessageKey>> = {
  legal_representative: 'portal.role.legal_representative',
  responsible_manager: 'portal.role.responsible_manager',
};

const conditionKeys: Readonly<Record<(typeof repairConditions)[number], MessageKey>> = {
  obligation_performed: 'portal.repair.condition.obligation_performed',
  minimum_period_served: 'portal.repair.condition.minimum_period_served',
  course_passed: 'portal.repair.condition.course_passed',
  commitment_signed: 'portal.repair.condition.commitment_signed',
};

/** A repair condition in words (a condition this app does not know yet shows as its code). */
export function conditionText(i18n: I18n, condition: string): string {
  const key = Object.entries(conditionKeys).find(([c]) => c === condition)?.[1];
  return key === undefined ? condition : i18n.t(key);
}

/** The scheme's title in the chosen language, or its id. */
export function schemeTitle(i18n: I18n, catalogs: Catalogs, scheme: string): string {
  return i18n.pick(catalogs.titleOf(scheme)) || scheme;
}

export function listTitle(i18n: I18n, catalogs: Catalogs, l: Pick<ListingView, 'scheme' | 'version' | 'list'>) {
  return i18n.pick(catalogs.list(l.scheme, l.version, l.list)?.title) || l.list;
}

/**
 * A request the subject sends (an objection, a repair application, an export): `run` sends it, once at a time
 * (busy meanwhile); `done` holds what the last one returned, `error` the API's refusal.
 */
export function useAction<T>() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [done, setDone] = useState<T | undefined>();
  const run = async (action: () => Promise<T>) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await action());
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}

function PortalNav() {
  const { t } = useI18n();
  return (
    <SubNav
      label={t('portal.nav')}
      links={[
        { href: '/me', text: t('portal.nav.standing') },
        { href: '/me/records', text: t('portal.nav.records') },
        { href: '/me/notices', text: t('portal.nav.notices') },
        { href: '/me/objections', text: t('portal.nav.objections') },
        { href: '/me/data', text: t('portal.nav.data') },
      ]}
    />
  );
}

let represents: { readonly person: string; readonly organisations: Promise<readonly Represented[]> } | undefined;

/**
 * The organisations the person represents now, read once per page load (every read of a subject's data is in its
 * access log, and the portal's pages would otherwise read this on every visit); a failed read is tried again.
 */
function representedBy(person: string): Promise<readonly Represented[]> {
  if (represents?.person !== person) {
    const organisations = get<{ organisations: Represented[] }>(subjectPath(person, 'represents')).then(
      (r) => r.organisations,
    );
    organisations.catch(() => {
      represents = undefined;
    });
    represents = { person, organisations };
  }
  return represents.organisations;
}

function SubjectChooser({
  session,
  person,
  children,
}: {
  readonly session: Session;
  readonly person: string;
  readonly children: (subject: PortalSubject) => ComponentChildren;
}) {
  const { t, date } = useI18n();
  const [represented] = useLoad(() => representedBy(person), [person]);
  const [chosen, setChosen] = useState(() => globalThis.sessionStorage?.getItem(chosenKey) ?? person);
  const choose = (key: string) => {
    globalThis.sessionStorage?.setItem(chosenKey, key);
    setChosen(key);
  };
  return (
    <Show loaded={represented}>
      {(organisations) => {
        // A choice left from another login, or a relation that has ended since, falls back to the person.
        const organisation = organisations.find((o) => o.organisation === chosen);
        const subject: PortalSubject = {
          key: organisation?.organisation ?? person,
          person,
          account: session.name,
          ...(organisation ? { role: organisation.role } : {}),
        };
        return (
          <>
            {organisations.length > 0 && (
              <div class="field portal-chooser">
                <label for="portal-subject">{t('portal.subject.label')}</label>
                <select id="portal-subject" value={subject.key} onChange={(e) => choose(e.currentTarget.value)}>
                  <option value={person}>{t('portal.subject.self', { id: person })}</option>
                  {organisations.map((o) => (
                    <option key={o.organisation} value={o.organisation}>
                      {t('portal.subject.organisation', {
                        id: o.organisation,
                        role: t(roleKey[o.role]),
                        since: date(o.since),
                      })}
                    </option>
                  ))}
                </select>
                <span class="hint">{t('portal.subject.hint')}</span>
              </div>
            )}
            {subject.role && (
              <p class="note">
                {t('portal.subject.representing', { id: subject.key, role: t(roleKey[subject.role]) })}
              </p>
            )}
            <div key={subject.key}>{children(subject)}</div>
          </>
        );
      }}
    </Show>
  );
}

/** A portal page: its title and intro, for a subject's session only, about the subject chosen. */
export function PortalPage({
  title,
  intro,
  children,
}: {
  readonly title: string;
  readonly intro: string;
  readonly children: (subject: PortalSubject) => ComponentChildren;
}) {
  const { t } = useI18n();
  return (
    <Page title={title} intro={<p>{intro}</p>}>
      <RequireRole roles={['subject']}>
        {(session) => (
          <div class="portal">
            <PortalNav />
            {session.subject === undefined ? (
              <p class="note note-error" role="alert">
                {t('portal.subject.missing')}
              </p>
            ) : (
              <SubjectChooser session={session} person={session.subject}>
                {children}
              </SubjectChooser>
            )}
          </div>
        )}
      </RequireRole>
    </Page>
  );
}
