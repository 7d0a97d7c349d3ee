import type { ProposedChange } from './types.js';

/**
 * How a rule module detectChanges calls records a change: entity `id` changes by `c`, with its
 * cue at token `at`. detectChanges owns the recording (the cue positions, one change per field,
 * the guards every rule shares), so the rule modules take it as this callback.
 */
export type AddChange = (id: string, c: ProposedChange, at: number) => void;
