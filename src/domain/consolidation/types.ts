import type { SafetyEvent, SanitisedTranscript } from '../transcript/types.js';

export type TensionLevel = 'calm' | 'steady' | 'rising' | 'crisis';

export interface SceneSummary {
  sceneId: string;
  actId: string | null;
  index: number;
  title: string;
  summary: string;
  turnIds: string[];
  tension: { level: TensionLevel; mean: number | null; spikes: string[] };
  hooks: { open: string[]; unresolved: string[] };
  keyMoments: Array<{ turnId: string; text: string }>;
  highlights: string[];
}

export interface MomentumArc {
  start: number | null;
  end: number | null;
  trajectory: 'rising' | 'falling' | 'steady';
}

export interface ActSummary {
  actId: string;
  index: number;
  title: string;
  summary: string;
  sceneIds: string[];
  unresolvedHooks: string[];
  dominantThemes: string[];
  momentumArc: MomentumArc;
}

export interface PlayerHighlight {
  turnId: string;
  sceneId: string | null;
  achievements: string[];
  assetsEarned: string[];
  debtsIncurred: string[];
  reputationShifts: string[];
  quote: string | null;
  momentumChange: number | null;
}

/** Safety notes are the sanitised safety events, each with its own flags and severity. */
export type SafetyNote = SafetyEvent;

export interface StoryStatistics {
  turnCount: number;
  sceneCount: number;
  actCount: number;
  playerActions: number;
  gmActions: number;
  safetyFlags: number;
  outstandingHooks: number;
  momentumEvents: number;
}

export interface StorySummary {
  sessionId: string;
  version: number;
  sceneBreakdown: SceneSummary[];
  actSummary: ActSummary[];
  playerHighlights: PlayerHighlight[];
  safetyNotes: SafetyNote[];
  /** URLs of attachments referenced in turn metadata, first-seen order, de-duplicated. */
  attachmentsUrl: string[];
  generatedAt: number;
  statistics: StoryStatistics;
  /** An LLM summariser's session summary (scene -> act -> session); absent for the deterministic one. */
  sessionSummary?: string;
  /**
   * Which summariser wrote this, and whether it fell back to the deterministic one (timeout or
   * error of the configured summariser): visible on the stored summary, never silent.
   */
  generator?: {
    summariser: string;
    model: string | null;
    fallback: { from: string; reason: 'timeout' | 'error'; message: string } | null;
  };
}

export interface SummariseOptions {
  sessionId: string;
  version: number;
  generatedAt: number;
}

/**
 * Deterministic by default; an LLM summariser implements the same interface, asynchronously.
 * `signal` aborts a call that has run past its timeout (or whose job was taken away).
 */
export interface Summariser {
  /** Recorded on the summary (`generator`). */
  readonly name?: string;
  readonly model?: string | null;
  /**
   * An error falls back to the deterministic summary (true for the LLM summariser: a model
   * being down must not hold the closure). Otherwise an error fails the step, which the engine
   * retries. A timeout always falls back.
   */
  readonly fallbackOnError?: boolean;
  summarise(
    input: SanitisedTranscript,
    opts: SummariseOptions,
    ctx?: { signal?: AbortSignal },
  ): StorySummary | Promise<StorySummary>;
}

/** A summariser that answers at once (the deterministic one). */
export interface SyncSummariser {
  summarise(input: SanitisedTranscript, opts: SummariseOptions): StorySummary;
}
