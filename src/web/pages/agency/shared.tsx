/**
 * What the agency console's pages share: the frame (title, role guard, section links, intro, the agency's remit
 * loaded), and a labelled form field.
 */
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { useLoad, Show, type Loaded } from '../../components/async.tsx';
import { RequireRole } from '../../components/guard.tsx';
import { Page, SubNav } from '../../components/page.tsx';
import { loadPublishedVersions } from '../../catalogs.ts';
import { useI18n } from '../../i18n.ts';
import type { Session } from '../../session.ts';
import { remitOf, type Remit } from './record-input.ts';
import './agency.css';

function AgencyNav() {
  const { t } = useI18n();
  return (
    <SubNav
      label={t('agency.nav')}
      links={[
        { href: '/agency', text: t('agency.nav.submit') },
        { href: '/agency/upload', text: t('agency.nav.upload') },
        { href: '/agency/records', text: t('agency.nav.records') },
      ]}
    />
  );
}

/** The agency's remit, from the published catalogs (narrowed to the session's scope, when it has one). */
function useRemit(session: Session): Loaded<Remit> {
  const [versions] = useLoad(loadPublishedVersions, []);
  const agency = session.name;
  const scope = session.scope;
  return useMemo(
    (): Loaded<Remit> =>
      versions.state === 'ready' ? { state: 'ready', data: remitOf(versions.data, agency, scope) } : versions,
    [versions, agency, scope],
  );
}

interface Content {
  /** The intro's paragraphs. */
  readonly intro: (session: Session) => readonly string[];
  /** With no code to report, the page says so instead of showing its content. */
  readonly needsRemit?: boolean;
  readonly children: (remit: Remit, session: Session) => ComponentChildren;
}

function AgencyArea({ session, intro, needsRemit = false, children }: Content & { readonly session: Session }) {
  const { t } = useI18n();
  const remit = useRemit(session);
  return (
    <>
      <AgencyNav />
      <div class="intro">
        {intro(session).map((text) => (
          <p key={text}>{text}</p>
        ))}
      </div>
      <Show loaded={remit}>
        {(data) =>
          needsRemit && data.rules.size === 0 ? (
            <p class="note note-warn">{t('agency.noRemit')}</p>
          ) : (
            children(data, session)
          )
        }
      </Show>
    </>
  );
}

/** An agency console page: title, the agency role, the section links, an intro, and the content once the remit is in. */
export function AgencyPage({ title, ...content }: Content & { readonly title: string }) {
  return (
    <Page title={title}>
      <RequireRole roles={['agency']}>{(session) => <AgencyArea session={session} {...content} />}</RequireRole>
    </Page>
  );
}

/** The ids a field's input names in aria-describedby: its hint and, when there is one, its problem. */
export function describedBy(id: string, hint: boolean, problem: boolean): string | undefined {
  const ids = [hint ? `${id}-hint` : '', problem ? `${id}-problem` : ''].filter((x) => x !== '');
  return ids.length === 0 ? undefined : ids.join(' ');
}

/** A form field: label, the control (which names `${id}-hint` and `${id}-problem`), hint and problem. */
export function Field({
  id,
  label,
  hint,
  problem,
  children,
}: {
  readonly id: string;
  readonly label: string;
  readonly hint?: string;
  readonly problem?: string;
  readonly children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint !== undefined && (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {problem !== undefined && (
        <span class="problem" id={`${id}-problem`} role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}
