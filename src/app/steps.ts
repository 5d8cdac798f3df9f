/** A due-process step (an objection filed or decided, a repair applied for or decided): told and audited together. */
import type { NoticeFacts } from '../core/notices.ts';
import type { AuditEventInput, StoreTransaction } from '../store/ports.ts';
import { appendAudit } from './audit-chain.ts';
import type { AppContext } from './context.ts';

export async function tellAndAudit(
  context: AppContext,
  tx: StoreTransaction,
  nowMs: number,
  notice: NoticeFacts,
  event: Omit<AuditEventInput, 'atMs'>,
): Promise<void> {
  await tx.insertNotices([notice], nowMs);
  await appendAudit(tx, context.keys, [{ atMs: nowMs, ...event }]);
}
