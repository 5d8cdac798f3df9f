/**
 * /me/objections: file an objection to a record (pick it, give grounds), apply for repair where a policy allows it,
 * and follow both: status, review deadline, and the decision with its reasons. A refusal is shown as the API gives
 * it (its code and message) with a plain sentence for the codes a subject meets: the window closed (with the
 * deadline), an objection already open, too early for repair (with the date), a condition not affirmed.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { reasonLengthMax } from '../../../core/constants.ts';
import { get, post, type ApiError } from '../../api.ts';
import { Show, useLoad } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import type { MessageKey } from '../../messages/index.ts';
import {
  loadCatalogs,
  subjectPath,
  type Catalogs,
  type ObjectionView,
  type RecordView,
  type RepairView,
} from './data.ts';
import { conditionText, listTitle, PortalPage, schemeTitle, useAction, type PortalSubject } from './shared.tsx';

const objectionRefusals: Readonly<Record<string, MessageKey>> = {
  objection_window_closed: 'portal.objections.refused.objection_window_closed',
  objection_exists: 'portal.objections.refused.objection_exists',
  not_objectable: 'portal.objections.refused.not_objectable',
  record_not_found: 'portal.objections.refused.record_not_found',
  invalid_grounds: 'portal.objections.refused.invalid_grounds',
};

const repairRefusals: Readonly<Record<string, MessageKey>> = {
  repair_too_early: 'portal.repair.refused.repair_too_early',
  repair_conditions_unmet: 'portal.repair.refused.repair_conditions_unmet',
  repair_pending: 'portal.repair.refused.repair_pending',
  nothing_to_repair: 'portal.repair.refused.nothing_to_repair',
  no_repair_policy: 'portal.repair.refused.no_repair_policy',
};

/** A status in words, and its badge: open, decided for the subject, decided against. */
interface StatusShown {
  readonly key: MessageKey;
  readonly badge: 'badge-warn' | 'badge-allow' | 'badge-deny';
}

const objectionStatus: Readonly<Record<ObjectionView['status'], StatusShown>> = {
  open: { key: 'portal.objections.status.open', badge: 'badge-warn' },
  upheld: { key: 'portal.objections.status.upheld', badge: 'badge-deny' },
  overturned: { key: 'portal.objections.status.overturned', badge: 'badge-allow' },
};

const repairStatus: Readonly<Record<RepairView['status'], StatusShown>> = {
  open: { key: 'portal.repair.status.open', badge: 'badge-warn' },
  approved: { key: 'portal.repair.status.approved', badge: 'badge-allow' },
  refused: { key: 'portal.repair.status.refused', badge: 'badge-deny' },
};

/** The API's refusal: a plain sentence where the code is one a subject meets, then its own message and code. */
function Refusal({
  headline,
  error,
  sentence,
}: {
  readonly headline: string;
  readonly error: ApiError;
  readonly sentence?: string;
}) {
  const { t } = useI18n();
  return (
    <div class="note note-error" role="alert">
      <p>
        <strong>{headline}</strong> {sentence}
      </p>
      <p>{error.message}</p>
      <p class="muted">{t('error.code', { code: error.code })}</p>
    </div>
  );
}

/**
 * The frame an objection and a repair application share: the fields, the refusal (with the plain sentence
 * `sentence` gives for its code, if any), the confirmation `send` returns, and the submit button, disabled while
 * the request is out.
 */
function CaseForm({
  send,
  refused,
  sentence,
  submit,
  children,
}: {
  readonly send: () => Promise<string>;
  readonly refused: string;
  readonly sentence: (code: string) => string | undefined;
  readonly submit: string;
  readonly children: ComponentChildren;
}) {
  const { busy, error, done, run } = useAction<string>();
  const said = error && sentence(error.code);
  return (
    <form
      class="form"
      onSubmit={(event) => {
        event.preventDefault();
        void run(send);
      }}
    >
      {children}
      {error && <Refusal headline={refused} error={error} {...(said === undefined ? {} : { sentence: said })} />}
      {done && (
        <p class="note note-ok" role="status">
          {done}
        </p>
      )}
      <div>
        <button type="submit" class="primary" disabled={busy}>
          {submit}
        </button>
      </div>
    </form>
  );
}

