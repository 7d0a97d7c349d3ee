import type { SessionMetadata } from '../transcript/types.js';
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
  const gm = turns.filter((t) => t.speaker === 'gm');
  let lines: string[];
  if (gm.length === 0) lines = turns.map((t) => t.text);
  else if (gm.length === 1) lines = [(gm[0] as Turn).text];
  else lines = [(gm[0] as Turn).text, (gm[gm.length - 1] as Turn).text];
  return clamp(lines.join(' … ').replace(/\s+/g, ' '), MAX_SCENE_SUMMARY);
}

export function buildScene(key: string, turns: Turn[], index: number, meta: SessionMetadata): SceneSummary {
  const first = turns[0] as Turn;
  const turnTitle = turns.map((t) => t.metadata.sceneTitle).find((x): x is string => typeof x === 'string' && x.trim() !== '');
  const title = turnTitle?.trim() ?? (first.sceneId ? meta.sceneTitles[first.sceneId] : undefined) ?? `Scene ${index + 1}`;
  const keyMoments: SceneSummary['keyMoments'] = [];
  for (const t of turns) {
    const km = t.metadata.keyMoment;
    if (km === true) keyMoments.push({ turnId: t.turnId, text: clamp(t.text, 280) });
    else if (typeof km === 'string' && km.trim()) keyMoments.push({ turnId: t.turnId, text: km.trim() });
  }
  return {
    sceneId: first.sceneId ?? key,
    actId: first.actId,
    index,
    title,
    summary: sceneSummaryText(turns),
    turnIds: turns.map((t) => t.turnId),
    tension: sceneTension(turns),
    hooks: {
      open: dedupe(turns.flatMap((t) => strList(t.metadata.hooks))),
      unresolved: dedupe(turns.flatMap((t) => strList(t.metadata.unresolvedHooks))),
    },
    keyMoments,
    highlights: dedupe(turns.flatMap((t) => strList(t.metadata.highlights))),
  };
}
