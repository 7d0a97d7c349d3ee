import { declareTopics } from '../telemetry/declare.js';

/** The canonical world's topics. */
export const canonTopics = declareTopics(['world.imported']);
