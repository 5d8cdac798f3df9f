/**
 * The webhook adapter: POSTs each notice as JSON to a receiver's URL with the notice id as the idempotency key.
 * 2xx is delivered; a timeout, a network error, 408, 429 or 5xx is tried again later; any other 4xx is a
 * permanent refusal (the receiver says the request itself is wrong, so repeating it cannot help).
 */
import type { DeliveryResult, NoticeChannel } from '../app/notice-delivery.ts';
import { isoFromMs } from '../core/time.ts';
import type { Notice } from '../store/ports.ts';

export interface WebhookOptions {
  readonly url: string;
  readonly timeoutMs: number;
}

export function webhookBody(n: Notice) {
  return {
    id: `notice-${n.id}`,
    subject: n.subject,
    kind: n.kind,
    adverse: n.adverse,
    createdAt: isoFromMs(n.createdAtMs),
    scheme: n.scheme,
    version: n.version,
    code: n.code,
    rule: n.rule,
    legalBasis: n.legalBasis,
    evidence: n.evidence,
    effectiveAt: isoFromMs(n.effectiveAtMs),
    ...(n.untilMs === undefined ? {} : { until: isoFromMs(n.untilMs) }),
    ...(n.objectionDeadlineMs === undefined ? {} : { objectionDeadline: isoFromMs(n.objectionDeadlineMs) }),
    measures: n.measures,
    text: n.text,
  };
}

export function webhookChannel(options: WebhookOptions): NoticeChannel {
  return {
    name: 'webhook',
    async deliver(notice: Notice): Promise<DeliveryResult> {
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `notice-${notice.id}` },
          body: JSON.stringify(webhookBody(notice)),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        await response.body?.cancel();
      } catch (error) {
        return { ok: false, permanent: false, error: `request failed: ${(error as Error).name}` };
      }
      if (response.ok) return { ok: true };
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      return { ok: false, permanent: !retryable, error: `receiver answered ${response.status}` };
    },
  };
}
