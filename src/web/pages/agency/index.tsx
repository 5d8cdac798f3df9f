/**
 * The agency console's first page: submit one record. The form checks every field as the clerk types (the
 * identifier's check character through the core's parseSubjectId, the code against the agency's remit, the time
 * not in the future), then POST /v1/records with a batch of one; the answer is shown as the register gave it:
 * accepted with the record id, a duplicate of the original, or rejected with its code and message beside the field.
 */
import { useRef, useState } from 'preact/hooks';
import { ApiError, post } from '../../api.ts';
import { asApiError } from '../../components/async.tsx';
import { useI18n } from '../../i18n.ts';
import type { Session } from '../../session.ts';
import {
  bodyOfForm,
  fieldOf,
  formProblems,
  localNow,
  suggestReference,
  type FormValues,
  type RecordField,
  type Remit,
  type SubmitResult,
} from './record-input.ts';
import { AgencyPage, describedBy, Field } from './shared.tsx';

type Outcome =
  | { readonly kind: 'stored'; readonly status: 'accepted' | 'duplicate'; readonly id: number; readonly ref: string }
  | { readonly kind: 'rejected'; readonly error: ApiError; readonly field: RecordField | undefined };

function emptyValues(agency: string, code = '', effectiveAt = ''): FormValues {
  return {
    subject: '',
    code,
    effectiveAt,
    evidence: '',
    amount: '',
    caseRef: '',
    agencyRef: suggestReference(agency, Date.now()),
  };
}

