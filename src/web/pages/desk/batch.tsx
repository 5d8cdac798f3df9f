/**
 * A passenger list: identifiers pasted one a line or loaded from a CSV or text file, one action, and POST
 * /v1/decisions/batch (at most decisionsPerBatchMax a request; a longer list goes in parts). The results show
 * each line masked, the denied first, lines the register could not read with its message, the counts, and a CSV
 * download (masked identifiers and decision ids, for the booking record).
 */
import { useState } from 'preact/hooks';
import { parse } from 'csv-parse/browser/esm/sync';
import { decisionsPerBatchMax, subjectTextLengthMax } from '../../../core/constants.ts';
import { parseSubjectId } from '../../../core/identifiers.ts';
import { post, saveFile, type ApiError } from '../../api.ts';
import { asApiError, ErrorNote } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import type { Session } from '../../session.ts';
import {
  ActionRow,
  DeskPage,
  maskForScreen,
  ReasonLine,
  useActionTitle,
  usePublishedVersions,
  type DecisionReason,
} from './decision.tsx';

interface BatchAnswer {
  readonly action: string;
  readonly at: string;
  readonly batchId: string;
  readonly results: readonly (
    | {
        readonly subject: string;
        readonly decisionId: string;
        readonly outcome: 'allow' | 'deny';
        readonly reasons: readonly DecisionReason[];
      }
    | { readonly subject: string; readonly error: { readonly code: string; readonly message: string } }
  )[];
}

/** One line of the list and what became of it. */
type LineResult =
  | {
      readonly line: number;
      readonly masked: string;
      readonly outcome: 'allow' | 'deny';
      readonly decisionId: string;
      readonly reasons: readonly DecisionReason[];
    }
  | {
      readonly line: number;
      readonly masked: string;
      readonly outcome: 'error';
      readonly code: string;
      readonly message: string;
    };

interface Checked {
  readonly action: string;
  readonly at: string;
  readonly results: readonly LineResult[];
}

const order = { deny: 0, error: 1, allow: 2 } as const;

/** The identifiers of a CSV file: the column named subject or identifier, else the first; a header row skipped. */
function identifiersOfCsv(text: string): string[] {
  const rows = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true });
  const [first] = rows;
  if (first === undefined) return [];
  const named = first.findIndex((c) => /^(subject|identifier|id|证件号码)$/i.test(c.trim()));
  const column = named >= 0 ? named : 0;
  const header = named >= 0 || (!parseSubjectId(first[0] ?? '').ok && !/\d/.test(first[0] ?? ''));
  return (header ? rows.slice(1) : rows).map((r) => r[column] ?? '');
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function resultsCsv(checked: Checked): string {
  const header = ['line', 'identifier', 'outcome', 'decisionId', 'reasons', 'errorCode', 'errorMessage'];
  const rows = checked.results.map((r) =>
    [
      r.line,
      r.masked,
      r.outcome,
      r.outcome === 'error' ? '' : r.decisionId,
      r.outcome === 'error'
        ? ''
        : r.reasons
            .map((x) =>
              'list' in x.because ? `${x.measure} (${x.because.list})` : `${x.measure} (${x.because.grade})`,
            )
            .join('; '),
      r.outcome === 'error' ? r.code : '',
      r.outcome === 'error' ? r.message : '',
    ]
      .map(csvCell)
      .join(','),
  );
  return [header.join(','), ...rows].join('\r\n') + '\r\n';
}

