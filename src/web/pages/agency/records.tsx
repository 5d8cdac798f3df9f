/**
 * The agency's own records (GET /v1/records, newest first, a page at a time) and their retraction. A record is
 * never edited: retracting one stores a new record that names it (POST /v1/records/:agencyRef/retraction, with
 * the retraction's own reference and a reason), after a confirmation step. Since retractions are newer than what
 * they retract, the pages read so far always hold the retraction of any record they show.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { agencyRefLengthMax, reasonLengthMax } from '../../../core/constants.ts';
import { get, post, withQuery, type ApiError } from '../../api.ts';
import { asApiError, ErrorNote, Loading } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import type { Remit, StoredRecord } from './record-input.ts';
import { AgencyPage, describedBy, Field } from './shared.tsx';

const pageSize = 25;

interface RecordPage {
  readonly records: readonly StoredRecord[];
  readonly next?: number;
}

interface RetractAnswer {
  readonly status: 'retracted' | 'duplicate';
  readonly recordId: number;
  readonly retracts: number;
}

/** Pages merged by id, newest first. */
function merge(a: readonly StoredRecord[], b: readonly StoredRecord[]): StoredRecord[] {
  const byId = new Map([...a, ...b].map((r) => [r.id, r]));
  return [...byId.values()].sort((x, y) => y.id - x.id);
}

