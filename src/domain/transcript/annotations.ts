import type { ValidationIssue } from '../errors.js';
import { isPlainObject, type Turn } from '../types.js';

/**
 * Precomputed entity annotations a game server may send on a turn (`metadata.entities`),
 * e.g. from its own NER (spaCy): `{name, type, span?: [start, end], entityId?}`. `span` is a
 * character range of the turn's text; `type` is one of the world's entity types or an NER
 * label (PERSON, ORG, NORP, GPE, LOC, FAC, WORK_OF_ART, PRODUCT). Extraction uses them as
 * mentions (`match.type: 'annotation'`) or new-entity candidates.
 */
export interface EntityAnnotation {
  name: string;
  type: string;
  span: [number, number] | null;
  entityId: string | null;
}

export const MAX_ANNOTATIONS_PER_TURN = 200;
const MAX_NAME = 200;

/** NER labels to the world's entity types. */
const NER_TYPES: Record<string, string> = {
  person: 'character',
  per: 'character',
  org: 'faction',
  norp: 'faction',
  gpe: 'settlement',
  loc: 'region',
  fac: 'settlement',
  work_of_art: 'artifact',
  product: 'artifact',
};
const WORLD_TYPES = new Set(['character', 'faction', 'region', 'settlement', 'artifact']);

/** The world entity type an annotation's `type` stands for (unknown labels are kept as given, lower-cased). */
export function annotationEntityType(type: string): string {
  const t = type.trim().toLowerCase();
  return WORLD_TYPES.has(t) ? t : (NER_TYPES[t] ?? t);
}

/** Every problem of `metadata.entities`, each naming its field (`turns[0].metadata.entities[1].span`). */
export function validateAnnotations(value: unknown, text: string, at: string): ValidationIssue[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [{ field: at, reason: 'must be an array of {name, type, span?, entityId?}' }];
  if (value.length > MAX_ANNOTATIONS_PER_TURN)
    return [{ field: at, reason: `must hold at most ${MAX_ANNOTATIONS_PER_TURN} entities` }];
  const issues: ValidationIssue[] = [];
  value.forEach((a, i) => {
    const f = (k: string) => `${at}[${i}]${k ? `.${k}` : ''}`;
    if (!isPlainObject(a)) {
      issues.push({ field: f(''), reason: 'must be an object' });
      return;
    }
    if (typeof a.name !== 'string' || a.name.trim() === '' || a.name.length > MAX_NAME)
      issues.push({ field: f('name'), reason: `must be a non-empty string of at most ${MAX_NAME} characters` });
    if (typeof a.type !== 'string' || a.type.trim() === '' || a.type.length > 64)
      issues.push({ field: f('type'), reason: 'must be a non-empty string (an entity type or an NER label)' });
    if (
      a.entityId !== undefined &&
      a.entityId !== null &&
      (typeof a.entityId !== 'string' || a.entityId.trim() === '' || a.entityId.length > MAX_NAME)
    )
      issues.push({ field: f('entityId'), reason: 'must be a non-empty string' });
    if (a.span !== undefined && a.span !== null) {
      const s = a.span;
      const ok =
        Array.isArray(s) &&
        s.length === 2 &&
        Number.isInteger(s[0]) &&
        Number.isInteger(s[1]) &&
        (s[0] as number) >= 0 &&
        (s[0] as number) < (s[1] as number) &&
        (s[1] as number) <= text.length;
      if (!ok)
        issues.push({
          field: f('span'),
          reason: `must be [start, end] with 0 <= start < end <= ${text.length} (the text's length)`,
        });
    }
  });
  return issues;
}

/** The turn's annotations, already validated at append time (anything else is ignored). */
export function readAnnotations(turn: Turn): EntityAnnotation[] {
  const raw = turn.metadata.entities;
  if (!Array.isArray(raw) || raw.length === 0) return [];
  if (validateAnnotations(raw, turn.text, 'entities').length > 0) return [];
  return raw.map((a: Record<string, unknown>) => ({
    name: (a.name as string).trim(),
    type: a.type as string,
    span: Array.isArray(a.span) ? [a.span[0] as number, a.span[1] as number] : null,
    entityId: typeof a.entityId === 'string' ? a.entityId : null,
  }));
}
