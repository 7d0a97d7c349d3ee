import type { Token } from '../text/tokens.js';

/**
 * Story frames: what a song, a tale or a prophecy tells happens inside it, not in the session
 * ("Lowmarket is a ruin in the old song", "In the ballad the Corsairs burn Brackwater", "the song
 * goes, the Corsairs burned Lowmarket"). A sentence holding such a frame states no change.
 */

/** Nouns of a told story: "in the old song", "in the prophecy". */
const STORY_NOUNS = new Set([
  'song',
  'songs',
  'ballad',
  'ballads',
  'tale',
  'tales',
  'legend',
  'legends',
  'prophecy',
  'prophecies',
  'story',
  'stories',
  'lay',
  'epic',
  'saga',
  'fable',
  'play',
  'puppet-show',
]);

/**
 * "in the (old) song", "in the prophecy", "in the tale of", or "the song goes" / "the story goes"
 * anywhere in the sentence: true when the sentence tells a story's content.
 */
export function storyFramed(tokens: Token[]): boolean {
  for (let i = 0; i < tokens.length; i++) {
    const w = (tokens[i] as Token).lower;
    if (!STORY_NOUNS.has(w)) continue;
    if (tokens[i + 1]?.lower === 'goes' && tokens[i - 1]?.lower === 'the') return true;
    const a = tokens[i - 1]?.lower;
    const b = tokens[i - 2]?.lower;
    const c = tokens[i - 3]?.lower;
    if (a === 'the' && b === 'in') return true;
    if (b === 'the' && c === 'in') return true; // "in the old song"
  }
  return false;
}