function RetractForm({
  record,
  onDone,
  onCancel,
}: {
  readonly record: StoredRecord;
  readonly onDone: (answer: RetractAnswer) => void;
  readonly onCancel: () => void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [reference, setReference] = useState(() => `${record.agencyRef}-R`.slice(0, agencyRefLengthMax));
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [record.id]);
  const reasonProblem =
    reason.trim() === ''
      ? t('agency.check.required')
      : reason.length > reasonLengthMax
        ? t('agency.check.tooLong', { max: reasonLengthMax })
        : undefined;
  const referenceProblem =
    error?.field === 'agencyRef'
      ? error.message
      : reference.trim() === ''
        ? t('agency.check.required')
        : reference.length > agencyRefLengthMax
          ? t('agency.check.tooLong', { max: agencyRefLengthMax })
          : undefined;
  const submit = async (event: Event) => {
    event.preventDefault();
    setTried(true);
    if (reasonProblem !== undefined || referenceProblem !== undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await post<RetractAnswer>(`/v1/records/${encodeURIComponent(record.agencyRef)}/retraction`, {
        agencyRef: reference.trim(),
        reason: reason.trim(),
      });
      onDone(answer);
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  const showReason = tried ? reasonProblem : undefined;
  const showReference = tried || error?.field === 'agencyRef' ? referenceProblem : undefined;
  return (
    <section class="confirm" aria-labelledby="retract-heading">
      <h2 id="retract-heading" ref={heading} tabIndex={-1}>
        {t('agency.records.confirmTitle', { id: String(record.id), ref: record.agencyRef })}
      </h2>
      <p>{t('agency.records.confirmText', { id: String(record.id) })}</p>
      <form class="form" onSubmit={submit} noValidate>
        <Field
          id="retract-reason"
          label={t('agency.records.reason')}
          hint={t('agency.records.reason.hint')}
          problem={showReason}
        >
          <textarea
            id="retract-reason"
            value={reason}
            required
            aria-invalid={showReason === undefined ? undefined : 'true'}
            aria-describedby={describedBy('retract-reason', true, showReason !== undefined)}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </Field>
        <Field id="retract-ref" label={t('agency.records.retractRef')} problem={showReference}>
          <input
            id="retract-ref"
            value={reference}
            required
            autoComplete="off"
            class="mono-input"
            aria-invalid={showReference === undefined ? undefined : 'true'}
            aria-describedby={describedBy('retract-ref', false, showReference !== undefined)}
            onInput={(e) => {
              setReference(e.currentTarget.value);
              if (error?.field === 'agencyRef') setError(undefined);
            }}
          />
        </Field>
        {error && error.field !== 'agencyRef' && <ErrorNote error={error} />}
        <div class="row">
          <button type="submit" class="danger" disabled={busy}>
            {t('agency.records.confirm')}
          </button>
          <button type="button" onClick={onCancel} disabled={busy}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}

function RecordsTable({ remit }: { readonly remit: Remit }) {
  const { t, pick, instant, number } = useI18n();
  const [records, setRecords] = useState<readonly StoredRecord[]>([]);
  const [next, setNext] = useState<number | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | undefined>();
  const [retracting, setRetracting] = useState<StoredRecord | undefined>();
  const [done, setDone] = useState<{ id: number; by: number; already: boolean } | undefined>();
  const doneNote = useRef<HTMLParagraphElement>(null);

  const load = async (before?: number) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await get<RecordPage>(withQuery('/v1/records', { limit: pageSize, before }));
      setRecords((r) => merge(r, page.records));
      // A reload of the first page (after a retraction) keeps the paging already reached.
      if (before !== undefined || records.length === 0) setNext(page.next);
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load();
  }, []);
  useEffect(() => {
    if (done) doneNote.current?.focus();
  }, [done]);

  /** Which record retracted which: the retraction of any shown record is newer, so it is among those read. */
  const retractedBy = useMemo(() => {
    const by = new Map<number, number>();
    for (const r of records) if (r.retracts !== undefined) by.set(r.retracts, r.id);
    return by;
  }, [records]);

  const titleOf = (code: string) => {
    const rule = remit.rules.get(code);
    return rule === undefined ? '' : pick(rule.title);
  };

  return (
    <>
      {done && (
        <p class="note note-ok" role="status" tabIndex={-1} ref={doneNote}>
          {t(done.already ? 'agency.records.already' : 'agency.records.done', {
            id: String(done.id),
            by: String(done.by),
          })}
        </p>
      )}
      {retracting && (
        <RetractForm
          record={retracting}
          onCancel={() => setRetracting(undefined)}
          onDone={(answer) => {
            setRetracting(undefined);
            setDone({ id: answer.retracts, by: answer.recordId, already: answer.status === 'duplicate' });
            void load();
          }}
        />
      )}
      {records.length === 0 && loading && <Loading />}
      {records.length === 0 && !loading && error === undefined && <p>{t('common.none')}</p>}
      {records.length > 0 && (
        <div class="table-wrap">
          <table class="records">
            <thead>
              <tr>
                <th scope="col">{t('agency.records.record')}</th>
                <th scope="col">{t('common.subject')}</th>
                <th scope="col">{t('common.rule')}</th>
                <th scope="col">{t('agency.records.effectiveAt')}</th>
                <th scope="col">{t('common.evidence')}</th>
                <th scope="col">{t('common.status')}</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => {
                const by = retractedBy.get(r.id);
                return (
                  <tr key={r.id} data-record={r.id}>
                    <td>
                      #{r.id}
                      <br />
                      <span class="mono">{r.agencyRef}</span>
                    </td>
                    <td class="mono">{r.subject}</td>
                    <td class="wrap">
                      <code>{r.code}</code>
                      <br />
                      <span class="muted">{titleOf(r.code)}</span>
                      {r.amount !== undefined && (
                        <>
                          <br />
                          {t('agency.records.amount')}: {number(r.amount)}
                        </>
                      )}
                    </td>
                    <td class="wrap-narrow">
                      {instant(r.effectiveAt)}
                      <br />
                      <span class="muted">
                        {t('agency.records.recordedAt')}: {instant(r.recordedAt)}
                      </span>
                    </td>
                    <td class="wrap-narrow">
                      {r.evidence}
                      {r.caseRef !== undefined && (
                        <>
                          <br />
                          <span class="muted">{r.caseRef}</span>
                        </>
                      )}
                    </td>
                    <td class="wrap-narrow">
                      {r.retracts !== undefined ? (
                        <span class="badge badge-warn">
                          {t('agency.records.retraction', { id: String(r.retracts) })}
                        </span>
                      ) : by !== undefined ? (
                        <span class="badge badge-deny">{t('agency.records.retracted', { id: String(by) })}</span>
                      ) : (
                        <span class="badge">{t('agency.records.standing')}</span>
                      )}
                      {r.retracts === undefined && by === undefined && (
                        <button
                          type="button"
                          class="danger"
                          aria-label={t('agency.records.retractLabel', { id: String(r.id) })}
                          onClick={() => {
                            setDone(undefined);
                            setRetracting(r);
                          }}
                        >
                          {t('agency.records.retract')}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {error && <ErrorNote error={error} onRetry={() => void load(next)} />}
      {next !== undefined && records.length > 0 && (
        <button type="button" disabled={loading} onClick={() => void load(next)}>
          {loading ? t('app.loading') : t('common.more')}
        </button>
      )}
    </>
  );
}

export default function AgencyRecordsPage() {
  const { t } = useI18n();
  return (
    <AgencyPage title={t('agency.records.title')} intro={() => [t('agency.records.intro')]}>
      {(remit) => <RecordsTable remit={remit} />}
    </AgencyPage>
  );
}
