/**
 * What the desk's pages share: the frame (title, role guard, section links, intro; a session without actions
 * gets a note instead of the form), the action picker with the submit button, a decision's shape (GET
 * /v1/decisions and the batch: the core's, as JSON), its reasons explained with the published catalogs (the
 * list's and rule's titles, the scheme's objection window and authority), the action titles from the core, and
 * identifiers masked for the screen.
 */
import type { ComponentChildren } from 'preact';
import { findAction } from '../../../core/actions.ts';
import type { Decision as CoreDecision, DecisionReason as CoreReason } from '../../../core/decide.ts';
import { maskSubjectKey, parseSubjectId } from '../../../core/identifiers.ts';
import { findVersion, loadPublishedVersions, type PublishedVersion } from '../../catalogs.ts';
import { useLoad } from '../../components/async.tsx';
import { RequireRole } from '../../components/guard.tsx';
import { Page, SubNav } from '../../components/page.tsx';
import { useI18n } from '../../i18n.ts';
import type { Session } from '../../session.ts';
import './desk.css';

/** A reason as the API sends it: the core's, its end an ISO instant. */
export type DecisionReason = Omit<CoreReason, 'untilMs'> & { readonly until?: string };

/** A decision as GET /v1/decisions answers it: the core's, with its id, its instant ISO text. */
export type Decision = Pick<CoreDecision, 'subject' | 'action' | 'outcome'> & {
  readonly decisionId: string;
  readonly at: string;
  readonly reasons: readonly DecisionReason[];
};

function DeskNav() {
  const { t } = useI18n();
  return (
    <SubNav
      label={t('desk.nav')}
      links={[
        { href: '/desk', text: t('desk.nav.check') },
        { href: '/desk/batch', text: t('desk.nav.batch') },
      ]}
    />
  );
}

/** A desk page: title, the service-point role, the section links, an intro, and the form (if any action is in scope). */
export function DeskPage({
  title,
  intro,
  children,
}: {
  readonly title: string;
  readonly intro: string;
  readonly children: (session: Session) => ComponentChildren;
}) {
  const { t } = useI18n();
  return (
    <Page title={title}>
      <RequireRole roles={['service-point']}>
        {(session) => (
          <>
            <DeskNav />
            <div class="intro">
              <p>{intro}</p>
            </div>
            {session.scope.length === 0 ? <p class="note note-warn">{t('desk.noScope')}</p> : children(session)}
          </>
        )}
      </RequireRole>
    </Page>
  );
}

/** The published versions once loaded (none until then, or if they cannot be read: reasons then show codes). */
export function usePublishedVersions(): readonly PublishedVersion[] {
  const [versions] = useLoad(loadPublishedVersions, []);
  return versions.state === 'ready' ? versions.data : [];
}

/** An action's title in the chosen language (the code if the core does not know it). */
export function useActionTitle(): (code: string) => string {
  const { pick } = useI18n();
  return (code) => {
    const found = findAction(code);
    return found === undefined ? code : pick(found.title);
  };
}

