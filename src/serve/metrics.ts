import {collectDefaultMetrics, Counter, Histogram, Registry} from 'prom-client'

import type {Endpoint} from './access-log.js'

/** The endpoints whose answers are decisions, counted by outcome in accessctl_decisions_total. */
const DECISION_ENDPOINTS = new Set<Endpoint>(['authorize', 'check', 'verify'])

/** The process's own metrics (memory, CPU, event loop, GC), as Prometheus reads them, in `registry`. */
export function collectProcessMetrics(registry: Registry, labels?: Record<string, string>): void {
  collectDefaultMetrics({register: registry, prefix: 'accessctl_', labels})
  // prom-client's totals of active handles, requests and resources are gauges named `_total`, a suffix Prometheus
  // keeps for counters (`promtool check metrics` fails on them); the gauges by type stay, and sum() gives the totals.
  for (const total of ['handles', 'requests', 'resources']) registry.removeSingleMetric(`accessctl_nodejs_active_${total}_total`)
}

/** One worker of `serve --workers N`: its metrics are collected by the primary, and readiness is every worker's. */
export interface ClusterMembership {
  /** Where this worker's metrics are kept, for the primary to collect (prom-client's registries are per process). */
  registry: Registry
  /** Added to the default process metrics, so that each worker's (its memory, its event loop) stays its own. */
  processLabels: Record<string, string>
  /** The text of /metrics: every worker's metrics aggregated, decisions and durations summed. */
  metricsText: () => Promise<string>
  /** Whether every worker is listening; /readyz is a 503 until then. */
  everyWorkerReady: () => boolean
}

/** serve's Prometheus metrics: decisions by endpoint and outcome, request durations, and the process's own. */
export class ServeMetrics {
  readonly registry: Registry
  private readonly decisions
  private readonly duration

  /** In a worker of `serve --workers`, the registry is the one the primary collects, and /metrics is every worker's. */
  constructor(private readonly cluster?: ClusterMembership) {
    this.registry = cluster?.registry ?? new Registry()
    collectProcessMetrics(this.registry, cluster?.processLabels)
    this.decisions = new Counter({
      name: 'accessctl_decisions_total',
      help: 'Decisions answered, by endpoint (authorize, verify, check) and outcome.',
      labelNames: ['endpoint', 'outcome'] as const,
      registers: [this.registry],
    })
    this.duration = new Histogram({
      name: 'accessctl_http_request_duration_seconds',
      help: 'Time from a request arriving to its response being sent, by endpoint and status.',
      labelNames: ['endpoint', 'status'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    })
  }

  /** One answer: its duration, and for a decision endpoint its outcome. */
  answered(endpoint: Endpoint | undefined, outcome: string | undefined, status: number, seconds: number): void {
    this.duration.observe({endpoint: endpoint ?? 'none', status: String(status)}, seconds)
    if (endpoint && outcome && DECISION_ENDPOINTS.has(endpoint)) this.decisions.inc({endpoint, outcome})
  }

  /** The Prometheus text of every metric (of every worker, with --workers). */
  text(): Promise<string> {
    return this.cluster ? this.cluster.metricsText() : this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }

  close(): void {
    this.registry.clear()
  }
}
