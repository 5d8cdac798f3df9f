/**
 * The service-point desk: one identifier, typed or scanned (a scanner types and sends Enter, which submits), one
 * action from the session's scope, and GET /v1/decisions. The answer is a verdict in words (not colour alone)
 * with every reason, and the decision id to hand to the person. The input is then cleared and focused for the next
 * person; an identifier the register refuses stays, selected, beside the register's message.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, withQuery, type ApiError } from '../../api.ts';
import type { PublishedVersion } from '../../catalogs.ts';
import { asApiError } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import type { Session } from '../../session.ts';
import {
  ActionRow,
  DeskPage,
  maskForScreen,
  ReasonCard,
  useActionTitle,
  usePublishedVersions,
  type Decision,
} from './decision.tsx';

function CopyButton({ text, target }: { readonly text: string; readonly target: () => HTMLElement | null }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => setState('idle'), [text]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      // No clipboard (permission, an old browser): select the id so that Ctrl+C copies it.
      const element = target();
      if (element !== null) globalThis.getSelection()?.selectAllChildren(element);
      setState('failed');
    }
  };
  return (
    <>
      <button type="button" onClick={() => void copy()}>
        {t('desk.copy')}
      </button>
      <span class="muted" role="status">
        {state === 'copied' ? t('desk.copied') : state === 'failed' ? t('desk.copyFailed') : ''}
      </span>
    </>
  );
}

function Verdict({
  decision,
  versions,
}: {
  readonly decision: Decision;
  readonly versions: readonly PublishedVersion[];
}) {
  const { t, instant } = useI18n();
  const actionTitle = useActionTitle();
  const idElement = useRef<HTMLParagraphElement>(null);
  const deny = decision.outcome === 'deny';
  return (
    <section class="decision" aria-labelledby="verdict">
      <div class={`verdict ${deny ? 'verdict-deny' : 'verdict-allow'}`} role="status">
        <p id="verdict" class="verdict-word">
          <span aria-hidden="true">{deny ? '✕ ' : '✓ '}</span>
          {t(deny ? 'desk.verdict.deny' : 'desk.verdict.allow')}
        </p>
        <p class="verdict-text">
          {t(deny ? 'desk.verdict.denyText' : 'desk.verdict.allowText', { action: actionTitle(decision.action) })}
        </p>
      </div>
      <p class="muted">{t('desk.checked', { subject: maskForScreen(decision.subject), at: instant(decision.at) })}</p>
      <div class="decision-id-box">
        <h2>{t('desk.decisionId')}</h2>
        <p class="decision-id mono" ref={idElement} data-decision-id="">
          {decision.decisionId}
        </p>
        <p class="muted">{t('desk.decisionId.hint')}</p>
        <div class="row">
          <CopyButton text={decision.decisionId} target={() => idElement.current} />
        </div>
      </div>
      <h2>{t('desk.reasons')}</h2>
      {decision.reasons.length === 0 ? (
        <p>{t('desk.noReasons')}</p>
      ) : (
        <ul class="reasons">
          {decision.reasons.map((r) => (
            <ReasonCard
              key={`${r.scheme}-${r.measure}`}
              reason={r}
              decisionId={decision.decisionId}
              versions={versions}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function CheckForm({ session }: { readonly session: Session }) {
  const { t } = useI18n();
  const [subject, setSubject] = useState('');
  const [action, setAction] = useState(session.scope[0] ?? '');
  const [busy, setBusy] = useState(false);
  const [decision, setDecision] = useState<Decision | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const versions = usePublishedVersions();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // After the page has put focus on its heading (a navigation), the scanner's field takes it.
    const timer = setTimeout(() => input.current?.focus(), 0);
    return () => clearTimeout(timer);
  }, []);

  const check = async (event: Event) => {
    event.preventDefault();
    const text = subject.trim();
    if (text === '' || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await get<Decision>(withQuery('/v1/decisions', { subject: text, action }));
      setDecision(answer);
      setSubject('');
    } catch (e) {
      setDecision(undefined);
      setError(asApiError(e));
    } finally {
      setBusy(false);
      // Ready for the next person (or, after a refusal, for the identifier again: a new scan replaces it).
      setTimeout(() => {
        input.current?.focus();
        input.current?.select();
      }, 0);
    }
  };

  const invalid = error?.field?.endsWith('subject') === true;
  return (
    <>
      <form class="form desk-form" onSubmit={check}>
        <div class="field">
          <label for="desk-subject">{t('desk.field.subject')}</label>
          <input
            id="desk-subject"
            ref={input}
            class="desk-subject"
            value={subject}
            autoComplete="off"
            autoCapitalize="characters"
            spellcheck={false}
            enterKeyHint="go"
            aria-invalid={invalid ? 'true' : undefined}
            aria-describedby={invalid ? 'desk-subject-hint desk-error' : 'desk-subject-hint'}
            onInput={(e) => setSubject(e.currentTarget.value)}
          />
          <span class="hint" id="desk-subject-hint">
            {t('desk.field.subject.hint')}
          </span>
        </div>
        <ActionRow
          id="desk-action"
          scope={session.scope}
          action={action}
          onAction={setAction}
          busy={busy}
          button={t('desk.check.button')}
        />
      </form>
      {error !== undefined && (
        <div class="note note-error" role="alert" id="desk-error">
          <p>
            <strong>
              {t('desk.notChecked', { message: error.code === 'network' ? t('error.network') : error.message })}
            </strong>
          </p>
          <p class="muted">{t('error.code', { code: error.code })}</p>
        </div>
      )}
      {decision !== undefined && <Verdict decision={decision} versions={versions} />}
    </>
  );
}

export default function DeskCheckPage() {
  const { t } = useI18n();
  return (
    <DeskPage title={t('desk.check.title')} intro={t('desk.check.intro')}>
      {(session) => <CheckForm session={session} />}
    </DeskPage>
  );
}
