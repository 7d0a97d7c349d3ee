import type { EventBus } from './event-bus.js';
import type { Logger } from './logger.js';

const quiet = new Set(['offline.sessionClosure.step', 'session.turnsAppended', 'engine.job.started', 'engine.job.completed']);

/** Every committed event becomes one structured log line (chatty topics at debug level). */
export function logEvents(bus: EventBus, logger: Logger): () => void {
  return bus.subscribe({}, (event) => {
    const line = {
      topic: event.topic,
      eventId: event.id,
      sessionId: event.sessionId,
      jobId: event.jobId,
      payload: event.payload,
    };
    if (event.topic === 'admin.alert') logger.warn(line, `alert ${String(event.payload.reason)}`);
    else if (quiet.has(event.topic)) logger.debug(line, event.topic);
    else logger.info(line, event.topic);
  });
}
