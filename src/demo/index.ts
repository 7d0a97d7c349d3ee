export * from './generate-synthetic-session.js';
export * from './prng.js';
