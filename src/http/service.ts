/**
 * What the routes work with: the app context, the decision index, tokens, the decision log, the audit tree, metrics
 * and a clock.
 */
import type { AuditTree } from '../app/audit-tree.ts';
import type { AppContext } from '../app/context.ts';
import type { DecisionLog } from '../app/decision-log.ts';
import type { TokenAuthority } from '../app/tokens.ts';
import type { DecisionIndex } from '../index/decision-index.ts';
import type { Replication } from '../index/replication.ts';
import type { Metrics } from './metrics.ts';

export interface Service {
  readonly context: AppContext;
  readonly index: DecisionIndex;
  readonly tokens: TokenAuthority;
  readonly decisionLog: DecisionLog;
  readonly auditTree: AuditTree;
  readonly metrics: Metrics;
  readonly clock: () => number;
  /** On a decision replica: how it follows the change stream (its lag, for /healthz). */
  readonly replication?: Replication;
}
