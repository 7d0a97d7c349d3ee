import type { WorldDelta } from '../deltas/types.js';
import type { NewsCard, Urgency } from './types.js';

export const NEWS_TTL_MS = 90 * 24 * 60 * 60 * 1000;

/** `faction.prismwell-kite-guild` -> `Prismwell Kite Guild`, for ids we have no name for. */
export function humaniseId(id: string): string {
  const slug = id.includes('.') ? id.slice(id.indexOf('.') + 1) : id;
  return slug
    .split('-')
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join(' ');
}

function urgencyOf(d: WorldDelta): Urgency {
  if (d.capabilityRefs.some((c) => c.severity === 'critical' || c.severity === 'high' || !c.known)) return 'urgent';
  if (d.proposedChanges.some((c) => c.kind === 'control' || (c.kind === 'status' && c.to === 'devastated'))) return 'notable';
  return 'routine';
}

function describe(d: WorldDelta, name: (id: string | null) => string): { headline: string; lead: string } {
  const control = d.proposedChanges.find((c) => c.kind === 'control');
  const status = d.proposedChanges.find((c) => c.kind === 'status');
  if (control && control.kind === 'control') {
    const headline = control.to
      ? `${name(control.to)} takes ${d.canonicalName}`
      : `${name(control.from)} loses ${d.canonicalName}`;
    const from = control.from ? ` from ${name(control.from)}` : '';
    const lead = control.to
      ? `${d.canonicalName} passes to ${name(control.to)}${from}.`
      : `${d.canonicalName} no longer answers to ${name(control.from)}.`;
    return { headline, lead: status && status.kind === 'status' ? `${lead} It is now ${status.to}.` : lead };
  }
  if (status && status.kind === 'status')
    return {
      headline: `${d.canonicalName} is ${status.to}`,
      lead: `Reports from the field describe ${d.canonicalName} as ${status.to}.`,
    };
  if (d.deltaType === 'new-entity')
    return {
      headline: `New in the chronicle: ${d.canonicalName}`,
      lead: `A ${d.entityType} called ${d.canonicalName} entered the story.`,
    };
  return {
    headline: `${d.canonicalName}: the world's rules were tested`,
    lead: `A story touched ${d.canonicalName} with ${d.capabilityRefs.map((c) => c.capabilityId).join(', ')}.`,
  };
}

/** One news card per publishable delta (spec 7). Ids derive from the delta so re-planning is stable. */
export function renderNewsCard(d: WorldDelta, publishAt: number, version: number, names: Map<string, string>): NewsCard {
  const name = (id: string | null) => (id ? (names.get(id) ?? humaniseId(id)) : 'an unknown power');
  const { headline, lead } = describe(d, name);
  const factionTags = new Set<string>();
  if (d.entityType === 'faction') factionTags.add(d.entityId);
  for (const c of d.proposedChanges) if (c.kind === 'control') for (const f of [c.to, c.from]) if (f) factionTags.add(f);
  return {
    cardId: `news:${d.deltaId}`,
    deltaId: d.deltaId,
    entityId: d.entityId,
    headline,
    lead,
    factionTags: [...factionTags],
    urgency: urgencyOf(d),
    publishAt,
    expiresAt: publishAt + NEWS_TTL_MS,
    ariaSummary: ariaText(`${headline}. ${lead}`),
    version,
  };
}

const NOT_SPOKEN = /[^\p{L}\p{N}\p{P}\p{Zs}]/gu;
const WHITESPACE_RUN = /\s+/g;

/**
 * What a screen reader gets: letters, numbers, punctuation and single spaces. Nearly every
 * card is plain ASCII with nothing to drop, and the two regex passes over it (one with Unicode
 * property classes) cost more than the rest of the card: one test answers "unchanged" first,
 * and only text it cannot vouch for goes through the passes.
 */
export function ariaText(text: string): string {
  return mayChange(text) ? text.replace(NOT_SPOKEN, '').replace(WHITESPACE_RUN, ' ').trim() : text;
}

/**
 * Text the passes might change: a char other than the ASCII ones they keep (letters, digits,
 * space and the ASCII punctuation in \p{P}; `$+<=>^`|~` are \p{S}), two spaces, or a space at
 * either end. Regexes rather than a char-code loop: the card text is a concatenation, which the
 * regex engine flattens once and reads natively, while charCodeAt pays V8's string
 * representation checks per char (54 cards: 35 -> 27 us, micro-benchmark, best of 3000). One
 * character class and one literal, not one regex with alternatives, which loses the engine's
 * fast search for the class: 60 cards 11.6 -> 6.5 us (micro-benchmark, median of 20000).
 */
function mayChange(text: string): boolean {
  return (
    NOT_KEPT_ASCII.test(text) || TWO_SPACES.test(text) || text.charCodeAt(0) === 32 || text.charCodeAt(text.length - 1) === 32
  );
}
const NOT_KEPT_ASCII = /[^A-Za-z0-9 !"#%&'()*,\-./:;?@[\\\]_{}]/;
const TWO_SPACES = / {2}/;
