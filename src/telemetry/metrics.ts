import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from './event-bus.js';

/** Jobs by status, as the engine counts them (declared here so telemetry needs no engine types). */
export interface JobCounts {
  queued: number;
  retrying: number;
  [status: string]: number;
}

const latencyBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];

/**
 * Prometheus metrics fed by the same committed events as the log and the SSE stream, so the
 * numbers agree with what operators see. Queue depth is read from the store at scrape time.
 */
export function createMetrics(bus: EventBus, countJobs: () => Promise<JobCounts>): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'afterword_process_' });
  const events = new Counter({
    name: 'afterword_events_total',
    help: 'Committed events by topic',
    labelNames: ['topic'],
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'afterword_job_duration_seconds',
    help: 'Start-to-completion time of completed jobs',
    labelNames: ['workflow'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const stepDuration = new Histogram({
    name: 'afterword_step_duration_seconds',
    help: 'Duration of closure workflow steps',
    labelNames: ['step'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const startLatency = new Histogram({
    name: 'afterword_closure_start_latency_seconds',
    help: 'Time from a closure job becoming due to a worker starting it',
    buckets: latencyBuckets,
    registers: [registry],
  });
  const retries = new Counter({
    name: 'afterword_job_retries_total',
    help: 'Failed attempts that will be retried',
    labelNames: ['workflow'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'afterword_job_failures_total',
    help: 'Jobs failed for good',
    labelNames: ['workflow'],
    registers: [registry],
  });
  const slaBreaches = new Counter({
    name: 'afterword_sla_breaches_total',
    help: 'Closure jobs found or finished past their SLA',
    registers: [registry],
  });
  const alerts = new Counter({
    name: 'afterword_alerts_total',
    help: 'Admin alerts raised',
    labelNames: ['reason', 'severity'],
    registers: [registry],
  });
  const webhookAttempts = new Counter({
    name: 'afterword_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (delivered, failed, timeout, network_error, address_refused, ...) and whether the delivery was dead-lettered',
    labelNames: ['outcome', 'dead'],
    registers: [registry],
  });
  const webhookLatency = new Histogram({
    name: 'afterword_webhook_delivery_seconds',
    help: 'Request-to-response time of successful webhook deliveries',
    buckets: latencyBuckets,
    registers: [registry],
  });
  new Gauge({
    name: 'afterword_jobs',
    help: 'Jobs by status (read from the store at scrape time)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await countJobs();
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'afterword_queue_depth',
    help: 'Jobs waiting to run (queued or retrying)',
    registers: [registry],
    async collect() {
      const counts = await countJobs();
      this.set(counts.queued + counts.retrying);
    },
  });

  bus.subscribe({}, (event) => {
    events.inc({ topic: event.topic });
    const p = event.payload;
    switch (event.topic) {
      case 'engine.job.completed':
        if (typeof p.durationMs === 'number') jobDuration.observe({ workflow: String(p.workflow) }, p.durationMs / 1000);
        break;
      case 'offline.sessionClosure.step':
        if (typeof p.durationMs === 'number') stepDuration.observe({ step: String(p.step) }, p.durationMs / 1000);
        break;
      case 'offline.sessionClosure.started':
        if (typeof p.queuedForMs === 'number') startLatency.observe(Math.max(0, p.queuedForMs) / 1000);
        break;
      case 'engine.job.retrying':
        retries.inc({ workflow: String(p.workflow) });
        break;
      case 'engine.job.failed':
        failures.inc({ workflow: String(p.workflow) });
        break;
      case 'telemetry.offline.workflow.latency':
        slaBreaches.inc();
        break;
      case 'webhook.delivery.succeeded':
        webhookAttempts.inc({ outcome: 'delivered', dead: 'false' });
        if (typeof p.latencyMs === 'number') webhookLatency.observe(p.latencyMs / 1000);
        break;
      case 'webhook.delivery.failed':
      case 'webhook.delivery.deadLettered':
        webhookAttempts.inc({ outcome: String(p.outcome), dead: String(event.topic === 'webhook.delivery.deadLettered') });
        break;
      case 'admin.alert':
        alerts.inc({ reason: String(p.reason), severity: String(p.severity) });
        break;
      default:
        break;
    }
  });
  return registry;
}
