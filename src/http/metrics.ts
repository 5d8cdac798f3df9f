/** Prometheus metrics (prom-client). Labels never carry a personal identifier: routes are patterns, not URLs. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly decisions: Counter<'action' | 'outcome'>;
  readonly records: Counter<'status'>;
}

export function createMetrics(gauges: {
  indexSubjects: () => number;
  decisionLogPending: () => number;
  decisionLogWritten: () => number;
  /** A replica's messages in the change stream not yet applied. */
  replicaLag?: () => number;
  /** The main server's changes published to the stream since start. */
  changesPublished?: () => number;
}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'credence_' });
  const requests = new Counter({
    name: 'credence_http_requests_total',
    help: 'HTTP requests by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'credence_http_request_seconds',
    help: 'HTTP request duration by route pattern',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'credence_decisions_total',
    help: 'Decisions by action and outcome',
    labelNames: ['action', 'outcome'] as const,
    registers: [registry],
  });
  const records = new Counter({
    name: 'credence_records_total',
    help: 'Submitted records by result',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'credence_index_subjects',
    help: 'Subjects held in the decision index',
    registers: [registry],
    collect() {
      this.set(gauges.indexSubjects());
    },
  });
  new Gauge({
    name: 'credence_decision_log_pending',
    help: 'Decisions waiting to be written to the audit log',
    registers: [registry],
    collect() {
      this.set(gauges.decisionLogPending());
    },
  });
  new Gauge({
    name: 'credence_decision_log_written',
    help: 'Decisions written to the audit log since start',
    registers: [registry],
    collect() {
      this.set(gauges.decisionLogWritten());
    },
  });
  const { replicaLag, changesPublished } = gauges;
  if (replicaLag !== undefined) {
    new Gauge({
      name: 'credence_replica_lag_messages',
      help: 'Change stream messages not yet applied to this replica',
      registers: [registry],
      collect() {
        this.set(replicaLag());
      },
    });
  }
  if (changesPublished !== undefined) {
    new Gauge({
      name: 'credence_changes_published',
      help: 'Changes published to the change stream since start',
      registers: [registry],
      collect() {
        this.set(changesPublished());
      },
    });
  }
  return { registry, requests, duration, decisions, records };
}
