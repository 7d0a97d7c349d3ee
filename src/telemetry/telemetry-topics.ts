import { declareTopics } from './declare.js';
import { telemetryTopicNames } from './topics.js';

/** Telemetry's own topics: admin alerts (raised with their cause) and their acknowledgement. */
export const telemetryTopics = declareTopics(telemetryTopicNames);
