/**
 * /me/data: the subject's data rights. Download everything the register holds (the export, as a JSON file) and
 * read the access log: who read the data, when, and what for (a read of a page of it, a decision at a service
 * point, an export).
 */
import { useState } from 'preact/hooks';
import { findAction } from '../../../core/actions.ts';
import { get, saveFile } from '../../api.ts';
import { ErrorNote, Show, useLoad } from '../../components/async.tsx';
import { useI18n, type I18n } from '../../i18n.ts';
import type { MessageKey } from '../../messages/index.ts';
import { subjectPath, type AccessEntry } from './data.ts';
import { PortalPage, useAction, type PortalSubject } from './shared.tsx';

const exportFile = 'credence-export.json';

const kindKeys: Readonly<Record<string, MessageKey>> = {
  'data.read': 'portal.data.kind.data.read',
  'decision.made': 'portal.data.kind.decision.made',
  'data.exported': 'portal.data.kind.data.exported',
};

/** The parts of a subject's data the API's routes read, by the last part of the route pattern. */
const routeKeys: Readonly<Record<string, MessageKey>> = {
  standing: 'portal.data.route.standing',
  explanation: 'portal.data.route.explanation',
  history: 'portal.data.route.history',
  notices: 'portal.data.route.notices',
  'access-log': 'portal.data.route.access-log',
  objections: 'portal.data.route.objections',
  repairs: 'portal.data.route.repairs',
  represents: 'portal.data.route.represents',
  members: 'portal.data.route.list',
};

/** The access log's `what` in the chosen language, where it is one of the forms the service writes. */
function whatOf(i18n: I18n, entry: AccessEntry): string {
  const { t, pick } = i18n;
  if (entry.kind === 'data.exported') return t('portal.data.exportAll');
  const decision = /^decision on (\S+): (allow|deny)$/.exec(entry.what);
  if (entry.kind === 'decision.made' && decision) {
    const [, action = '', outcome] = decision;
    return t('portal.data.decisionOn', {
      action: pick(findAction(action)?.title) || action,
      outcome: t(outcome === 'allow' ? 'portal.data.outcome.allow' : 'portal.data.outcome.deny'),
    });
  }
  const read = /^read (\S+)$/.exec(entry.what);
  const key = read ? routeKeys[read[1]?.split('/').at(-1) ?? ''] : undefined;
  if (key !== undefined) return t('portal.data.readOf', { what: t(key) });
  return entry.what;
}

function kindOf(i18n: I18n, kind: string): string {
  const key = kindKeys[kind];
  return key === undefined ? kind : i18n.t(key);
}

/** Who read: staff by their name, this account as "you", another subject account (a representative) as such. */
function whoOf(i18n: I18n, subject: PortalSubject, actor: string): string {
  if (actor === subject.account) return i18n.t('portal.data.you');
  // A subject account is named by a lookup token (43 characters of base64url), never by a person's identifier.
  if (/^[A-Za-z0-9_-]{43}$/.test(actor)) return i18n.t('portal.data.otherSubject');
  return actor;
}

function Download({ subject, onDone }: { readonly subject: string; readonly onDone: () => void }) {
  const { t } = useI18n();
  const { busy, error, done, run } = useAction<true>();
  const download = async () => {
    const data = await get<unknown>(subjectPath(subject, 'export'));
    saveFile(exportFile, `${JSON.stringify(data, null, 2)}\n`, 'application/json');
    onDone();
    return true as const;
  };
  return (
    <>
      <p>{t('portal.data.exportHint')}</p>
      <button type="button" class="primary" onClick={() => void run(download)} disabled={busy}>
        {t('portal.data.exportButton')}
      </button>
      {error && <ErrorNote error={error} />}
      {done && (
        <p class="note note-ok" role="status">
          {t('portal.data.exported', { file: exportFile })}
        </p>
      )}
    </>
  );
}

function AccessLog({ subject, round }: { readonly subject: PortalSubject; readonly round: number }) {
  const i18n = useI18n();
  const { t, instant } = i18n;
  const [loaded, reload] = useLoad(
    () => get<{ accessLog: AccessEntry[] }>(subjectPath(subject.key, 'access-log')).then((r) => r.accessLog),
    [subject.key, round],
  );
  // The subject's own reads are many (each page it opens); they can be set aside to see everyone else's.
  const [othersOnly, setOthersOnly] = useState(false);
  return (
    <Show loaded={loaded} onRetry={reload}>
      {(all) => {
        const entries = othersOnly ? all.filter((e) => e.actor !== subject.account) : all;
        return (
          <>
            <div class="portal-check">
              <input
                type="checkbox"
                id="access-others"
                checked={othersOnly}
                onChange={(e) => setOthersOnly(e.currentTarget.checked)}
              />
              <label for="access-others">{t('portal.data.othersOnly')}</label>
            </div>
            {entries.length === 0 ? (
              <p>{t('portal.data.none')}</p>
            ) : (
              <div class="table-wrap">
                <table>
                  <caption class="muted">{t('portal.data.logHint')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('portal.data.when')}</th>
                      <th scope="col">{t('portal.data.who')}</th>
                      <th scope="col">{t('common.action')}</th>
                      <th scope="col">{t('portal.data.why')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {entries.map((e, i) => (
                      <tr key={`${e.at}:${i}`}>
                        <td>{instant(e.at)}</td>
                        <td>{whoOf(i18n, subject, e.actor)}</td>
                        <td>{kindOf(i18n, e.kind)}</td>
                        <td>{whatOf(i18n, e)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        );
      }}
    </Show>
  );
}

function Data({ subject }: { readonly subject: PortalSubject }) {
  const { t } = useI18n();
  // An export is a read too: the log is read again after one.
  const [round, setRound] = useState(0);
  return (
    <>
      <h2>{t('portal.data.export')}</h2>
      <Download subject={subject.key} onDone={() => setRound((r) => r + 1)} />
      <h2>{t('portal.data.log')}</h2>
      <AccessLog subject={subject} round={round} />
    </>
  );
}

export default function DataPage() {
  const { t } = useI18n();
  return (
    <PortalPage title={t('portal.data.title')} intro={t('portal.data.intro')}>
      {(subject) => <Data subject={subject} />}
    </PortalPage>
  );
}
