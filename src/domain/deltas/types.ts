import type { CapabilityRef, ProposedChange } from '../extraction/types.js';
import type { EntityType } from '../world/types.js';

export type DeltaType = 'state-change' | 'new-entity' | 'relationship-update' | 'retcon';
export type DeltaStatus = 'pending' | 'needs-review' | 'approved' | 'rejected' | 'rewrite-requested' | 'escalated';
export type ConfidenceTier = 'high' | 'medium' | 'low';
export type ModerationReason =
  | 'low_confidence'
  /** The claim is hedged ("rumours say"): always reviewed, whatever its confidence. */
  | 'hedged'
  | 'capability_violation'
  | 'unknown_capability'
  | 'conflict_detected'
  /** A prohibited capability named where no entity is: a moderation item of its own. */
  | 'unattached_capability';

export type DeltaConflict =
  | { type: 'control_collision'; target: string; currentOwner: string }
  /**
   * Other sessions' open proposals for the same entity that disagree: ONE conflict per entity and
   * field, summarising them (`conflictingDeltaIds`, `sessions`), never one line per session.
   */
  | {
      type: 'pending_delta_conflict';
      target: string;
      conflictingDeltaId: string;
      conflictingDeltaIds?: string[];
      sessions?: number;
    }
  | {
      type: 'status_conflict';
      target: string;
      previous: string | null;
      proposed: string;
      conflictingDeltaId: string | null;
      conflictingDeltaIds?: string[];
      sessions?: number;
    };

export interface DeltaSourceEvent {
  mentionId: string;
  turnId: string;
  sceneId: string | null;
  sentenceIndex: number;
  confidence: number;
  sentence: string;
  hedged?: boolean;
}

export interface WorldDelta {
  deltaId: string;
  sessionId: string;
  entityId: string;
  entityType: EntityType;
  canonicalName: string;
  deltaType: DeltaType;
  /** Canon values of the touched fields (null for a new entity). */
  before: Record<string, unknown> | null;
  /** Proposed values of the touched fields; for a new entity the whole proposed entity. */
  after: Record<string, unknown>;
  proposedChanges: ProposedChange[];
  capabilityRefs: CapabilityRef[];
  confidence: number;
  confidenceTier: ConfidenceTier;
  source: DeltaSourceEvent[];
  safety: { requiresModeration: boolean; reasons: ModerationReason[]; conflicts: DeltaConflict[] };
  status: DeltaStatus;
  createdAt: number;
}

export type ModerationAction = 'approve' | 'reject' | 'rewrite' | 'escalate';

export interface ModerationDecision {
  deltaId: string;
  decision: ModerationAction;
  actor: string;
  decidedAt: number;
  note?: string;
  /** How it was made when not on this delta alone: 'bulk:<id>', 'contested:<entityId>', 'policy:<rule>'. */
  via?: string;
}

/** What the conflict check needs of another session's open delta (the store reads only this). */
export type OpenDelta = Pick<WorldDelta, 'deltaId' | 'sessionId' | 'entityId' | 'status' | 'after'>;
