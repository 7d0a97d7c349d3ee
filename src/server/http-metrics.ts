import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

const name = 'afterword_http_request_duration_seconds';

/**
 * Request latency by method, route pattern (never the raw URL: ids would explode the label
 * set) and status. Buckets reach down to 0.5 ms because the closure route answers in about that.
 * Reuses the histogram when a second server is built on the same registry (tests).
 */
export function registerHttpMetrics(server: FastifyInstance, registry: Registry): void {
  const existing = registry.getSingleMetric(name) as Histogram<'method' | 'route' | 'status'> | undefined;
  const histogram =
    existing ??
    new Histogram({
      name,
      help: 'HTTP request latency in seconds, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  server.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? '(unknown)' : (request.routeOptions.url ?? '(unknown)');
    // Server-sent event streams last minutes; their "latency" would drown the histogram.
    if (route === '/v1/events') return;
    histogram.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