function BatchForm({ session }: { readonly session: Session }) {
  const { t, instant, number } = useI18n();
  const actionTitle = useActionTitle();
  const [text, setText] = useState('');
  const [action, setAction] = useState(session.scope[0] ?? '');
  const [loadedNote, setLoadedNote] = useState<string | undefined>();
  const [fileError, setFileError] = useState<string | undefined>();
  const [empty, setEmpty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [checked, setChecked] = useState<Checked | undefined>();
  const versions = usePublishedVersions();

  const load = async (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    setLoadedNote(undefined);
    setFileError(undefined);
    if (file === undefined) return;
    try {
      const content = await file.text();
      const ids = file.name.toLowerCase().endsWith('.csv')
        ? identifiersOfCsv(content)
        : content.split(/\r?\n/).map((l) => l.trim());
      setText(ids.join('\n'));
      setLoadedNote(t('desk.batch.loaded', { lines: ids.length, name: file.name }));
    } catch (e) {
      setFileError(e instanceof Error ? e.message : String(e));
    }
  };

  const check = async (event: Event) => {
    event.preventDefault();
    const lines = text
      .split(/\r?\n/)
      .map((raw, i) => ({ line: i + 1, subject: raw.trim() }))
      .filter((l) => l.subject !== '');
    setEmpty(lines.length === 0);
    if (lines.length === 0) return;
    setBusy(true);
    setError(undefined);
    setChecked(undefined);
    const results: LineResult[] = [];
    // A line too long to be any identifier would refuse the whole request; it is this line's error instead.
    const sendable = lines.filter((l) => {
      if (l.subject.length <= subjectTextLengthMax) return true;
      results.push({
        line: l.line,
        masked: maskForScreen(l.subject),
        outcome: 'error',
        code: 'too_long',
        message: t('desk.batch.tooLong', { max: subjectTextLengthMax }),
      });
      return false;
    });
    let at = new Date().toISOString();
    try {
      for (let start = 0; start < sendable.length; start += decisionsPerBatchMax) {
        const part = sendable.slice(start, start + decisionsPerBatchMax);
        const answer = await post<BatchAnswer>('/v1/decisions/batch', {
          action,
          subjects: part.map((l) => l.subject),
        });
        at = answer.at;
        answer.results.forEach((r, i) => {
          const sent = part[i];
          if (sent === undefined) return;
          const masked = maskForScreen(sent.subject);
          if ('error' in r)
            results.push({ line: sent.line, masked, outcome: 'error', code: r.error.code, message: r.error.message });
          else
            results.push({
              line: sent.line,
              masked,
              outcome: r.outcome,
              decisionId: r.decisionId,
              reasons: r.reasons,
            });
        });
      }
      results.sort((a, b) => order[a.outcome] - order[b.outcome] || a.line - b.line);
      setChecked({ action, at, results });
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };

  const counts = checked && {
    lines: checked.results.length,
    deny: checked.results.filter((r) => r.outcome === 'deny').length,
    allow: checked.results.filter((r) => r.outcome === 'allow').length,
    errors: checked.results.filter((r) => r.outcome === 'error').length,
  };
  return (
    <>
      <form class="form" onSubmit={check} noValidate>
        <div class="field">
          <label for="batch-list">{t('desk.batch.list')}</label>
          <textarea
            id="batch-list"
            class="batch-list"
            value={text}
            spellcheck={false}
            autoComplete="off"
            aria-invalid={empty ? 'true' : undefined}
            aria-describedby={empty ? 'batch-list-problem' : undefined}
            onInput={(e) => {
              setText(e.currentTarget.value);
              setEmpty(false);
            }}
          />
          {empty && (
            <span class="problem" id="batch-list-problem" role="alert">
              {t('desk.batch.empty')}
            </span>
          )}
        </div>
        <div class="field">
          <label for="batch-file">{t('desk.batch.file')}</label>
          <input
            id="batch-file"
            type="file"
            accept=".csv,.txt,text/csv,text/plain"
            aria-describedby="batch-file-hint"
            onChange={(e) => void load(e)}
          />
          <span class="hint" id="batch-file-hint">
            {t('desk.batch.file.hint')}
          </span>
          {loadedNote !== undefined && <span role="status">{loadedNote}</span>}
          {fileError !== undefined && (
            <span class="problem" role="alert">
              {fileError}
            </span>
          )}
        </div>
        <ActionRow
          id="batch-action"
          scope={session.scope}
          action={action}
          onAction={setAction}
          busy={busy}
          button={t('desk.batch.button')}
        />
      </form>
      {error && <ErrorNote error={error} />}
      {checked && counts && (
        <section aria-labelledby="batch-results">
          <h2 id="batch-results">{t('desk.batch.results')}</h2>
          <p role="status" class="batch-counts">
            {t('desk.batch.counts', counts)}
          </p>
          <p class="muted">
            {t('desk.batch.checkedAt', { at: instant(checked.at), action: actionTitle(checked.action) })}{' '}
            {t('desk.batch.sorted')}
          </p>
          <div class="row">
            <button type="button" onClick={() => saveFile('passenger-check.csv', resultsCsv(checked), 'text/csv')}>
              {t('desk.batch.download')}
            </button>
          </div>
          <div class="table-wrap">
            <table class="batch-results">
              <thead>
                <tr>
                  <th scope="col" class="num">
                    {t('desk.batch.line')}
                  </th>
                  <th scope="col">{t('desk.batch.identifier')}</th>
                  <th scope="col">{t('desk.batch.verdict')}</th>
                  <th scope="col">{t('common.reasons')}</th>
                  <th scope="col">{t('desk.decisionId')}</th>
                </tr>
              </thead>
              <tbody>
                {checked.results.map((r) => (
                  <tr key={r.line} data-line={r.line} data-outcome={r.outcome}>
                    <td class="num">{number(r.line)}</td>
                    <td class="mono">{r.masked}</td>
                    <td>
                      <span
                        class={`badge ${r.outcome === 'deny' ? 'badge-deny' : r.outcome === 'allow' ? 'badge-allow' : 'badge-warn'}`}
                      >
                        {r.outcome === 'deny'
                          ? t('desk.verdict.deny')
                          : r.outcome === 'allow'
                            ? t('desk.verdict.allow')
                            : t('desk.batch.error')}
                      </span>
                    </td>
                    <td>
                      {r.outcome === 'error' ? (
                        <>
                          {r.message} <span class="muted">({r.code})</span>
                        </>
                      ) : r.reasons.length === 0 ? (
                        t('common.none')
                      ) : (
                        <ul class="plain">
                          {r.reasons.map((x) => (
                            <li key={`${x.scheme}-${x.measure}`}>
                              <ReasonLine reason={x} versions={versions} />
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td class="mono small">{r.outcome === 'error' ? '' : r.decisionId}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}

export default function DeskBatchPage() {
  const { t } = useI18n();
  return (
    <DeskPage title={t('desk.batch.title')} intro={t('desk.batch.intro', { max: decisionsPerBatchMax })}>
      {(session) => <BatchForm session={session} />}
    </DeskPage>
  );
}
