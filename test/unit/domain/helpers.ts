import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLexicon, type Lexicon } from '../../../src/domain/extraction/lexicon.js';
import { sanitiseTranscript } from '../../../src/domain/transcript/sanitise-transcript.js';
import type { SanitisedTranscript } from '../../../src/domain/transcript/types.js';
import type { ChangeFeedEntry, SessionContext, SessionSnapshot, Speaker, Turn } from '../../../src/domain/types.js';
import { parseWorldFile } from '../../../src/domain/world/parse-world-file.js';
import type { WorldFile } from '../../../src/domain/world/types.js';

/** Repo root from build/test/unit/domain (compiled) or test/unit/domain (source). */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      readFileSync(resolve(dir, 'package.json'));
      return dir;
    } catch {
      dir = resolve(dir, '..');
    }
  }
  throw new Error('repo root not found');
})();

let world: WorldFile | null = null;
export function demoWorld(): WorldFile {
  world ??= parseWorldFile(JSON.parse(readFileSync(resolve(repoRoot, 'worlds/demo-world.json'), 'utf8')));
  return world;
}

let lexicon: Lexicon | null = null;
export function demoLexicon(): Lexicon {
  lexicon ??= buildLexicon(demoWorld());
  return lexicon;
}

export function session(context: SessionContext = {}, sessionId = 'sess-1'): SessionSnapshot {
  return {
    sessionId,
    context,
    closedAt: 1_700_000_000_000,
    closedBy: 'player',
    closureReason: 'done',
    auditRef: `session.close:${sessionId}:x`,
  };
}

export function turn(turnId: string, text: string, over: Partial<Turn> = {}): Turn {
  return {
    turnId,
    sceneId: 'scene-1',
    actId: 'act-1',
    speaker: 'gm' as Speaker,
    text,
    timestamp: 1_700_000_000_000,
    metadata: {},
    ...over,
  };
}

export function sanitised(turns: Turn[], context: SessionContext = {}, changeFeed: ChangeFeedEntry[] = []): SanitisedTranscript {
  return sanitiseTranscript({ session: session(context), turns, changeFeed });
}

export function idSource(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}
