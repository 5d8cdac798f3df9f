/**
 * Bulk upload: a CSV or NDJSON file read in the browser, each line checked for what would refuse a whole batch,
 * the rest sent to POST /v1/records in batches, with a progress bar and the counts updated as each batch returns.
 * Every rejected line (unreadable, caught here, or refused by the register) is listed with its line number and
 * can be downloaded as a report.
 */
import { useRef, useState } from 'preact/hooks';
import { recordsPerBatchMax, recordsPerUploadBatchMax } from '../../../core/constants.ts';
import { post, saveFile, type ApiError } from '../../api.ts';
import { asApiError, ErrorNote } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import type { Session } from '../../session.ts';
import { bodyOfLine, type RecordBody, type Remit, type SubmitResult } from './record-input.ts';
import { AgencyPage } from './shared.tsx';
import {
  readUpload,
  rejectionsCsv,
  rejectionsNdjson,
  type FileLine,
  type Rejection,
  type UploadFormat,
} from './upload-file.ts';

const batchSize = Math.min(recordsPerBatchMax, recordsPerUploadBatchMax);

interface Chosen {
  readonly name: string;
  readonly format: UploadFormat;
  readonly lines: readonly FileLine[];
}

interface Progress {
  readonly total: number;
  readonly done: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
}

type Phase = 'idle' | 'sending' | 'done' | 'stopped';

interface Pending {
  readonly line: number;
  readonly body: RecordBody;
}

/** The index a batch error names (`records.3.subject`), when it names one. */
function indexOf(error: ApiError): number | undefined {
  const found = /^records\.(\d+)(\.|$)/.exec(error.field ?? '');
  return found?.[1] === undefined ? undefined : Number(found[1]);
}

const rejectionOf = (p: Pending, error: { code: string; message: string; field?: string | undefined }): Rejection => ({
  line: p.line,
  agencyRef: p.body.agencyRef,
  code: error.code,
  message: error.message,
  field: error.field?.replace(/^records\.\d+\./, '') ?? '',
});

/**
 * Sends one batch. The register answers per record; but it refuses a whole batch for a record it cannot take at
 * all (naming it, e.g. records.3.code), and a batch of one that is rejected answers with the error itself. Either
 * way that record becomes a rejection and the rest is sent again.
 */
async function sendBatch(
  batch: readonly Pending[],
): Promise<{ accepted: number; duplicates: number; rejections: Rejection[] }> {
  let rest = [...batch];
  const rejections: Rejection[] = [];
  while (rest.length > 0) {
    try {
      const answer = await post<SubmitResult>('/v1/records', { records: rest.map((p) => p.body) });
      for (const r of answer.results) {
        const sent = rest[r.index];
        if (r.status === 'rejected' && sent !== undefined)
          rejections.push(rejectionOf(sent, r.error ?? { code: 'rejected', message: '' }));
      }
      return { accepted: answer.accepted, duplicates: answer.duplicates, rejections };
    } catch (error) {
      const failure = asApiError(error);
      const named = indexOf(failure);
      const itemLevel = [400, 403, 409, 422].includes(failure.status);
      const culprit = itemLevel ? (named ?? (rest.length === 1 ? 0 : undefined)) : undefined;
      const item = culprit === undefined ? undefined : rest[culprit];
      if (item === undefined) throw failure;
      rejections.push(rejectionOf(item, failure));
      rest = rest.filter((_, i) => i !== culprit);
    }
  }
  return { accepted: 0, duplicates: 0, rejections };
}

