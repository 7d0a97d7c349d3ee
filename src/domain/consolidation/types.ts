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
}

export interface SummariseOptions {
  sessionId: string;
  version: number;
  generatedAt: number;
}

/** Deterministic by default; an LLM summariser can implement the same interface. */
export interface Summariser {
  summarise(input: SanitisedTranscript, opts: SummariseOptions): StorySummary;
}
