import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * OpenTelemetry traces, engine-agnostic. Code records spans through `inSpan` with the
 * `@opentelemetry/api` tracer, which does nothing until a tracer provider is registered:
 * `startTracing` registers one (the Node SDK, exporting over OTLP/HTTP) only when
 * `tracing.otlpEndpoint` (OTEL_EXPORTER_OTLP_ENDPOINT) is set, so tracing is off by default.
 *
 * A trace crosses the job queue as a W3C `traceparent` string kept in the job's payload (the
 * closure's `payload.traceparent`, read through `WorkflowDefinition.trace`): the close's span is
 * written there inside the closing transaction, and whichever engine runs the job parents its
 * spans on it (`contextOf`). The built-in engine opens a `job <workflow>` span per attempt and a
 * `step <name>` span per step (engine/worker.ts); another engine (Temporal, with
 * `@temporalio/interceptors-opentelemetry`) starts its workflow in `contextOf(parent)` and wraps
 * its activities' steps in `stepSpanName` spans the same way; `activeTracing` hands it the span
 * processors for the spans its workflow sandbox records.
 */

export const tracerName = 'afterword';

/** Span attribute names (one vocabulary for every engine). */
export const spanAttributes = {
  jobId: 'afterword.job.id',
  sessionId: 'afterword.session.id',
  workflow: 'afterword.workflow',
  step: 'afterword.step',
  attempt: 'afterword.job.attempt',
} as const;

export const jobSpanName = (workflow: string) => `job ${workflow}`;
export const stepSpanName = (step: string) => `step ${step}`;

export function tracer() {
  return trace.getTracer(tracerName);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The active span as a W3C `traceparent`, or undefined when there is none (tracing off). */
export function currentTraceparent(active: Context = context.active()): string | undefined {
  const span = trace.getSpanContext(active);
  if (!span || !trace.isSpanContextValid(span)) return undefined;
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * A context whose parent is the span `traceparent` names (a trace continued from a job's payload),
 * on top of `base`; `base` itself when there is none or it is malformed. The default base is the
 * root: a worker's spans must not inherit whatever async context happened to wake it.
 */
export function contextOf(traceparent: string | null | undefined, base: Context = ROOT_CONTEXT): Context {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!match) return base;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  return trace.setSpanContext(base, { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true });
}

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** The parent context (default: the active one). */
  parent?: Context;
  /** Whether a throw marks the span failed (default: every throw does). */
  isError?: (error: unknown) => boolean;
}

/** Run `fn` in a new span (active inside `fn`), ended when it settles; a throw marks it an error. */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { ...(options.attributes ? { attributes: options.attributes } : {}), kind: options.kind ?? SpanKind.INTERNAL },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    if (options.isError?.(error) ?? true) failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Mark the active span failed (an error that was caught and handled, such as a failed attempt). */
export function markActiveSpanFailed(error: unknown): void {
  const span = trace.getActiveSpan();
  if (span) failSpan(span, error);
}

export { SpanKind };

export interface TracingHandle {
  shutdown(): Promise<void>;
}

let started: {
  sdk: { shutdown(): Promise<void> };
  users: number;
  spanProcessors: SpanProcessor[];
  serviceName: string;
} | null = null;

/**
 * When tracing is on, what an engine needs to export spans recorded outside this process's
 * tracer (the Temporal worker's workflow-sandbox spans, through its sink): the span processors
 * the tracer provider uses and the service name for their resource. Null when tracing is off.
 */
export function activeTracing(): { spanProcessors: SpanProcessor[]; serviceName: string } | null {
  return started ? { spanProcessors: started.spanProcessors, serviceName: started.serviceName } : null;
}

/**
 * Register the Node SDK as this process's tracer provider (with the async-hooks context manager
 * and W3C propagation): spans go to `endpoint` over OTLP/HTTP (`<endpoint>/v1/traces`, as the
 * OTEL_EXPORTER_OTLP_ENDPOINT convention says), or to `spanProcessors` when given (tests use the
 * SDK's in-memory exporter). Process-wide: a second call shares the first SDK; the last
 * `shutdown` flushes and stops it.
 */
export async function startTracing(options: {
  endpoint?: string | undefined;
  serviceName?: string;
  spanProcessors?: SpanProcessor[];
}): Promise<TracingHandle> {
  if (!started) {
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    let spanProcessors = options.spanProcessors;
    if (!spanProcessors) {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
      const url = `${(options.endpoint ?? '').replace(/\/+$/, '')}/v1/traces`;
      spanProcessors = [new BatchSpanProcessor(new OTLPTraceExporter({ url }))];
    }
    const sdk = new NodeSDK({
      serviceName: options.serviceName ?? 'afterword',
      spanProcessors: spanProcessors as never,
      instrumentations: [],
    });
    sdk.start();
    started = { sdk, users: 0, spanProcessors, serviceName: options.serviceName ?? 'afterword' };
  }
  const current = started;
  current.users++;
  let done = false;
  return {
    async shutdown() {
      if (done) return;
      done = true;
      current.users--;
      if (current.users > 0 || started !== current) return;
      started = null;
      await current.sdk.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
