import type { SanitisedTranscript } from '../transcript/types.js';
import { isPlainObject, type Turn } from '../types.js';
import { buildActs, momentumTrack } from './acts.js';
import { dedupe, strList } from './metadata-readers.js';
import { buildScene, groupScenes } from './scenes.js';
import type { PlayerHighlight, StorySummary, SummariseOptions, SyncSummariser } from './types.js';

function playerHighlight(t: Turn, track: Map<string, [number | null, number | null]>): PlayerHighlight | null {
  const m = t.metadata;
  const [before, after] = track.get(t.turnId) ?? [null, null];
  const momentumChange = before !== after && after !== null ? after - (before ?? 0) : null;
  // Most player turns carry none of these fields: answer without building the record.
  if (
    momentumChange === null &&
    m.achievements === undefined &&
    m.assetsEarned === undefined &&
    m.debtsIncurred === undefined &&
    m.reputationShifts === undefined &&
    m.highlightQuote === undefined
  )
    return null;
  const h: PlayerHighlight = {
    turnId: t.turnId,
    sceneId: t.sceneId,
    achievements: strList(m.achievements),
    assetsEarned: strList(m.assetsEarned),
    debtsIncurred: strList(m.debtsIncurred),
    reputationShifts: strList(m.reputationShifts),
    quote: typeof m.highlightQuote === 'string' && m.highlightQuote.trim() ? m.highlightQuote.trim() : null,
    momentumChange,
  };
  const empty =
    !h.achievements.length &&
    !h.assetsEarned.length &&
    !h.debtsIncurred.length &&
    !h.reputationShifts.length &&
    !h.quote &&
    h.momentumChange === null;
  return empty ? null : h;
}

function attachmentUrls(turns: Turn[]): string[] {
  const urls: string[] = [];
  // Indexed, and a turn without attachments (nearly all) costs no empty list: this runs once per
  // session, and unoptimised for-of allocates an iterator per list and a result per step.
  for (let i = 0; i < turns.length; i++) {
    const a = (turns[i] as Turn).metadata.attachments;
    if (a === undefined) continue;
    for (const x of Array.isArray(a) ? a : [a]) {
      if (typeof x === 'string') urls.push(x);
      else if (isPlainObject(x) && typeof x.url === 'string') urls.push(x.url);
    }
  }
  return [...new Set(urls)];
}

/** Spec 4, deterministic: same transcript and options, same summary. */
export class DeterministicSummariser implements SyncSummariser {
  readonly name = 'deterministic';
  readonly model = null;

  summarise(input: SanitisedTranscript, opts: SummariseOptions): StorySummary {
    const grouped = groupScenes(input.turns);
    const scenes = [...grouped.entries()].map(([k, turns], i) => buildScene(k, turns, i, input.metadata));
    const { at: track, events } = momentumTrack(input.turns, input.metadata);
    const acts = buildActs(scenes, grouped, input.metadata, track);
    const playerHighlights: PlayerHighlight[] = [];
    let playerActions = 0;
    let gmActions = 0;
    // Indexed: this runs once per session, and unoptimised for-of allocates an iterator result per step.
    const turns = input.turns;
    for (let i = 0; i < turns.length; i++) {
      const t = turns[i] as Turn;
      if (t.speaker === 'gm') gmActions++;
      if (t.speaker !== 'player') continue;
      playerActions++;
      const h = playerHighlight(t, track);
      if (h) playerHighlights.push(h);
    }
    const outstanding = dedupe(scenes.flatMap((s) => [...s.hooks.open, ...s.hooks.unresolved]));
    return {
      sessionId: opts.sessionId,
      version: opts.version,
      sceneBreakdown: scenes,
      actSummary: acts,
      playerHighlights,
      safetyNotes: input.safetyEvents.map((e) => ({ ...e, flags: [...e.flags], capabilityRefs: [...e.capabilityRefs] })),
      attachmentsUrl: attachmentUrls(input.turns),
      generatedAt: opts.generatedAt,
      statistics: {
        turnCount: input.turns.length,
        sceneCount: scenes.length,
        actCount: acts.length,
        playerActions,
        gmActions,
        safetyFlags: input.safetyEvents.reduce((n, e) => n + e.flags.length, 0),
        outstandingHooks: outstanding.length,
        momentumEvents: events,
      },
    };
  }
}

export function consolidateStory(
  input: SanitisedTranscript,
  opts: SummariseOptions,
  summariser: SyncSummariser = new DeterministicSummariser(),
): StorySummary {
  return summariser.summarise(input, opts);
}
