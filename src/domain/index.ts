export * from './errors.js';
export * from './types.js';
export * from './transcript/clean-text.js';
export * from './transcript/normalize-turn-input.js';
export * from './transcript/sanitise-transcript.js';
export type * from './transcript/types.js';
