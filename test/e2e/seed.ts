import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticSession } from '../../src/demo/index.js';
import type { WorldFile } from '../../src/domain/world/types.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

export async function demoWorld(): Promise<WorldFile> {
  return JSON.parse(await readFile(join(root, 'worlds', 'demo-world.json'), 'utf8')) as WorldFile;
}

/** A seeded session over the demo world: names entities, so closure proposes world deltas. */
export async function demoSession(sessionId: string, seed = 7, turns = 80) {
  return generateSyntheticSession({ seed, turns, sessionId, world: await demoWorld(), startAt: Date.UTC(2026, 0, 1) });
}
