import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Reads a value at scrape time (queue depth, pending approvals…); errors leave the gauge unset. */
export type GaugeReader = () => Promise<Array<{ labels: Record<string, string>; value: number }>>;

/** A counter of `registry`. */
function counter(registry: Registry, name: string, help: string, labelNames: string[]) {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** The counters of what the bot did, and the CAS latency histogram. */
function eventCounters(registry: Registry) {
  return {
    renewals: counter(
      registry,
      'certbot_renewals_total',
      'Renewal requests that reached a final state, by outcome',
      ['outcome'],
    ),
    casCalls: counter(
      registry,
      'certbot_cas_calls_total',
      'CAS API calls by operation and error code (ok when none)',
      ['action', 'code'],
    ),
    casLatency: new Histogram({
      name: 'certbot_cas_call_duration_seconds',
      help: 'CAS API call latency by operation',
      labelNames: ['action'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    slackErrors: counter(
      registry,
      'certbot_slack_api_errors_total',
      'Slack Web API calls that failed, by method and error (ratelimited for HTTP 429)',
      ['method', 'error'],
    ),
    deployments: counter(
      registry,
      'certbot_deployments_total',
      'Deployments (and TLS re-checks) that ended, by outcome: verified, not_serving, unchecked, not_created, lost, rolled_back',
      ['outcome'],
    ),
    // A counter named as the operators asked for (no _total): endpoints seen by final TLS checks, by result.
    tlsEndpoints: counter(
      registry,
      'certbot_tls_endpoints',
      'Endpoints seen by the final TLS check of a deployment, by result (new, old, other, unreachable)',
      ['result'],
    ),
    alerts: counter(
      registry,
      'certbot_alerts_sent_total',
      'Expiry alerts posted, by kind (expiring, expired, scan_health)',
      ['kind'],
    ),
  };
}

/** Event-loop delay since the previous scrape (perf_hooks, 10 ms resolution): what delays acks under a burst. */
function eventLoopGauge(registry: Registry): void {
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  new Gauge({
    name: 'certbot_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape, by quantile (1 = the largest)',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      for (const q of [0.5, 0.9, 0.99])
        this.set({ quantile: String(q) }, loopDelay.percentile(q * 100) / 1e9);
      this.set({ quantile: '1' }, loopDelay.max / 1e9);
      loopDelay.reset();
    },
  });
}

/** Where the Redis-backed gauges read from, set by the role that has the queues. */
interface GaugeReaders {
  queues: GaugeReader;
  oldestAge: GaugeReader;
  pendingApprovals: GaugeReader;
}

/** The gauges read from Redis at scrape time (unset until `readFrom`); returns `readFrom`. */
function readerGauges(registry: Registry): (readers: GaugeReaders) => void {
  let readers: GaugeReaders | undefined;
  const gauge = (name: string, help: string, labelNames: string[], which: keyof GaugeReaders) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const reader = readers?.[which];
        if (!reader) return;
        this.reset();
        for (const { labels, value } of await reader().catch(() => [])) this.set(labels, value);
      },
    });
  gauge('certbot_queue_jobs', 'Jobs in each BullMQ queue by state', ['queue', 'state'], 'queues');
  gauge(
    'certbot_queue_oldest_waiting_job_age_seconds',
    'Age of the oldest job waiting to run, by queue',
    ['queue'],
    'oldestAge',
  );
  gauge('certbot_pending_approvals', 'Renewal requests waiting for a decision', [], 'pendingApprovals');
  return (set) => {
    readers = set;
  };
}

/**
 * The bot's Prometheus metrics (prom-client): renewals by outcome, CAS calls by operation and error code with a
 * latency histogram, Slack API errors, alerts sent, plus queue depth, age of the oldest waiting job and pending
 * approvals read from Redis at scrape time, and the process's own (RSS, event-loop lag…).
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'certbot_' });
  const { renewals, casCalls, casLatency, slackErrors, deployments, tlsEndpoints, alerts } =
    eventCounters(registry);
  eventLoopGauge(registry);
  const readFrom = readerGauges(registry);
  return {
    registry,
    casCall(event: { action: string; durationMs: number; errorCode: string | undefined }): void {
      casCalls.inc({ action: event.action, code: event.errorCode ?? 'ok' });
      casLatency.observe({ action: event.action }, event.durationMs / 1000);
    },
    slackError(method: string, error: string): void {
      slackErrors.inc({ method, error });
    },
    renewalFinished(outcome: string): void {
      renewals.inc({ outcome });
    },
    deploymentEnded(outcome: string): void {
      deployments.inc({ outcome });
    },
    tlsChecked(results: ReadonlyArray<{ outcome: string }>): void {
      for (const r of results) tlsEndpoints.inc({ result: r.outcome });
    },
    alertsSent(kind: 'expiring' | 'expired' | 'scan_health', count = 1): void {
      alerts.inc({ kind }, count);
    },
    /** Sets where the Redis-backed gauges read from (the role that has the queues). */
    readFrom,
    async render(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** The metrics. */
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A `fetch` for Slack's Web API clients that counts failed calls (`ok: false`, HTTP 429) without changing them:
 * the response is cloned, so the client reads it as usual.
 */
export function observedSlackFetch(
  metrics: Pick<Metrics, 'slackError'>,
  base: typeof fetch = globalThis.fetch,
): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = new URL(url).pathname.split('/').pop() ?? 'unknown';
    if (response.status === 429) {
      metrics.slackError(method, 'ratelimited');
    } else if ((response.headers.get('content-type') ?? '').includes('json')) {
      response
        .clone()
        .json()
        .then((body: { ok?: boolean; error?: string }) => {
          if (body.ok === false) metrics.slackError(method, body.error ?? 'unknown');
        })
        .catch(() => undefined);
    }
    return response;
  };
}