function RecordForm({ session, remit }: { readonly session: Session; readonly remit: Remit }) {
  const { t, pick } = useI18n();
  const [values, setValues] = useState<FormValues>(() => emptyValues(session.name));
  const [touched, setTouched] = useState<ReadonlySet<RecordField>>(new Set());
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const result = useRef<HTMLDivElement>(null);
  const nowMs = Date.now();
  const problems = formProblems(values, remit, nowMs, t);
  const rules = [...remit.rules.values()];
  const amountNeeded = remit.rules.get(values.code)?.amountRequired === true;

  /** A field's problem is shown once it was left, once the form was tried, or (the identifier) once it is whole. */
  const shown = (field: RecordField): string | undefined => {
    if (outcome?.kind === 'rejected' && outcome.field === field) return outcome.error.message;
    const problem = problems[field];
    if (problem === undefined) return undefined;
    const whole = field === 'subject' && values.subject.trim().length >= 18;
    return tried || touched.has(field) || whole ? problem.message : undefined;
  };
  const set = (field: RecordField) => (event: { currentTarget: { value: string } }) => {
    const value = event.currentTarget.value;
    setValues((v) => ({ ...v, [field]: value }));
    if (outcome?.kind === 'rejected' && outcome.field === field) setOutcome(undefined);
  };
  const leave = (field: RecordField) => () => setTouched((s) => new Set([...s, field]));
  const control = (field: RecordField, hint: boolean) => {
    const problem = shown(field);
    return {
      id: field,
      name: field,
      'aria-invalid': problem === undefined ? undefined : ('true' as const),
      'aria-describedby': describedBy(field, hint, problem !== undefined),
      onInput: set(field),
      onBlur: leave(field),
    };
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setTried(true);
    const fresh = Object.keys(formProblems(values, remit, Date.now(), t)) as RecordField[];
    if (fresh.length > 0) {
      setOutcome(undefined);
      const first = fresh[0];
      if (first !== undefined) document.getElementById(first)?.focus();
      return;
    }
    setBusy(true);
    const body = bodyOfForm(values, remit);
    try {
      const answer = await post<SubmitResult>('/v1/records', { records: [body] });
      const [only] = answer.results;
      if (only?.status === 'rejected' && only.error)
        setOutcome({
          kind: 'rejected',
          error: new ApiError(422, only.error.code, only.error.message, only.error.field),
          field: fieldOf(only.error.field),
        });
      else if (only?.recordId !== undefined) {
        setOutcome({
          kind: 'stored',
          status: only.status === 'duplicate' ? 'duplicate' : 'accepted',
          id: only.recordId,
          ref: body.agencyRef,
        });
        // Ready for the next record of the same kind: same rule and time, a new reference.
        setValues(emptyValues(session.name, values.code, values.effectiveAt));
        setTouched(new Set());
        setTried(false);
      }
    } catch (error) {
      const failure = asApiError(error);
      setOutcome({ kind: 'rejected', error: failure, field: fieldOf(failure.field) });
    } finally {
      setBusy(false);
      result.current?.focus();
    }
  };

  const blocked = tried && Object.keys(problems).length > 0;
  return (
    <form class="form record-form" onSubmit={submit} noValidate>
      <Field
        id="subject"
        label={t('agency.field.subject')}
        hint={t('agency.field.subject.hint')}
        problem={shown('subject')}
      >
        <input
          {...control('subject', true)}
          value={values.subject}
          autoComplete="off"
          spellcheck={false}
          required
          class="mono-input"
        />
      </Field>
      <Field id="code" label={t('agency.field.code')} hint={t('agency.field.code.hint')} problem={shown('code')}>
        <select {...control('code', true)} value={values.code} required>
          <option value="">{t('agency.field.code.choose')}</option>
          {rules.map((r) => (
            <option key={r.code} value={r.code}>
              {r.code} · {pick(r.title)}
            </option>
          ))}
        </select>
      </Field>
      <Field
        id="effectiveAt"
        label={t('agency.field.effectiveAt')}
        hint={t('agency.field.effectiveAt.hint')}
        problem={shown('effectiveAt')}
      >
        <input
          {...control('effectiveAt', true)}
          type="datetime-local"
          value={values.effectiveAt}
          max={localNow(nowMs)}
          required
        />
      </Field>
      <Field
        id="evidence"
        label={t('agency.field.evidence')}
        hint={t('agency.field.evidence.hint')}
        problem={shown('evidence')}
      >
        <input {...control('evidence', true)} value={values.evidence} required autoComplete="off" />
      </Field>
      {amountNeeded && (
        <Field
          id="amount"
          label={t('agency.field.amount')}
          hint={t('agency.field.amount.hint')}
          problem={shown('amount')}
        >
          <input {...control('amount', true)} value={values.amount} inputMode="decimal" required autoComplete="off" />
        </Field>
      )}
      <Field
        id="caseRef"
        label={t('agency.field.caseRef')}
        hint={t('agency.field.caseRef.hint')}
        problem={shown('caseRef')}
      >
        <input {...control('caseRef', true)} value={values.caseRef} autoComplete="off" />
      </Field>
      <Field
        id="agencyRef"
        label={t('agency.field.agencyRef')}
        hint={t('agency.field.agencyRef.hint')}
        problem={shown('agencyRef')}
      >
        <input
          {...control('agencyRef', true)}
          value={values.agencyRef}
          required
          autoComplete="off"
          class="mono-input"
        />
      </Field>
      {blocked && <p class="note note-error">{t('agency.submit.fix')}</p>}
      <div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('agency.submit.sending') : t('agency.submit.button')}
        </button>
      </div>
      <div ref={result} tabIndex={-1} class="submit-result">
        {outcome?.kind === 'stored' && (
          <p class="note note-ok" role="status">
            {t(outcome.status === 'accepted' ? 'agency.result.accepted' : 'agency.result.duplicate', {
              id: String(outcome.id),
              ref: outcome.ref,
            })}
          </p>
        )}
        {outcome?.kind === 'rejected' && (
          <div class="note note-error" role="alert">
            <p>{t('agency.result.rejected', { message: outcome.error.message })}</p>
            <p class="muted">
              {t('error.code', { code: outcome.error.code })}
              {outcome.error.field !== undefined &&
                ` · ${t('agency.result.field', { field: outcome.field ? t(`agency.field.${outcome.field}`) : outcome.error.field })}`}
            </p>
          </div>
        )}
      </div>
    </form>
  );
}

export default function AgencySubmitPage() {
  const { t } = useI18n();
  return (
    <AgencyPage
      title={t('agency.submit.title')}
      intro={(session) => [t('agency.submit.intro'), t('agency.reportingAs', { agency: session.name })]}
      needsRemit
    >
      {(remit, session) => <RecordForm session={session} remit={remit} />}
    </AgencyPage>
  );
}
