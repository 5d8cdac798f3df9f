/** /me/notices: what the register told the subject, newest first, in the chosen language, with objection deadlines. */
import { useState } from 'preact/hooks';
import { get, withQuery } from '../../api.ts';
import { asApiError, ErrorNote, Show, useLoad } from '../../components/async.tsx';
import type { ApiError } from '../../api.ts';
import { useI18n } from '../../i18n.ts';
import { subjectPath, type NoticeView } from './data.ts';
import { PortalPage } from './shared.tsx';

interface NoticePage {
  readonly notices: readonly NoticeView[];
  readonly next?: number;
}

const pageSize = 50;

function NoticeItem({ notice }: { readonly notice: NoticeView }) {
  const { t, pick, instant } = useI18n();
  return (
    <li class="portal-notice">
      <p class="muted">
        {t('portal.notices.sent', { at: instant(notice.createdAt) })} · <code>{notice.kind}</code>{' '}
        {notice.adverse && <span class="badge badge-deny">{t('portal.notices.adverse')}</span>}
      </p>
      <p>{pick(notice.text)}</p>
      <dl class="facts">
        <dt>{t('common.rule')}</dt>
        <dd>
          {pick(notice.rule)} (<code>{notice.code}</code>)
        </dd>
        <dt>{t('common.legalBasis')}</dt>
        <dd>{notice.legalBasis}</dd>
        {notice.measures.length > 0 && (
          <>
            <dt>{t('portal.notices.measures')}</dt>
            <dd>{notice.measures.map((m) => pick(m.title)).join(' · ')}</dd>
          </>
        )}
      </dl>
      {notice.objectionDeadline !== undefined && (
        <p>
          <strong>{t('portal.notices.objectBy', { date: instant(notice.objectionDeadline) })}</strong>
        </p>
      )}
    </li>
  );
}

function Notices({ subject }: { readonly subject: string }) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad(
    () => get<NoticePage>(withQuery(subjectPath(subject, 'notices'), { limit: pageSize })),
    [subject],
  );
  // Older pages, read on demand.
  const [older, setOlder] = useState<NoticePage[]>([]);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <Show loaded={loaded} onRetry={reload}>
      {(first) => {
        const notices = [first, ...older].flatMap((p) => p.notices);
        const next = (older.at(-1) ?? first).next;
        const more = async () => {
          setBusy(true);
          setError(undefined);
          try {
            const page = await get<NoticePage>(
              withQuery(subjectPath(subject, 'notices'), { limit: pageSize, before: next }),
            );
            setOlder((pages) => [...pages, page]);
          } catch (e) {
            setError(asApiError(e));
          } finally {
            setBusy(false);
          }
        };
        return notices.length === 0 ? (
          <p>{t('portal.notices.none')}</p>
        ) : (
          <>
            <ol class="portal-notices">
              {notices.map((n) => (
                <NoticeItem key={n.id} notice={n} />
              ))}
            </ol>
            {error && <ErrorNote error={error} />}
            {next !== undefined && (
              <button type="button" onClick={() => void more()} disabled={busy}>
                {t('common.more')}
              </button>
            )}
          </>
        );
      }}
    </Show>
  );
}

export default function NoticesPage() {
  const { t } = useI18n();
  return (
    <PortalPage title={t('portal.notices.title')} intro={t('portal.notices.intro')}>
      {(subject) => <Notices subject={subject.key} />}
    </PortalPage>
  );
}