function UploadArea({ session, remit }: { readonly session: Session; readonly remit: Remit }) {
  const { t, number } = useI18n();
  const [chosen, setChosen] = useState<Chosen | undefined>();
  const [readError, setReadError] = useState<string | undefined>();
  const [phase, setPhase] = useState<Phase>('idle');
  const [progress, setProgress] = useState<Progress | undefined>();
  const [rejections, setRejections] = useState<readonly Rejection[]>([]);
  const [failure, setFailure] = useState<ApiError | undefined>();
  const summary = useRef<HTMLDivElement>(null);

  const choose = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    setChosen(undefined);
    setReadError(undefined);
    setPhase('idle');
    setProgress(undefined);
    setRejections([]);
    setFailure(undefined);
    if (file === undefined) return;
    const read = readUpload(file.name, await file.text(), t);
    if (!read.ok) setReadError(t('agency.upload.unreadable', { message: read.message }));
    else if (read.lines.length === 0) setReadError(t('agency.upload.empty'));
    else setChosen({ name: file.name, format: read.format, lines: read.lines });
  };

  const send = async () => {
    if (chosen === undefined) return;
    setPhase('sending');
    setFailure(undefined);
    const rejected: Rejection[] = [];
    const pending: Pending[] = [];
    for (const line of chosen.lines) {
      if ('problem' in line) {
        rejected.push({
          line: line.line,
          agencyRef: '',
          code: line.problem.code,
          message: line.problem.message,
          field: '',
        });
        continue;
      }
      const checked = bodyOfLine(line.fields, remit, t);
      const ref = typeof line.fields.agencyRef === 'string' ? line.fields.agencyRef : '';
      if (checked.ok) pending.push({ line: line.line, body: checked.body });
      else
        rejected.push({
          line: line.line,
          agencyRef: ref,
          code: checked.problem.code,
          message: checked.problem.message,
          field: checked.problem.field ?? '',
        });
    }
    let counts: Progress = {
      total: chosen.lines.length,
      done: rejected.length,
      accepted: 0,
      duplicates: 0,
      rejected: rejected.length,
    };
    setProgress(counts);
    setRejections([...rejected]);
    try {
      for (let start = 0; start < pending.length; start += batchSize) {
        const batch = pending.slice(start, start + batchSize);
        const answer = await sendBatch(batch);
        rejected.push(...answer.rejections);
        counts = {
          ...counts,
          done: counts.done + batch.length,
          accepted: counts.accepted + answer.accepted,
          duplicates: counts.duplicates + answer.duplicates,
          rejected: counts.rejected + answer.rejections.length,
        };
        setProgress(counts);
        setRejections([...rejected].sort((a, b) => a.line - b.line));
      }
      setPhase('done');
    } catch (error) {
      setFailure(asApiError(error));
      setPhase('stopped');
    } finally {
      setRejections([...rejected].sort((a, b) => a.line - b.line));
      summary.current?.focus();
    }
  };

  const base = (chosen?.name ?? 'upload').replace(/\.[^.]*$/, '');
  const finished = phase === 'done' || phase === 'stopped';
  return (
    <>
      <div class="form">
        <div class="field">
          <label for="upload-file">{t('agency.upload.file')}</label>
          <input
            id="upload-file"
            type="file"
            accept=".csv,.ndjson,.jsonl,.json,.txt,text/csv,application/x-ndjson"
            aria-describedby="upload-file-hint"
            disabled={phase === 'sending'}
            onChange={(e) => void choose(e)}
          />
          <span class="hint" id="upload-file-hint">
            {t('agency.upload.file.hint')}
          </span>
        </div>
        {readError !== undefined && (
          <p class="note note-error" role="alert">
            {readError}
          </p>
        )}
        {chosen !== undefined && (
          <>
            <p>{t('agency.upload.read', { name: chosen.name, lines: chosen.lines.length, format: chosen.format })}</p>
            <div>
              <button type="button" class="primary" disabled={phase === 'sending'} onClick={() => void send()}>
                {t('agency.upload.send', { lines: chosen.lines.length })}
              </button>
            </div>
          </>
        )}
      </div>
      {progress !== undefined && (
        <section aria-labelledby="upload-progress-heading">
          <h2 id="upload-progress-heading">{t('agency.upload.progress')}</h2>
          <progress
            id="upload-progress"
            aria-labelledby="upload-progress-heading"
            max={progress.total}
            value={progress.done}
          >
            {t('agency.upload.progressText', { done: progress.done, total: progress.total })}
          </progress>
          <p class="muted">{t('agency.upload.progressText', { done: progress.done, total: progress.total })}</p>
          <dl class="facts counts" aria-live="polite" aria-label={t('agency.upload.counts')}>
            <dt>{t('agency.upload.lines')}</dt>
            <dd data-count="lines">{number(progress.total)}</dd>
            <dt>{t('agency.upload.accepted')}</dt>
            <dd data-count="accepted">{number(progress.accepted)}</dd>
            <dt>{t('agency.upload.duplicates')}</dt>
            <dd data-count="duplicates">{number(progress.duplicates)}</dd>
            <dt>{t('agency.upload.rejected')}</dt>
            <dd data-count="rejected">{number(progress.rejected)}</dd>
          </dl>
        </section>
      )}
      <div ref={summary} tabIndex={-1}>
        {phase === 'done' && progress !== undefined && (
          <p class={`note ${progress.rejected > 0 ? 'note-warn' : 'note-ok'}`} role="status">
            {t('agency.upload.done', {
              lines: progress.total,
              accepted: progress.accepted,
              duplicates: progress.duplicates,
              rejected: progress.rejected,
            })}
          </p>
        )}
        {phase === 'stopped' && progress !== undefined && (
          <>
            <p class="note note-error" role="alert">
              {t('agency.upload.stopped', { done: progress.done, total: progress.total })}
            </p>
            {failure && <ErrorNote error={failure} />}
          </>
        )}
      </div>
      {finished && (
        <section aria-labelledby="rejections-heading">
          <h2 id="rejections-heading">{t('agency.upload.rejections')}</h2>
          {rejections.length === 0 ? (
            <p>{t('agency.upload.noRejections')}</p>
          ) : (
            <>
              <div class="row">
                <button
                  type="button"
                  onClick={() => saveFile(`${base}-rejections.csv`, rejectionsCsv(rejections), 'text/csv')}
                >
                  {t('agency.upload.reportCsv')}
                </button>
                <button
                  type="button"
                  onClick={() =>
                    saveFile(`${base}-rejections.ndjson`, rejectionsNdjson(rejections), 'application/x-ndjson')
                  }
                >
                  {t('agency.upload.reportNdjson')}
                </button>
              </div>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col" class="num">
                        {t('agency.upload.line')}
                      </th>
                      <th scope="col">{t('agency.records.ref')}</th>
                      <th scope="col">{t('agency.upload.code')}</th>
                      <th scope="col">{t('agency.upload.message')}</th>
                      <th scope="col">{t('agency.upload.field')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rejections.map((r) => (
                      <tr key={`${r.line}-${r.code}`}>
                        <td class="num">{r.line}</td>
                        <td class="mono">{r.agencyRef}</td>
                        <td>
                          <code>{r.code}</code>
                        </td>
                        <td>{r.message}</td>
                        <td>{r.field}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </section>
      )}
      <p class="muted">{t('agency.reportingAs', { agency: session.name })}</p>
    </>
  );
}

export default function AgencyUploadPage() {
  const { t } = useI18n();
  return (
    <AgencyPage
      title={t('agency.upload.title')}
      intro={() => [t('agency.upload.intro', { batch: batchSize })]}
      needsRemit
    >
      {(remit, session) => <UploadArea session={session} remit={remit} />}
    </AgencyPage>
  );
}
