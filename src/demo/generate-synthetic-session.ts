import type { ChangeFeedEntry, SessionContext } from '../domain/types.js';
import type { WorldEntity, WorldFile } from '../domain/world/types.js';
import { createPrng, pick } from './prng.js';
import * as T from './templates.js';

export interface SyntheticSessionOptions {
  seed: number;
  turns: number;
  sessionId: string;
  world: WorldFile;
  startAt: number;
}

export interface SyntheticSession {
  sessionId: string;
  context: SessionContext;
  /** Raw turn inputs in the liberal shapes of spec 1 (to exercise normalisation). */
  turns: Array<Record<string, unknown>>;
  changeFeed: ChangeFeedEntry[];
}

const TURN_GAP_MS = 45_000;

/**
 * A seeded synthetic session over a world: realistic-looking GM and player lines that name
 * world entities by canonical name and alias, with control and status changes, hedges,
 * negations, unknown names, safety flags and the odd prohibited capability. Pure: same
 * options, same session. Linear time; no regex or allocation beyond the output.
 */
export function generateSyntheticSession(opts: SyntheticSessionOptions): SyntheticSession {
  const rand = createPrng(opts.seed);
  const byType = (t: string) => opts.world.entities.filter((e) => e.entityType === t);
  const factions = byType('faction');
  const places = [...byType('region'), ...byType('settlement')];
  const characters = byType('character');
  const artifacts = byType('artifact');
  const name = (e: WorldEntity | undefined, fallback: string) =>
    !e ? fallback : e.aliases.length > 0 && rand() < 0.3 ? pick(rand, e.aliases) : e.canonicalName;
  const fill = (tpl: string): string =>
    tpl.replace(/\{(F2|PC|F|R|C|A|P|N|G)\}/g, (_, slot: string) => {
      switch (slot) {
        case 'F':
        case 'F2':
          return name(pick(rand, factions), 'the militia');
        case 'R':
          return name(pick(rand, places), 'the valley');
        case 'C':
          return name(pick(rand, characters), 'the stranger');
        case 'A':
          return name(pick(rand, artifacts), 'relic');
        case 'P':
          return pick(rand, T.CAPABILITY_PHRASES);
        case 'N':
          return `${pick(rand, T.NAME_FIRST)} ${pick(rand, T.NAME_LAST)}`;
        case 'G':
          return `${pick(rand, T.GROUP_ADJ)} ${pick(rand, T.GROUP_NOUN)}`;
        default:
          return 'Kestrel';
      }
    });
  const gmLine = (): string => {
    const r = rand();
    if (r < 0.45) return fill(pick(rand, T.NEUTRAL_GM));
    if (r < 0.57) return fill(pick(rand, T.CONTROL_GM));
    if (r < 0.67) return fill(pick(rand, T.STATUS_GM));
    if (r < 0.75) return fill(pick(rand, T.HEDGED_GM));
    if (r < 0.82) return fill(pick(rand, T.NEGATED_GM));
    if (r < 0.88) return fill(pick(rand, T.UNKNOWN_GM));
    if (r < 0.9) return fill(pick(rand, T.CAPABILITY_GM));
    return fill(pick(rand, T.NEUTRAL_GM));
  };
  const turns: SyntheticSession['turns'] = [];
  const changeFeed: ChangeFeedEntry[] = [];
  const actTitles: Record<string, string> = {};
  const sceneTitles: Record<string, string> = {};
  let act = 1;
  let scene = 1;
  let sceneLeft = 12 + Math.floor(rand() * 20);
  actTitles['act-1'] = 'The Gathering Storm';
  for (let i = 0; i < opts.turns; i++) {
    if (sceneLeft-- <= 0) {
      scene += 1;
      sceneLeft = 12 + Math.floor(rand() * 20);
      if (scene % 4 === 1) {
        act += 1;
        actTitles[`act-${act}`] =
          `${pick(rand, ['Ashes', 'Crowns', 'Tides', 'Oaths'])} of ${pick(rand, ['Kyther', 'the Vale', 'Brackwater', 'Dusk'])}`;
      }
    }
    const sceneId = `scene-${scene}`;
    const actId = `act-${act}`;
    if (!sceneTitles[sceneId] && rand() < 0.5)
      sceneTitles[sceneId] =
        `${pick(rand, ['Night', 'Smoke', 'Bells', 'Ash'])} over ${pick(rand, places)?.canonicalName ?? 'the road'}`;
    const isPlayer = i % 2 === 1;
    const text = isPlayer ? fill(pick(rand, T.PLAYER_LINES)) : rand() < 0.5 ? `${gmLine()} ${gmLine()}` : gmLine();
    const metadata: Record<string, unknown> = { actId };
    if (!isPlayer) metadata.tension = pick(rand, ['calm', 'steady', 'steady', 'rising', 'crisis']);
    if (rand() < 0.05) metadata.hooks = [pick(rand, T.HOOKS)];
    if (rand() < 0.03) metadata.keyMoment = true;
    if (rand() < 0.2) metadata.tags = [pick(rand, T.TAGS)];
    if (isPlayer && rand() < 0.1) metadata.momentumShift = rand() < 0.6 ? 1 : -1;
    if (isPlayer && rand() < 0.03) metadata.achievements = ['Held the line'];
    if (rand() < 0.01) metadata.safetyFlags = [pick(rand, ['violence', 'self-harm-mention', 'graphic-content'])];
    const turnId = `${opts.sessionId}-t${i}`;
    const timestamp = opts.startAt + i * TURN_GAP_MS;
    // Vary the accepted shapes so the demo exercises normalisation.
    turns.push(
      i % 7 === 3
        ? {
            id: turnId,
            role: isPlayer ? 'player' : 'gm',
            content: text,
            sceneId,
            metadata,
            timestamp: new Date(timestamp).toISOString(),
          }
        : { turnId, speaker: isPlayer ? 'player' : 'gm', text, sceneId, metadata, timestamp },
    );
    if (rand() < 0.01) {
      changeFeed.push({
        cursor: changeFeed.length + 1,
        kind: 'safety.flag',
        payload: { turnId },
        safetyFlags: [pick(rand, ['violence', 'harassment', 'graphic-content'])],
        capabilityRefs: rand() < 0.2 ? ['capability.mind-control'] : [],
        severity: pick(rand, ['low', 'medium', 'high', 'critical'] as const),
        createdAt: timestamp,
      });
    }
  }
  return {
    sessionId: opts.sessionId,
    context: {
      character: { id: 'pc.kestrel', name: 'Kestrel Vane' },
      location: { id: places[0]?.entityId ?? 'region.unknown', name: places[0]?.canonicalName ?? 'Unknown' },
      momentum: { current: 2, floor: -6, ceiling: 10, baseline: 2, history: [] },
      tags: ['demo', 'synthetic'],
      actTitles,
      sceneTitles,
    },
    turns,
    changeFeed,
  };
}
