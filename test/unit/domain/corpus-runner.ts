import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { determineDeltas } from '../../../src/domain/deltas/determine-deltas.js';
import type { WorldDelta } from '../../../src/domain/deltas/types.js';
import { extractEntities } from '../../../src/domain/extraction/extract-entities.js';
import type { ExtractionResult } from '../../../src/domain/extraction/types.js';
import { normalizeTurns } from '../../../src/domain/transcript/normalize-turn-input.js';
import { sanitiseTranscript } from '../../../src/domain/transcript/sanitise-transcript.js';
import type { ChangeFeedEntry, SessionContext } from '../../../src/domain/types.js';
import { demoLexicon, demoWorld, idSource, repoRoot } from './helpers.js';

/**
 * One labelled transcript of test/fixtures/corpus (labelling rules in its README).
 * `mentions` and `deltas` are optional for the category files (k*): they label changes,
 * candidates and which changes are hedged or reported.
 */
export interface CorpusDoc {
  id: string;
  category?: string;
  difficulty?: 'easier' | 'harder';
  context: SessionContext;
  turns: unknown[];
  changeFeed: ChangeFeedEntry[];
  expected: {
    mentions?: string[];
    changes: Array<{ entityId: string; field: string; to: string | null }>;
    candidates: string[];
    deltas?: Array<{ entityId: string; deltaType: string; requiresModeration: boolean }>;
    /** Entity ids whose change the text only reports or hedges: its delta must need moderation. */
    hedged?: string[];
  };
}

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  misses: string[];
  extras: string[];
}
export const score = (): Score => ({ tp: 0, fp: 0, fn: 0, misses: [], extras: [] });
export function compare(s: Score, doc: string, expected: Set<string>, actual: Set<string>): void {
  for (const e of expected) {
    if (actual.has(e)) s.tp++;
    else {
      s.fn++;
      s.misses.push(`${doc}:${e}`);
    }
  }
  for (const a of actual) {
    if (!expected.has(a)) {
      s.fp++;
      s.extras.push(`${doc}:${a}`);
    }
  }
}
export const precision = (s: Score) => (s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp));
export const recall = (s: Score) => (s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn));
/** Accuracy over the union of expected and proposed: a wrong or missed item both count. */
export const accuracy = (s: Score) => (s.tp + s.fp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fp + s.fn));

export function loadCorpus(only: (file: string) => boolean = () => true): CorpusDoc[] {
  const dir = resolve(repoRoot, 'test/fixtures/corpus');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && only(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(resolve(dir, f), 'utf8')) as CorpusDoc);
}

/** The closure's extraction and delta stages on one labelled transcript. */
export function runDoc(doc: CorpusDoc): { ex: ExtractionResult; ds: WorldDelta[] } {
  const { turns, issues } = normalizeTurns(doc.turns, 1_700_000_000_000);
  assert.deepEqual(issues, [], `${doc.id} has invalid turns`);
  const session = {
    sessionId: doc.id,
    context: doc.context,
    closedAt: 1_700_000_000_000,
    closedBy: 'corpus',
    closureReason: null,
    auditRef: null,
  };
  const sanitised = sanitiseTranscript({ session, turns, changeFeed: doc.changeFeed });
  const ex = extractEntities({ sanitised, lexicon: demoLexicon(), sessionId: doc.id, newId: idSource('m') });
  const ds = determineDeltas({
    sessionId: doc.id,
    mentions: ex.mentions,
    candidates: ex.candidates,
    canon: demoWorld().entities,
    capabilities: demoWorld().capabilities,
    pendingDeltas: [],
    now: 0,
    newId: idSource('d'),
  });
  return { ex, ds };
}

export const changeKey = (c: { entityId: string; field: string; to: string | null }) => `${c.entityId}.${c.field}=${c.to}`;
export const proposedChanges = (ex: ExtractionResult) =>
  new Set(
    ex.mentions.flatMap((m) => m.proposedChanges.map((c) => changeKey({ entityId: m.entityId, field: c.field, to: c.to }))),
  );

/**
 * The held-out split of the category files: a fixed-seed hash of the id, so the split never
 * moves when files are added, and nobody chooses which cases land in it.
 */
export const HOLD_OUT_SEED = 14;
export function isHeldOut(id: string): boolean {
  let h = 0x811c9dc5 ^ HOLD_OUT_SEED;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h % 100 < 30;
}
