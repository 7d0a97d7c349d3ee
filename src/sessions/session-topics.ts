import { declareTopics } from '../telemetry/declare.js';

/** Session memory's topics (closure and reconciliation topics belong to the closure workflow). */
export const sessionTopics = declareTopics(['session.created', 'session.turnsAppended']);