/** A required text of at most reasonLengthMax characters, with its hint. */
function ReasonField({
  id,
  label,
  hint,
  value,
  onInput,
}: {
  readonly id: string;
  readonly label: string;
  readonly hint: string;
  readonly value: string;
  readonly onInput: (value: string) => void;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea
        id={id}
        required
        maxLength={reasonLengthMax}
        value={value}
        aria-describedby={`${id}-hint`}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      <span class="hint" id={`${id}-hint`}>
        {hint}
      </span>
    </div>
  );
}

const recordLabel = (pick: (l: RecordView['rules'][number]['title'] | undefined) => string, r: RecordView) =>
  `#${r.id} ${pick(r.rules[0]?.title) || r.code} (${r.code})`;

function ObjectionForm({
  subject,
  records,
  preselected,
  onFiled,
}: {
  readonly subject: PortalSubject;
  readonly records: readonly RecordView[];
  readonly preselected?: string;
  readonly onFiled: () => void;
}) {
  const { t, pick, instant } = useI18n();
  // Every record of the subject's own may be tried: the register says why one cannot be objected to.
  const candidates = records.filter(
    (r) => r.retracts === undefined && r.ends === undefined && r.retractedBy === undefined,
  );
  const [recordId, setRecordId] = useState(
    candidates.some((r) => String(r.id) === preselected) ? (preselected ?? '') : '',
  );
  const [grounds, setGrounds] = useState('');
  const chosen = candidates.find((r) => String(r.id) === recordId);
  if (candidates.length === 0) return <p>{t('portal.objections.noRecords')}</p>;
  const send = async () => {
    const filed = await post<ObjectionView>(subjectPath(subject.key, 'objections'), {
      recordId: Number(recordId),
      grounds,
      // For an organisation, the representative files in their own name.
      ...(subject.role === undefined ? {} : { filedBy: subject.person }),
    });
    setGrounds('');
    onFiled();
    return t('portal.objections.filed', { id: String(filed.id), date: instant(filed.reviewDueAt) });
  };
  const sentence = (code: string) => {
    const key = objectionRefusals[code];
    return key && t(key, { date: chosen?.objectionDeadline ? instant(chosen.objectionDeadline) : '' });
  };
  return (
    <CaseForm
      send={send}
      refused={t('portal.objections.refused')}
      sentence={sentence}
      submit={t('portal.objections.submit')}
    >
      <div class="field">
        <label for="objection-record">{t('portal.objections.record')}</label>
        <select
          id="objection-record"
          required
          value={recordId}
          aria-describedby="objection-record-hint"
          onChange={(e) => setRecordId(e.currentTarget.value)}
        >
          <option value="">{t('portal.objections.choose')}</option>
          {candidates.map((r) => {
            const label = recordLabel(pick, r);
            const deadline = r.objectionDeadline === undefined ? '' : instant(r.objectionDeadline);
            return (
              <option key={r.id} value={String(r.id)}>
                {r.disputed
                  ? t('portal.objections.optionOpen', { label })
                  : r.objectable
                    ? t('portal.objections.optionUntil', { label, date: deadline })
                    : t('portal.objections.optionClosed', { label, date: deadline })}
              </option>
            );
          })}
        </select>
        <span class="hint" id="objection-record-hint">
          {t('portal.objections.recordHint')}
        </span>
      </div>
      <ReasonField
        id="objection-grounds"
        label={t('portal.objections.grounds')}
        hint={t('portal.objections.groundsHint', { max: reasonLengthMax })}
        value={grounds}
        onInput={setGrounds}
      />
    </CaseForm>
  );
}

interface RepairTarget {
  readonly value: string;
  readonly record: RecordView;
  readonly option: RecordView['repairs'][number];
}

