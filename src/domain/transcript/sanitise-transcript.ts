import { type ChangeFeedEntry, isPlainObject, isSeverity, type SessionSnapshot, type Turn } from '../types.js';
import { cleanText, DEFAULT_MAX_LINE_LENGTH } from './clean-text.js';
import type { SafetyEvent, SanitiseOptions, SanitisedTranscript, SessionMetadata } from './types.js';

function stringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : [];
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isPlainObject(v)) return out;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string' && val.trim() !== '') out[k] = val.trim();
  return out;
}

function buildMetadata(session: SessionSnapshot, turns: Turn[]): SessionMetadata {
  const ctx = session.context ?? {};
  const sceneTitles = stringRecord(ctx.sceneTitles);
  const actTitles = stringRecord(ctx.actTitles);
  // Titles carried on turns fill gaps only: the session context is the operator's word.
  for (const t of turns) {
    const st = t.metadata.sceneTitle;
    if (t.sceneId && typeof st === 'string' && st.trim() && !sceneTitles[t.sceneId]) sceneTitles[t.sceneId] = st.trim();
    const at = t.metadata.actTitle;
    if (t.actId && typeof at === 'string' && at.trim() && !actTitles[t.actId]) actTitles[t.actId] = at.trim();
  }
  return {
    sessionId: session.sessionId,
    character: isPlainObject(ctx.character) ? { ...ctx.character } : null,
    location: isPlainObject(ctx.location) ? { ...ctx.location } : null,
    momentum: isPlainObject(ctx.momentum) ? { ...ctx.momentum, history: [...(ctx.momentum.history ?? [])] } : null,
    closure: {
      closedAt: session.closedAt,
      closedBy: session.closedBy,
      reason: session.closureReason,
      auditRef: session.auditRef,
    },
    sceneTitles,
    actTitles,
    tags: stringArray(ctx.tags),
  };
}

function feedEvent(e: ChangeFeedEntry): SafetyEvent | null {
  const flags = stringArray(e.safetyFlags);
  const caps = stringArray(e.capabilityRefs);
  if (flags.length === 0 && caps.length === 0 && e.severity === undefined) return null;
  const severity = isSeverity(e.severity) ? e.severity : isSeverity(e.payload?.severity) ? e.payload.severity : null;
  const turnId = typeof e.payload?.turnId === 'string' ? e.payload.turnId : null;
  return {
    source: 'change-feed',
    kind: e.kind,
    flags,
    severity: severity ?? 'medium',
    severityDefaulted: severity === null,
    capabilityRefs: caps,
    cursor: e.cursor,
    turnId,
    createdAt: e.createdAt,
    payload: isPlainObject(e.payload) ? { ...e.payload } : {},
  };
}

/**
 * Stage 1 (spec 3.1). Pure and total: hostile text (HTML, emoji, mixed scripts, control
 * characters, megabyte lines) is cleaned, never rejected; HTML is kept as text because
 * escaping is the renderer's job and the story may legitimately quote angle brackets.
 */
export function sanitiseTranscript(
  input: { session: SessionSnapshot; turns: Turn[]; changeFeed: ChangeFeedEntry[] },
  opts: SanitiseOptions = {},
): SanitisedTranscript {
  const max = opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const seen = new Set<string>();
  const turns: Turn[] = [];
  const dropped: string[] = [];
  const safetyEvents: SafetyEvent[] = [];
  for (const t of input.turns) {
    if (seen.has(t.turnId)) {
      dropped.push(t.turnId); // appended idempotently by turnId: the first copy wins
      continue;
    }
    seen.add(t.turnId);
    const text = typeof t.text === 'string' ? cleanText(t.text, max) : '';
    if (text === '') {
      dropped.push(t.turnId);
      continue;
    }
    // Reuse the input object when nothing changed: turns are never mutated, and copying
    // 10,000 turns is a measurable share of the stage.
    const turn: Turn =
      text === t.text && isPlainObject(t.metadata) ? t : { ...t, text, metadata: isPlainObject(t.metadata) ? t.metadata : {} };
    turns.push(turn);
    const flags = stringArray(turn.metadata.safetyFlags);
    if (flags.length > 0) {
      const sev = turn.metadata.safetySeverity;
      safetyEvents.push({
        source: 'transcript',
        kind: 'transcript.safetyFlag',
        flags,
        severity: isSeverity(sev) ? sev : 'medium',
        severityDefaulted: !isSeverity(sev),
        capabilityRefs: stringArray(turn.metadata.capabilityRefs),
        cursor: null,
        turnId: turn.turnId,
        createdAt: turn.timestamp,
        payload: {},
      });
    }
  }
  let maxCursor: number | null = null;
  for (const e of input.changeFeed) {
    if (maxCursor === null || e.cursor > maxCursor) maxCursor = e.cursor;
    const ev = feedEvent(e);
    if (ev) safetyEvents.push(ev);
  }
  return {
    sessionId: input.session.sessionId,
    turns,
    droppedTurnIds: dropped,
    safetyEvents,
    metadata: buildMetadata(input.session, turns),
    maxCursor,
  };
}
