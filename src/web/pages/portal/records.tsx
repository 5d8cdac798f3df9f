/**
 * /me/records: every record about the subject with its explanation: the rule (code, title, the catalog version
 * that judged it, legal basis), the evidence reference, when it took effect, what it brought (points with their
 * escalation, a grade, a listing) and until when, whether it is disputed; and, where possible, the way to object
 * (until the deadline) or to apply for repair.
 */
import { get } from '../../api.ts';
import { Show, useLoad } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import { loadCatalogs, subjectPath, type Catalogs, type RecordView } from './data.ts';
import { listTitle, PortalPage, schemeTitle } from './shared.tsx';

function Effects({ record, catalogs }: { readonly record: RecordView; readonly catalogs: Catalogs }) {
  const i18n = useI18n();
  const { t, date, number } = i18n;
  const lines = [
    ...record.entries.map((e) => (
      <li key={`e:${e.scheme}`}>
        {schemeTitle(i18n, catalogs, e.scheme)}:{' '}
        <strong>{t('portal.records.points', { points: number(e.points) })}</strong>
        {e.multiplier !== 1 && (
          <> ({t('portal.records.escalation', { rule: number(e.pointsRule), multiplier: e.multiplier })})</>
        )}
        {e.capped && <> ({t('portal.records.capped')})</>}, {t('portal.records.countsUntil', { date: date(e.until) })}
        {e.resetBy !== undefined && <>, {t('portal.records.ended', { record: String(e.resetBy) })}</>}
      </li>
    )),
    ...record.grades.map((g) => (
      <li key={`g:${g.scheme}`}>
        {schemeTitle(i18n, catalogs, g.scheme)}: <strong>{t('portal.records.gradeEffect', { grade: g.grade })}</strong>,{' '}
        {t('portal.records.countsUntil', { date: date(g.until) })}
        {g.endedBy !== undefined && <>, {t('portal.records.ended', { record: String(g.endedBy) })}</>}
      </li>
    )),
    ...record.listings.map((l) => (
      <li key={`l:${l.list}`}>
        <strong>{t('portal.records.listingEffect', { list: listTitle(i18n, catalogs, l) })}</strong>,{' '}
        {l.untilDelisted
          ? t('portal.records.untilDelisted', { date: date(l.end) })
          : t('portal.records.listedUntil', { date: date(l.end) })}
        {l.endedBy !== undefined && <>, {t('portal.records.ended', { record: String(l.endedBy) })}</>}
      </li>
    )),
  ];
  return lines.length === 0 ? <>{t('portal.records.noEffect')}</> : <ul class="portal-lines">{lines}</ul>;
}

function RecordCard({ record, catalogs }: { readonly record: RecordView; readonly catalogs: Catalogs }) {
  const i18n = useI18n();
  const { t, date, instant, pick } = i18n;
  const title = pick(record.rules[0]?.title) || record.code;
  const own = record.retracts === undefined && record.ends === undefined;
  return (
    <article class="portal-record" aria-labelledby={`record-${record.id}`}>
      <h2 id={`record-${record.id}`}>
        {title} <span class="muted">· {t('portal.records.record', { id: String(record.id) })}</span>
        {record.disputed && <span class="badge badge-warn">{t('portal.records.disputed')}</span>}
      </h2>
      <dl class="facts">
        <dt>{t('portal.records.code')}</dt>
        <dd>
          <code>{record.code}</code>
        </dd>
        <dt>{t('portal.records.agency')}</dt>
        <dd>
          <code>{record.agency}</code>
        </dd>
        <dt>{t('common.evidence')}</dt>
        <dd>{record.evidence}</dd>
        <dt>{t('portal.records.effective')}</dt>
        <dd>{date(record.effectiveAt)}</dd>
        <dt>{t('portal.records.recorded')}</dt>
        <dd>{instant(record.recordedAt)}</dd>
        {record.rules.length > 0 && (
          <>
            <dt>{t('portal.records.judged')}</dt>
            <dd>
              <ul class="portal-lines">
                {record.rules.map((r) => (
                  <li key={r.scheme}>
                    {t('portal.records.catalogVersion', {
                      scheme: schemeTitle(i18n, catalogs, r.scheme),
                      version: r.version,
                    })}
                    : {pick(r.title)}
                    <br />
                    <span class="muted">
                      {t('common.legalBasis')}: {r.legalBasis}
                    </span>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        {own && (
          <>
            <dt>{t('portal.records.effects')}</dt>
            <dd>
              <Effects record={record} catalogs={catalogs} />
            </dd>
          </>
        )}
        <dt>{t('portal.records.disputed')}</dt>
        <dd>{record.disputed ? t('portal.records.disputedYes') : t('common.no')}</dd>
      </dl>
      {record.retractedBy !== undefined && (
        <p class="note">{t('portal.records.retracted', { record: String(record.retractedBy) })}</p>
      )}
      {record.retracts !== undefined && (
        <p class="note">{t('portal.records.retraction', { record: String(record.retracts) })}</p>
      )}
      {record.ends !== undefined && (
        <p class="note">{t('portal.records.repairRecord', { record: String(record.ends) })}</p>
      )}
      {own && record.objectionDeadline !== undefined && (
        <p>
          {record.objectable
            ? t('portal.records.objectUntil', { date: instant(record.objectionDeadline) })
            : !record.disputed && t('portal.records.objectClosed', { date: instant(record.objectionDeadline) })}
        </p>
      )}
      {record.repairs.map((r) => (
        <p key={`${r.scheme}:${r.list ?? r.grade ?? ''}`}>
          {t('portal.records.repairFrom', { date: date(r.applicableFrom) })}
        </p>
      ))}
      {(record.objectable || record.repairs.length > 0) && (
        <p class="row">
          {record.objectable && (
            <a class="button primary" href={`/me/objections?record=${record.id}#object`}>
              {t('portal.records.object')}
            </a>
          )}
          {record.repairs.length > 0 && (
            <a class="button" href={`/me/objections?repair=${record.id}#repair`}>
              {t('portal.records.repair')}
            </a>
          )}
        </p>
      )}
    </article>
  );
}

function Records({ subject }: { readonly subject: string }) {
  const { t } = useI18n();
  const [loaded, reload] = useLoad(
    () => Promise.all([get<{ records: RecordView[] }>(subjectPath(subject, 'explanation')), loadCatalogs()]),
    [subject],
  );
  return (
    <Show loaded={loaded} onRetry={reload}>
      {([{ records }, catalogs]) =>
        records.length === 0 ? (
          <p>{t('portal.records.none')}</p>
        ) : (
          // Newest first: the record that matters now is the one most likely still open to objection.
          [...records].reverse().map((r) => <RecordCard key={r.id} record={r} catalogs={catalogs} />)
        )
      }
    </Show>
  );
}

export default function RecordsPage() {
  const { t } = useI18n();
  return (
    <PortalPage title={t('portal.records.title')} intro={t('portal.records.intro')}>
      {(subject) => <Records subject={subject.key} />}
    </PortalPage>
  );
}