function RepairForm({
  subject,
  records,
  catalogs,
  preselected,
  onApplied,
}: {
  readonly subject: PortalSubject;
  readonly records: readonly RecordView[];
  readonly catalogs: Catalogs;
  readonly preselected?: string;
  readonly onApplied: () => void;
}) {
  const i18n = useI18n();
  const { t, date, instant } = i18n;
  const targets: RepairTarget[] = records.flatMap((record) =>
    record.repairs.map((option) => ({
      value: `${record.id}:${option.scheme}:${option.list ?? ''}`,
      record,
      option,
    })),
  );
  const [value, setValue] = useState(
    targets.find((x) => String(x.record.id) === preselected)?.value ?? targets[0]?.value ?? '',
  );
  const [conditions, setConditions] = useState<readonly string[]>([]);
  const [statement, setStatement] = useState('');
  const target = targets.find((x) => x.value === value);
  if (target === undefined) return <p>{t('portal.repair.none')}</p>;
  const send = async () => {
    const applied = await post<RepairView>(subjectPath(subject.key, 'repairs'), {
      recordId: target.record.id,
      ...(target.option.list === undefined ? {} : { list: target.option.list }),
      conditions,
      statement,
    });
    setStatement('');
    setConditions([]);
    onApplied();
    return t('portal.repair.applied', { id: String(applied.id), date: instant(applied.reviewDueAt) });
  };
  const sentence = (code: string) => {
    const key = repairRefusals[code];
    return key && t(key, { date: date(target.option.applicableFrom) });
  };
  const targetText = (x: RepairTarget) =>
    x.option.list === undefined
      ? t('portal.repair.target.grade', {
          record: String(x.record.id),
          grade: x.option.grade ?? '',
          scheme: schemeTitle(i18n, catalogs, x.option.scheme),
        })
      : t('portal.repair.target.list', {
          record: String(x.record.id),
          list: listTitle(i18n, catalogs, { scheme: x.option.scheme, version: x.option.version, list: x.option.list }),
        });
  return (
    <CaseForm send={send} refused={t('portal.repair.refused')} sentence={sentence} submit={t('portal.repair.submit')}>
      <div class="field">
        <label for="repair-target">{t('portal.repair.what')}</label>
        <select
          id="repair-target"
          value={value}
          aria-describedby="repair-policy"
          onChange={(e) => {
            setValue(e.currentTarget.value);
            setConditions([]);
          }}
        >
          {targets.map((x) => (
            <option key={x.value} value={x.value}>
              {targetText(x)}
            </option>
          ))}
        </select>
        <span class="hint" id="repair-policy">
          {t('portal.repair.policy', {
            date: date(target.option.applicableFrom),
            days: target.option.minimumDays,
            review: target.option.reviewWorkingDays,
          })}
        </span>
      </div>
      <fieldset class="portal-conditions">
        <legend>{t('portal.repair.conditions')}</legend>
        {target.option.conditions.map((c) => (
          <div key={c} class="portal-check">
            <input
              type="checkbox"
              id={`repair-condition-${c}`}
              checked={conditions.includes(c)}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                setConditions((now) => (on ? [...now, c] : now.filter((x) => x !== c)));
              }}
            />
            <label for={`repair-condition-${c}`}>{conditionText(i18n, c)}</label>
          </div>
        ))}
      </fieldset>
      <ReasonField
        id="repair-statement"
        label={t('portal.repair.statement')}
        hint={t('portal.repair.statementHint', { max: reasonLengthMax })}
        value={statement}
        onInput={setStatement}
      />
    </CaseForm>
  );
}

/** What the two tables show of an objection or a repair application. */
interface Case {
  readonly id: number;
  readonly recordId: number;
  readonly list?: string;
  readonly reviewDueAt: string;
  readonly overdue: boolean;
  readonly decidedAt?: string;
  readonly decisionReasons?: string;
}

