import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per running core, shared by every domain and transport. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'guardian_' });
  // Three of prom-client's defaults are gauges named *_total, a suffix Prometheus keeps for
  // counters. Each is the sum of the labelled gauge of the same name without it, so they go:
  // sum(guardian_nodejs_active_handles) is the same number.
  for (const kind of ['handles', 'requests', 'resources']) registry.removeSingleMetric(`guardian_nodejs_active_${kind}_total`);
  return {
    registry,
    apiCalls: new Counter({
      name: 'guardian_api_calls_total',
      help: 'Contract method calls through the router, by method and outcome (ok or error code).',
      labelNames: ['method', 'outcome'] as const,
      registers: [registry],
    }),
    apiCallDuration: new Histogram({
      name: 'guardian_api_call_duration_seconds',
      help: 'Time spent in the router per contract method.',
      labelNames: ['method'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'guardian_http_requests_total',
      help: 'HTTP requests, by contract method (or route) and status code.',
      labelNames: ['method', 'status'] as const,
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'guardian_http_request_duration_seconds',
      help: 'HTTP request duration, by contract method (or route) and status code.',
      labelNames: ['method', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    checks: new Counter({
      name: 'guardian_checks_total',
      help: 'Health check runs, by check type and status.',
      labelNames: ['type', 'status'] as const,
      registers: [registry],
    }),
    checkDuration: new Histogram({
      name: 'guardian_check_duration_seconds',
      help: 'How long a check run took (all its attempts), by check type.',
      labelNames: ['type'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    schedulerLag: new Histogram({
      name: 'guardian_scheduler_lag_seconds',
      help: 'How late checks started after they were due.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    checksLate: new Gauge({
      name: 'guardian_health_checks_late',
      help: 'Due checks that have not started 10 s after they were due (the concurrency caps hold them), as last measured.',
      registers: [registry],
    }),
    lateRuns: new Counter({
      name: 'guardian_health_late_runs_total',
      help: 'Check runs that started 10 s or more after they were due.',
      registers: [registry],
    }),
    resultsHeld: new Gauge({
      name: 'guardian_health_results_held',
      help: 'Check results held in memory because the database did not take them; written once it does.',
      registers: [registry],
    }),
    resultsDropped: new Counter({
      name: 'guardian_health_results_dropped_total',
      help: 'Check results never written: held past the bound while the database was away, or refused by it.',
      registers: [registry],
    }),
    tickWrite: new Histogram({
      name: 'guardian_health_tick_write_seconds',
      help: 'Time to write one scheduler tick of results (one transaction).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
    jobsRunning: new Gauge({
      name: 'guardian_jobs_running',
      help: 'Jobs running now.',
      registers: [registry],
    }),
    databaseInfo: new Gauge({
      name: 'guardian_database_info',
      help: 'The database engine Guardian runs on and its version (always 1).',
      labelNames: ['engine', 'version'] as const,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
