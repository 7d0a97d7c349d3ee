/**
 * A thing, not the place, is what a later "it" means: "Old Vell had the Ember Crown in Lowmarket.
 * The Tithe took it." / "The Masks sent a letter to Harrowgate. The Order took it as an insult."
 * The place there only locates the verb's object (or is where it was sent); the object is the
 * closer antecedent. A force or a people sent to a place ("sent its army to Lowmarket. By dusk
 * they held it") and a part of the place ("the gates at Lowmarket") leave "it" the place.
 */
import type { Token } from '../text/tokens.js';
import { IDIOM_OBJECTS, PLACE_PARTS, SIEGE_FORCES } from './change-vocabulary.js';
import { PLACE_NOUNS } from './place-references.js';
import { CLAUSE_PUNCT, EM_DASH, punctIn } from './token-gaps.js';

interface SpanHit {
  readonly startTok: number;
  readonly endTok: number;
  readonly entityType: string;
}

/** Prepositions that place or send an object at, in or towards a place (not "on", "against": "marched on Lowmarket"). */
const LOCATING = new Set(
  'in at to into from below beneath under near outside inside within beyond across toward towards behind'.split(' '),
);
/** Words that open the object's noun phrase. */
const OPENERS = new Set(['a', 'an', 'the', 'his', 'her', 'its', 'their', 'our', 'my', 'your', 'some', 'every']);
const INDEFINITE = new Set(['a', 'an']);
/** Heads that are people or forces: "sent its army / the militia / his men to Lowmarket" leaves "it" the place. */
const PEOPLE = new Set(
  'men women people folk army armies host fleet ships galleys troops soldiers force forces riders raiders knights warband warriors militia garrison guards guard watch defenders envoy envoys agents spies scouts companies company legion legions column columns vanguard band bands party detachment expedition regiment squadron cavalry infantry engines banners banner colours colors herald messenger emissary ambassador rider captain spy agent scout priest man woman boy girl'.split(
    ' ',
  ),
);
/**
 * Heads that are no thing one takes: a motion, a fight or an attention brought to the place
 * ("turned its eyes to Lowmarket", "carried the war to Harrowgate", "took the road to").
 */
const NO_THING = new Set(
  'war fight battle siege assault attack march advance eyes gaze sights attention mind thoughts hopes wrath fury fire flames torch sword steel blades weight strength power might way'.split(
    ' ',
  ),
);
/** Words before the object that are no verb: a preposition or a conjunction opens no object. */
const NOT_VERBS = new Set([...LOCATING, 'of', 'on', 'against', 'with', 'by', 'for', 'and', 'or', 'but', 'then', 'as']);

const gapAt = (text: string, tokens: Token[], k: number) =>
  punctIn(text, (tokens[k - 1] as Token).end, (tokens[k] as Token).start, CLAUSE_PUNCT | EM_DASH);

/**
 * The noun phrase from `from` to the preposition at `p` has a singular head (the word before its
 * "of", else its last word): "it" agrees in number ("brought its siege towers to Lowmarket. By
 * dusk they held it": the towers are no "it").
 */
function singularHead(tokens: Token[], from: number, p: number): boolean {
  let head = p - 1;
  for (let k = from; k < p; k++)
    if ((tokens[k] as Token).lower === 'of') {
      head = k - 1;
      break;
    }
  const w = (tokens[head] as Token | undefined)?.lower ?? '';
  return w.length > 0 && !(w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is'));
}

/** Is the token before `at` a lower-case verb-like word, in the same clause (so the phrase at `at` is an object)? */
function afterVerb(text: string, tokens: Token[], at: number): boolean {
  const v = tokens[at - 1];
  return v !== undefined && !v.cap && !NOT_VERBS.has(v.lower) && !gapAt(text, tokens, at);
}

/**
 * Does the sentence's last place (`place`, of `hits`) stand after a locating preposition whose
 * object is a thing: an artifact ("had the Ember Crown in Lowmarket") or a common noun that is no
 * person, force, place noun or part of a place ("sent a letter to Harrowgate", "hid a chest of silver in")?
 */
export function thingBesidePlace(text: string, tokens: Token[], hits: readonly SpanHit[], place: SpanHit): boolean {
  let p = place.startTok - 1;
  if (tokens[p]?.lower === 'the') p--;
  if (p < 2 || !LOCATING.has((tokens[p] as Token).lower) || gapAt(text, tokens, p + 1)) return false;
  return thingBefore(text, tokens, hits, p, 0);
}

/** The phrase before the locating preposition at `p` is the verb's object and a thing (see thingBesidePlace). */
function thingBefore(text: string, tokens: Token[], hits: readonly SpanHit[], p: number, depth: number): boolean {
  const artifact = hits.find((h) => h.endTok === p && h.entityType === 'artifact');
  if (artifact) {
    const o = OPENERS.has(tokens[artifact.startTok - 1]?.lower ?? '') ? artifact.startTok - 1 : artifact.startTok;
    return afterVerb(text, tokens, o);
  }
  const head = tokens[p - 1] as Token;
  if (head.cap || gapAt(text, tokens, p)) return false;
  // back over the noun phrase ("a chest of silver") to its opener, then the verb before it
  for (let k = p - 1; k >= 1 && k >= p - 5; k--) {
    const t = tokens[k] as Token;
    if (t.cap || (k < p - 1 && gapAt(text, tokens, k + 1))) return false;
    if (!OPENERS.has(t.lower)) continue;
    // "a pontoon bridge across the river below Lowmarket": a phrase that only locates the object before it
    const before = tokens[k - 1] as Token;
    if (depth === 0 && LOCATING.has(before.lower) && k >= 3 && !gapAt(text, tokens, k))
      return thingBefore(text, tokens, hits, k - 1, 1);
    if (
      PEOPLE.has(head.lower) ||
      NO_THING.has(head.lower) ||
      IDIOM_OBJECTS.has(head.lower) ||
      PLACE_PARTS.has(head.lower) ||
      PLACE_NOUNS.has(head.lower) ||
      SIEGE_FORCES.has(head.lower)
    )
      return false;
    // an indefinite object brings a new thing into the story ("sent a letter to", "hid a chest of
    // silver in"); a definite or possessive one is more often the faction's own ("its siege line")
    return INDEFINITE.has(t.lower) && singularHead(tokens, k + 1, p) && afterVerb(text, tokens, k);
  }
  return false;
}
