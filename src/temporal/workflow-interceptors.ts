/**
 * Workflow interceptors (bundled into the workflow code, `interceptors.workflowModules`) when
 * tracing is on: @temporalio/interceptors-opentelemetry's RunWorkflow span (child of the client's
 * StartWorkflow span, from the workflow's headers), StartActivity spans whose context goes to the
 * activity in its headers, and span export through the worker's sink. They only add headers and
 * sink calls, never commands, so recorded histories replay with or without them.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
