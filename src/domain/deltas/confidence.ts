import type { ConfidenceTier } from './types.js';

/** Below this a delta always goes to a moderator (spec 6). */
export const LOW_CONFIDENCE_THRESHOLD = 0.6;

export function confidenceTier(c: number): ConfidenceTier {
  if (c >= 0.85) return 'high';
  if (c >= 0.65) return 'medium';
  return 'low';
}
