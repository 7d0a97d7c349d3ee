import type { SessionMetadata } from '../transcript/types.js';
import type { Turn } from '../types.js';
import { clamp, dedupe, momentumShift, strList } from './metadata-readers.js';
import type { ActSummary, MomentumArc, SceneSummary } from './types.js';

/**
 * Running momentum through the transcript: an explicit `momentum` value sets it, a shift
 * adds to it. Starts from the session's baseline (else current). Returns the value before
 * and after each turn, and how many turns moved it. A turn with no momentum before or after
 * has no entry (readers take a missing one as [null, null]): sessions without momentum, the
 * common case, then cost no tuple and no map entry per turn.
 */
export function momentumTrack(
  turns: Turn[],
  meta: SessionMetadata,
): { at: Map<string, [number | null, number | null]>; events: number } {
  let value: number | null = meta.momentum
    ? Number.isFinite(meta.momentum.baseline)
      ? meta.momentum.baseline
      : meta.momentum.current
    : null;
  const at = new Map<string, [number | null, number | null]>();
  let events = 0;
  // Turns the momentum does not move share one pair (readers never change a pair): a session
  // with a baseline and few shifts gave every turn a pair of its own (0.66 MB at 10k llm-prose
  // turns). An indexed loop: this runs once per session, and unoptimised for-of allocates per step.
  let pair: [number | null, number | null] | null = null;
  for (let i = 0; i < turns.length; i++) {
    const t = turns[i] as Turn;
    const before = value;
    const explicit = t.metadata.momentum;
    const shift = momentumShift(t.metadata);
    if (typeof explicit === 'number' && Number.isFinite(explicit)) value = explicit;
    else if (shift !== null) value = (value ?? 0) + shift;
    if (value !== before) events += 1;
    if (before === null && value === null) continue;
    if (pair === null || pair[0] !== before || pair[1] !== value) pair = [before, value];
    at.set(t.turnId, pair);
  }
  return { at, events };
}

function arc(turns: Turn[], track: Map<string, [number | null, number | null]>): MomentumArc {
  const start = turns[0] ? (track.get(turns[0].turnId)?.[0] ?? null) : null;
  const last = turns[turns.length - 1];
  const end = last ? (track.get(last.turnId)?.[1] ?? null) : null;
  const trajectory = start === null || end === null || start === end ? 'steady' : end > start ? 'rising' : 'falling';
  return { start, end, trajectory };
}

/** Top tags of the act's turns; falls back to the session's tags. */
function themes(turns: Turn[], fallback: string[]): string[] {
  const counts = new Map<string, number>();
  for (const t of turns) for (const tag of strList(t.metadata.tags)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  if (counts.size === 0) return fallback.slice(0, 3);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([k]) => k);
}

export const MAX_ACT_SUMMARY = 960;

/**
 * "Title: summary" of each scene joined by spaces, clamped. Stops appending once the text
 * is past the limit: the clamp keeps only the first characters, and a long act used to
 * build (and flatten) the whole string first.
 */
export function actSummaryText(scenes: SceneSummary[], max = MAX_ACT_SUMMARY): string {
  let text = '';
  for (let i = 0; i < scenes.length && text.length <= max; i++) {
    const s = scenes[i] as SceneSummary;
    text += i === 0 ? `${s.title}: ${s.summary}` : ` ${s.title}: ${s.summary}`;
  }
  return clamp(text, max);
}

export function buildActs(
  scenes: SceneSummary[],
  turnsByScene: Map<string, Turn[]>,
  meta: SessionMetadata,
  track: Map<string, [number | null, number | null]>,
): ActSummary[] {
  const acts = new Map<string, SceneSummary[]>();
  for (const s of scenes) {
    const k = s.actId ?? 'act-default';
    const list = acts.get(k);
    if (list) list.push(s);
    else acts.set(k, [s]);
  }
  return [...acts.entries()].map(([actId, actScenes], index) => {
    // Plain loops: flatMap over scenes and turns showed as a tenth of consolidation.
    const turns: Turn[] = [];
    const unresolved: string[] = [];
    for (const s of actScenes) {
      const list = turnsByScene.get(s.sceneId) ?? turnsByScene.get(`default:${s.actId ?? 'none'}`) ?? [];
      for (const t of list) turns.push(t);
      for (const h of s.hooks.unresolved) unresolved.push(h);
    }
    return {
      actId,
      index,
      // Act titles come from session metadata (spec 9: they used to be dropped).
      title: meta.actTitles[actId] ?? `Act ${index + 1}`,
      summary: actSummaryText(actScenes),
      sceneIds: actScenes.map((s) => s.sceneId),
      unresolvedHooks: dedupe(unresolved),
      dominantThemes: themes(turns, meta.tags),
      momentumArc: arc(turns, track),
    };
  });
}
