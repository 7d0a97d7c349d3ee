import type { ModerationDecision } from '../deltas/types.js';

export type BatchStatus = 'awaiting_moderation' | 'ready';
export type Urgency = 'routine' | 'notable' | 'urgent';

export interface LoreRevision {
  deltaId: string;
  deltaType: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
  status: string;
}

export interface LoreBundle {
  bundleId: string;
  entityId: string;
  entityType: string;
  canonicalName: string;
  markdown: string;
  revisions: LoreRevision[];
  provenance: { sessionId: string; summaryVersion: number; deltaIds: string[]; decisions: ModerationDecision[] };
  safetyTags: string[];
  version: number;
}

export interface NewsCard {
  cardId: string;
  deltaId: string;
  entityId: string;
  headline: string;
  lead: string;
  factionTags: string[];
  urgency: Urgency;
  publishAt: number;
  expiresAt: number;
  /** Plain sentence for screen readers: no markup, no emoji. */
  ariaSummary: string;
  version: number;
}

export interface OverlayPayload {
  type: 'overlay.loreLink';
  entityId: string;
  bundleId: string;
  label: string;
  provenanceBadge: { sessionId: string; summaryVersion: number; moderated: boolean; text: string };
}

export interface SearchIndexJob {
  jobId: string;
  documentKind: 'lore-bundle' | 'news-card';
  documentId: string;
  expectedVersion: number;
  maxAttempts: number;
}

export interface PublishingPlan {
  batchId: string;
  sessionId: string;
  summaryVersion: number;
  scheduledAt: number;
  status: BatchStatus;
  /** Delta ids that need review and have no covering decision. */
  blockingDeltaIds: string[];
  moderation: { required: number; pending: number; decided: number };
  bundles: LoreBundle[];
  cards: NewsCard[];
  overlays: OverlayPayload[];
  /** Empty while awaiting moderation: nothing reaches the index before the gate opens. */
  searchJobs: SearchIndexJob[];
  preparedAt: number;
  publishAt: number;
  expiresAt: number;
}

export interface SearchSyncResult {
  jobId: string;
  status: string;
  indexedVersion: number | null;
}

export interface SearchDrift {
  jobId: string;
  documentId: string;
  reason: 'status' | 'version_mismatch';
  status: string;
  expectedVersion: number;
  indexedVersion: number | null;
}
