import type { ChangeFeedEntry, SessionSnapshot, Turn } from '../../src/domain/types.js';
import { sanitiseTranscript } from '../../src/domain/transcript/sanitise-transcript.js';
import { normalizeTurns } from '../../src/domain/transcript/normalize-turn-input.js';
import { consolidateStory } from '../../src/domain/consolidation/deterministic-summariser.js';
import { extractEntities } from '../../src/domain/extraction/extract-entities.js';
import type { Lexicon } from '../../src/domain/extraction/lexicon.js';
import { winkPosTagger } from '../../src/domain/extraction/pos-tagger.js';
import { determineDeltas } from '../../src/domain/deltas/determine-deltas.js';
import { planCadence } from '../../src/domain/publishing/cadence.js';
import { preparePublishing } from '../../src/domain/publishing/prepare-publishing.js';
import type { WorldFile } from '../../src/domain/world/types.js';
import type { SyntheticSession } from '../../src/demo/generate-synthetic-session.js';

export interface PreparedInput {
  session: SessionSnapshot;
  turns: Turn[];
  changeFeed: ChangeFeedEntry[];
}

/** Normalisation happens at append time in the product, so it is outside the measured stages. */
export function prepareInput(s: SyntheticSession, closedAt: number): PreparedInput {
  const { turns } = normalizeTurns(s.turns, closedAt);
  return {
    session: {
      sessionId: s.sessionId,
      context: s.context,
      closedAt,
      closedBy: 'bench',
      closureReason: 'bench',
      auditRef: `session.close:${s.sessionId}:bench`,
    },
    turns,
    changeFeed: s.changeFeed,
  };
}

/**
 * All pure stages, in workflow order. `ner: false` is the no-detection baseline; `'pos'` is
 * the older path that runs wink-nlp's tagger over each sentence with an unlisted capital.
 */
export function runStages(input: PreparedInput, world: WorldFile, lexicon: Lexicon, ner: boolean | 'pos') {
  let n = 0;
  const newId = () => `id-${++n}`;
  const now = input.session.closedAt ?? 0;
  const sanitised = sanitiseTranscript(input);
  const summary = consolidateStory(sanitised, { sessionId: input.session.sessionId, version: 1, generatedAt: now });
  const extraction = extractEntities({
    sanitised,
    lexicon,
    sessionId: input.session.sessionId,
    newId,
    ...(ner === 'pos' ? { tagger: winkPosTagger() } : ner ? {} : { tagger: null }),
  });
  const deltas = determineDeltas({
    sessionId: input.session.sessionId,
    mentions: extraction.mentions,
    candidates: extraction.candidates,
    canon: world.entities,
    capabilities: world.capabilities,
    pendingDeltas: [],
    now,
    newId,
  });
  const cadence = planCadence(now);
  const plan = preparePublishing({ sessionId: input.session.sessionId, summary, deltas, decisions: [], cadence, now, newId });
  return { summary, extraction, deltas, plan };
}