/** The subject's objections or repair applications, newest first: record, when, status, deadline, decision, text. */
function CasesTable<C extends Case>({
  cases,
  records,
  none,
  atHead,
  at,
  status,
  textHead,
  text,
}: {
  readonly cases: readonly C[];
  readonly records: readonly RecordView[];
  readonly none: string;
  readonly atHead: string;
  readonly at: (c: C) => string;
  readonly status: (c: C) => StatusShown;
  readonly textHead: string;
  readonly text: (c: C) => string;
}) {
  const { t, pick, instant } = useI18n();
  if (cases.length === 0) return <p>{none}</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('portal.objections.record')}</th>
            <th scope="col">{atHead}</th>
            <th scope="col">{t('common.status')}</th>
            <th scope="col">{t('portal.objections.reviewDue')}</th>
            <th scope="col">{t('portal.objections.decision')}</th>
            <th scope="col">{textHead}</th>
          </tr>
        </thead>
        <tbody>
          {[...cases].reverse().map((c) => {
            const record = records.find((r) => r.id === c.recordId);
            const shown = status(c);
            return (
              <tr key={c.id}>
                <td>
                  {record ? recordLabel(pick, record) : `#${c.recordId}`}
                  {c.list !== undefined && (
                    <>
                      {' '}
                      <code>{c.list}</code>
                    </>
                  )}
                </td>
                <td>{instant(at(c))}</td>
                <td>
                  <span class={`badge ${shown.badge}`}>{t(shown.key)}</span>
                </td>
                <td>
                  {instant(c.reviewDueAt)} {c.overdue && <span class="badge badge-deny">{t('common.overdue')}</span>}
                </td>
                <td>
                  {c.decidedAt === undefined ? (
                    t('portal.objections.pending')
                  ) : (
                    <>
                      {instant(c.decidedAt)}
                      {c.decisionReasons !== undefined && (
                        <>
                          <br />
                          {t('common.reasons')}: {c.decisionReasons}
                        </>
                      )}
                    </>
                  )}
                </td>
                <td>{text(c)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Objections({ subject }: { readonly subject: PortalSubject }) {
  const { t } = useI18n();
  const { query } = useLocation();
  const [loaded, reload] = useLoad(
    () =>
      Promise.all([
        get<{ records: RecordView[] }>(subjectPath(subject.key, 'explanation')),
        get<{ objections: ObjectionView[] }>(subjectPath(subject.key, 'objections')),
        get<{ repairs: RepairView[] }>(subjectPath(subject.key, 'repairs')),
        loadCatalogs(),
      ]),
    [subject.key],
  );
  return (
    <Show loaded={loaded} onRetry={reload}>
      {([{ records }, { objections }, { repairs }, catalogs]) => (
        <>
          <h2 id="object">{t('portal.objections.file')}</h2>
          <ObjectionForm
            subject={subject}
            records={records}
            onFiled={reload}
            {...(query.record === undefined ? {} : { preselected: query.record })}
          />
          <h2>{t('portal.objections.mine')}</h2>
          <CasesTable
            cases={objections}
            records={records}
            none={t('portal.objections.none')}
            atHead={t('portal.objections.filedAt')}
            at={(o) => o.filedAt}
            status={(o) => objectionStatus[o.status]}
            textHead={t('portal.objections.grounds')}
            text={(o) => o.grounds}
          />
          <h2 id="repair">{t('portal.repair.apply')}</h2>
          <RepairForm
            subject={subject}
            records={records}
            catalogs={catalogs}
            onApplied={reload}
            {...(query.repair === undefined ? {} : { preselected: query.repair })}
          />
          <h2>{t('portal.repair.mine')}</h2>
          <CasesTable
            cases={repairs}
            records={records}
            none={t('portal.repair.noneFiled')}
            atHead={t('portal.repair.appliedAt')}
            at={(r) => r.appliedAt}
            status={(r) => repairStatus[r.status]}
            textHead={t('portal.repair.statement')}
            text={(r) => r.statement}
          />
        </>
      )}
    </Show>
  );
}

export default function ObjectionsPage() {
  const { t } = useI18n();
  return (
    <PortalPage title={t('portal.objections.title')} intro={t('portal.objections.intro')}>
      {(subject) => <Objections subject={subject} />}
    </PortalPage>
  );
}
