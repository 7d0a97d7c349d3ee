import { declareAlerts } from '../telemetry/declare.js';

/**
 * The Temporal engine's alert: closures are committed but their workflows could not be started
 * (Temporal unreachable) for longer than `temporal.relay.alertAfterMs`. Nothing is lost: the
 * outbox keeps them and the relay goes on retrying; the reason is the spec's.
 */
export const temporalAlerts = declareAlerts({ 'offline.enqueue_failed': 'high' });
