import type { SessionMetadata } from '../transcript/types.js';
import { collapseWhitespace, isTrimSpace } from '../text/sentences.js';
import type { Turn } from '../types.js';
import { clamp, dedupe, strList } from './metadata-readers.js';
import { sceneTension } from './tension.js';
import type { SceneSummary } from './types.js';

export const MAX_SCENE_SUMMARY = 480;

/** Scene key: its id, or one default scene per act when turns carry no scene id. */
export function sceneKey(t: Turn): string {
  return t.sceneId ?? `default:${t.actId ?? 'none'}`;
}

export function groupScenes(turns: Turn[]): Map<string, Turn[]> {
  const map = new Map<string, Turn[]>();
  for (const t of turns) {
    const k = sceneKey(t);
    const list = map.get(k);
    if (list) list.push(t);
    else map.set(k, [t]);
  }
  return map;
}

function sceneSummaryText(turns: Turn[]): string {
  // First and last GM lines (all lines if the GM never speaks), found without filtering.
  let firstGm: Turn | null = null;
  let lastGm: Turn | null = null;
  let gmCount = 0;
  for (const t of turns) {
    if (t.speaker !== 'gm') continue;
    firstGm ??= t;
    lastGm = t;
    gmCount++;
  }
  if (!firstGm || !lastGm) return clamp(collapseWhitespace(turns.map((t) => t.text).join(' … ')), MAX_SCENE_SUMMARY);
  if (gmCount === 1) return clamp(collapseWhitespace(firstGm.text), MAX_SCENE_SUMMARY);
  return firstAndLast(firstGm.text, lastGm.text);
}

/**
 * clamp(collapseWhitespace(`${first} … ${last}`)), collapsing each part on its own: no run of
 * whitespace crosses the joiner unless `first` ends or `last` starts with one (turn texts are
 * trimmed, so that is the rare case and takes the plain path). Reads the turn strings, not a
 * joined copy (V8 flattens it on the first char read), and skips `last` when `first` alone
 * already fills the summary.
 */
function firstAndLast(first: string, last: string): string {
  if (isSpaceAt(first, first.length - 1) || isSpaceAt(last, 0))
    return clamp(collapseWhitespace(`${first} … ${last}`), MAX_SCENE_SUMMARY);
  const head = collapseWhitespace(first);
  // Longer than the limit: the clamp keeps only head's first chars, whatever follows.
  if (head.length > MAX_SCENE_SUMMARY) return clamp(head, MAX_SCENE_SUMMARY);
  return clamp(`${head} … ${collapseWhitespace(last)}`, MAX_SCENE_SUMMARY);
}

function isSpaceAt(text: string, i: number): boolean {
  return i >= 0 && i < text.length && isTrimSpace(text.charCodeAt(i));
}

/** Appends a metadata list (string or array) to `into`; absent fields, the common case, cost nothing. */
function collect(into: string[], v: unknown): void {
  if (v === undefined) return;
  for (const s of strList(v)) into.push(s);
}

/**
 * One pass over the scene's turns for title, key moments, hooks and highlights: the
 * previous map/flatMap chains allocated several arrays per turn, which at 10,000 turns
 * made consolidation mostly garbage collection.
 */
export function buildScene(key: string, turns: Turn[], index: number, meta: SessionMetadata): SceneSummary {
  const first = turns[0] as Turn;
  let turnTitle: string | undefined;
  const keyMoments: SceneSummary['keyMoments'] = [];
  const open: string[] = [];
  const unresolved: string[] = [];
  const highlights: string[] = [];
  const turnIds: string[] = [];
  for (const t of turns) {
    const m = t.metadata;
    turnIds.push(t.turnId);
    const st = m.sceneTitle;
    if (turnTitle === undefined && typeof st === 'string' && st.trim() !== '') turnTitle = st;
    const km = m.keyMoment;
    if (km === true) keyMoments.push({ turnId: t.turnId, text: clamp(t.text, 280) });
    else if (typeof km === 'string' && km.trim()) keyMoments.push({ turnId: t.turnId, text: km.trim() });
    collect(open, m.hooks);
    collect(unresolved, m.unresolvedHooks);
    collect(highlights, m.highlights);
  }
  const title = turnTitle?.trim() ?? (first.sceneId ? meta.sceneTitles[first.sceneId] : undefined) ?? `Scene ${index + 1}`;
  return {
    sceneId: first.sceneId ?? key,
    actId: first.actId,
    index,
    title,
    summary: sceneSummaryText(turns),
    turnIds,
    tension: sceneTension(turns),
    hooks: { open: dedupe(open), unresolved: dedupe(unresolved) },
    keyMoments,
    highlights: dedupe(highlights),
  };
}
