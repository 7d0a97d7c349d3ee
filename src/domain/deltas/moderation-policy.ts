import type { DeltaType, ModerationReason } from './types.js';

/**
 * The auto-approve rules (config `moderation.autoApprove`): which moderation reasons a delta
 * may carry and still publish without review. Capabilities (known, unknown or unattached) and
 * hedged claims are never in the operator's hands: they always need review.
 */
export interface AutoApprovePolicy {
  /** Below this confidence a delta needs review. */
  minConfidence: number;
  /** A conflicting delta publishes unreviewed (reason kept, for the record). */
  conflicts: boolean;
  /** A proposed new entity publishes unreviewed. */
  newEntities: boolean;
}

export const defaultAutoApprovePolicy: Readonly<AutoApprovePolicy> = Object.freeze({
  minConfidence: 0.6,
  conflicts: false,
  newEntities: true,
});

/** Reasons no policy can waive. */
export const ALWAYS_REVIEWED: ReadonlySet<ModerationReason> = new Set<ModerationReason>([
  'capability_violation',
  'unknown_capability',
  'unattached_capability',
  'hedged',
]);

export interface SafetyFacts {
  confidence: number;
  deltaType: DeltaType;
  capabilities: { known: boolean }[];
  conflicts: number;
  hedged: boolean;
  unattached?: boolean;
}

/** The moderation reasons of a delta and whether the policy sends it to review. */
export function moderationReasons(
  facts: SafetyFacts,
  policy: AutoApprovePolicy = defaultAutoApprovePolicy,
): { reasons: ModerationReason[]; requiresModeration: boolean } {
  const reasons: ModerationReason[] = [];
  if (facts.confidence < policy.minConfidence) reasons.push('low_confidence');
  // A reported or rumoured change needs a moderator whatever its confidence: a hedged canonical
  // name scores 0.65 and would otherwise publish on its own.
  if (facts.hedged) reasons.push('hedged');
  if (facts.capabilities.length > 0) reasons.push('capability_violation');
  if (facts.capabilities.some((c) => !c.known)) reasons.push('unknown_capability');
  if (facts.unattached) reasons.push('unattached_capability');
  if (facts.conflicts > 0) reasons.push('conflict_detected');
  const waived = (r: ModerationReason) => r === 'conflict_detected' && policy.conflicts;
  const requiresModeration =
    reasons.some((r) => ALWAYS_REVIEWED.has(r) || !waived(r)) || (facts.deltaType === 'new-entity' && !policy.newEntities);
  return { reasons, requiresModeration };
}
