import type { Severity, Speaker } from '../types.js';
import type { EntityType, RegionStatus } from '../world/types.js';

/** `annotation`: from the turn's precomputed `metadata.entities` (the game server's NER). */
export type MatchType = 'canonical' | 'alias' | 'annotation' | 'fuzzy';

/** A change the text proposes for the entity the mention is about. */
export type ProposedChange =
  | {
      kind: 'control';
      field: 'controlledBy';
      /** New controller, or null when the text only says the holder lost it. */
      to: string | null;
      /** Faction named as the loser ("from <faction>", or the subject of lost/ceded/...). */
      from: string | null;
      verb: string;
    }
  | { kind: 'status'; field: 'status'; to: RegionStatus; cue: string };

export interface CapabilityRef {
  capabilityId: string;
  /** `unknown` when the id is not in the operator's list: flagged, never dropped. */
  severity: Severity | 'unknown';
  known: boolean;
  matchedText: string | null;
}

export interface MentionSource {
  sessionId: string;
  sceneId: string | null;
  turnId: string;
  speaker: Speaker;
  sentenceIndex: number;
}

export interface EntityMention {
  mentionId: string;
  entityId: string;
  entityType: EntityType;
  canonicalName: string;
  match: { type: MatchType; value: string };
  confidence: number;
  sentence: string;
  source: MentionSource;
  proposedChanges: ProposedChange[];
  /** The sentence only reports or hedges its claims ("rumour has it", "some say"): always moderated. */
  hedged?: boolean;
  capabilityRefs: CapabilityRef[];
  context: { previous: string | null; next: string | null };
}

export interface NewEntityCandidate {
  candidateId: string;
  name: string;
  /** Proposed id, `type.slug`. */
  proposedEntityId: string;
  entityType: EntityType;
  typeCue: string | null;
  confidence: number;
  sentence: string;
  source: MentionSource;
  occurrences: number;
  /** Named by the turn's precomputed annotations (`metadata.entities`), not found by the rules alone. */
  annotated?: boolean;
}

export interface ExtractionResult {
  mentions: EntityMention[];
  candidates: NewEntityCandidate[];
  /** Capability refs found where no entity mention could carry them (kept visible). */
  unattachedCapabilityRefs: Array<{ ref: CapabilityRef; source: MentionSource; sentence: string }>;
}