/** The action to check (one of the session's scope) and the form's submit button, on one row. */
export function ActionRow({
  id,
  scope,
  action,
  onAction,
  busy,
  button,
}: {
  readonly id: string;
  readonly scope: readonly string[];
  readonly action: string;
  readonly onAction: (code: string) => void;
  readonly busy: boolean;
  readonly button: string;
}) {
  const { t } = useI18n();
  const actionTitle = useActionTitle();
  return (
    <div class="row">
      <div class="field">
        <label for={id}>{t('desk.field.action')}</label>
        <select id={id} value={action} onInput={(e) => onAction(e.currentTarget.value)}>
          {scope.map((code) => (
            <option key={code} value={code}>
              {actionTitle(code)}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? t('desk.checking') : button}
      </button>
    </div>
  );
}

/**
 * An identifier as the desk shows it: masked as a published list would (a person's middle digits hidden). Text
 * that is not an identifier is masked alike, keeping only its ends, so a mistyped number is still recognisable.
 */
export function maskForScreen(text: string): string {
  const parsed = parseSubjectId(text);
  if (parsed.ok) return maskSubjectKey(parsed.value);
  const raw = text.trim();
  if (raw.length < 10) return '*'.repeat(raw.length);
  return `${raw.slice(0, 6)}${'*'.repeat(raw.length - 10)}${raw.slice(-4)}`;
}

/** A reason in a sentence or two: for the batch table. */
export function ReasonLine({
  reason,
  versions,
}: {
  readonly reason: DecisionReason;
  readonly versions: readonly PublishedVersion[];
}) {
  const { t, pick, date } = useI18n();
  const catalog = findVersion(versions, reason.scheme, reason.version)?.catalog;
  const because = reason.because;
  const cause =
    'list' in because
      ? t('desk.reason.listing', {
          list: pick(catalog?.scheme.lists.find((l) => l.id === because.list)?.title) || because.list,
        })
      : t('desk.reason.grade', { grade: because.grade });
  return (
    <span>
      <strong>{pick(reason.title)}</strong> · {cause}
      {reason.until !== undefined && ` · ${t('common.until', { date: date(reason.until) })}`}
    </span>
  );
}

/** Every fact of one reason: measure, cause, rule and version, legal basis, until when, and how to object. */
export function ReasonCard({
  reason,
  decisionId,
  versions,
}: {
  readonly reason: DecisionReason;
  readonly decisionId: string;
  readonly versions: readonly PublishedVersion[];
}) {
  const { t, pick, instant } = useI18n();
  const catalog = findVersion(versions, reason.scheme, reason.version)?.catalog;
  const schemeTitle = pick(catalog?.scheme.title) || reason.scheme;
  const authority = pick(catalog?.scheme.authority);
  const because = reason.because;
  const listTitle =
    'list' in because ? pick(catalog?.scheme.lists.find((l) => l.id === because.list)?.title) || because.list : '';
  const rule = 'list' in because ? catalog?.rules.find((r) => r.code === because.code) : undefined;
  const days = catalog?.scheme.objectionWindowDays;
  const object =
    'list' in because && days !== undefined && authority !== ''
      ? t('desk.reason.objectRecord', { days, record: String(because.recordId), authority, decision: decisionId })
      : 'grade' in because && authority !== ''
        ? t('desk.reason.objectGrade', { authority, decision: decisionId })
        : t('desk.reason.objectPlain', { decision: decisionId });
  return (
    <li class={`reason reason-${reason.kind}`}>
      <h3>
        {pick(reason.title)}{' '}
        <span class={`badge ${reason.kind === 'sanction' ? 'badge-deny' : 'badge-allow'}`}>
          {t(reason.kind === 'sanction' ? 'desk.reason.sanction' : 'desk.reason.incentive')}
        </span>
      </h3>
      <dl class="facts">
        <dt>{t('desk.reason.because')}</dt>
        <dd>
          {'list' in because
            ? t('desk.reason.listing', { list: listTitle })
            : t('desk.reason.grade', { grade: because.grade })}
        </dd>
        <dt>{t('common.scheme')}</dt>
        <dd>{t('desk.reason.scheme', { scheme: schemeTitle, version: reason.version })}</dd>
        {'list' in because && (
          <>
            <dt>{t('common.rule')}</dt>
            <dd>
              {t('desk.reason.rule', {
                code: because.code,
                title: pick(rule?.title),
                version: because.ruleVersion,
                record: String(because.recordId),
              })}
            </dd>
          </>
        )}
        <dt>{t('common.legalBasis')}</dt>
        <dd>{reason.legalBasis}</dd>
        <dt>{t('desk.reason.until')}</dt>
        <dd>
          {reason.until === undefined
            ? t('desk.reason.noEnd')
            : 'list' in because && because.untilDelisted
              ? t('desk.reason.untilDelisted', { date: instant(reason.until) })
              : t('desk.reason.untilDate', { date: instant(reason.until) })}
        </dd>
        {reason.via !== undefined && (
          <>
            <dt>{t('desk.reason.via')}</dt>
            <dd>{t(`desk.reason.via.${reason.via.role}`, { organisation: reason.via.organisation })}</dd>
          </>
        )}
        <dt>{t('desk.reason.object')}</dt>
        <dd>{object}</dd>
      </dl>
    </li>
  );
}
