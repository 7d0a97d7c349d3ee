import { z } from 'zod';
import { type ChangeFeedEntry, normalizeTurns, type SessionContext, type Turn, wellFormedDeep } from '../domain/index.js';
import { type FieldIssue, invalidInput } from '../errors.js';

/** Session ids appear in URLs, audit references and file names: keep them plain. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function validateSessionId(sessionId: unknown, field = 'sessionId'): string {
  if (typeof sessionId !== 'string' || !SESSION_ID_PATTERN.test(sessionId)) {
    throw invalidInput([
      {
        field,
        reason: 'must be 1-128 characters: letters, digits, and . _ : - (starting with a letter or digit)',
      },
    ]);
  }
  return sessionId;
}

const momentumSchema = z.object({
  current: z.number(),
  floor: z.number().default(0),
  ceiling: z.number().default(10),
  baseline: z.number().default(0),
  history: z.array(z.object({ at: z.number(), value: z.number(), reason: z.string().optional() })).default([]),
});

const titleMap = z.record(z.string(), z.string().max(500));

/** Session metadata, accepted either as `context: {...}` or as the same fields at top level. */
export const sessionContextSchema = z
  .object({
    character: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
    location: z.looseObject({ id: z.string().optional(), name: z.string().optional() }).optional(),
    momentum: momentumSchema.optional(),
    tags: z.array(z.string().max(100)).max(200).optional(),
    labels: z.array(z.string().max(100)).max(200).optional(),
    sceneTitles: titleMap.optional(),
    actTitles: titleMap.optional(),
    sceneTitle: z.string().max(500).optional(),
    actTitle: z.string().max(500).optional(),
  })
  .loose();

const severity = z.enum(['low', 'medium', 'high', 'critical']);

export const changeInputSchema = z.object({
  kind: z.string().min(1).max(100),
  payload: z.record(z.string(), z.unknown()).default({}),
  safetyFlags: z.array(z.string().max(100)).default([]),
  capabilityRefs: z.array(z.string().max(200)).default([]),
  severity: severity.optional(),
});

function zodIssues(error: z.ZodError, prefix: string): FieldIssue[] {
  return error.issues.map((i) => ({
    field: [prefix, ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '['),
    reason: i.message,
  }));
}

export function parseContext(raw: unknown, field = 'context'): SessionContext {
  // Well formed first (lone surrogates become U+FFFD, as the stores would store them).
  const parsed = sessionContextSchema.safeParse(wellFormedDeep(raw ?? {}));
  if (!parsed.success) throw invalidInput(zodIssues(parsed.error, field));
  const { labels, ...context } = parsed.data;
  // `labels` is the seed's word for tags; store one list.
  if (labels && !context.tags) context.tags = labels;
  // Ownership is the session's `owner`, set by the server from the caller's token, never by
  // metadata (it once was `context.owner`, which an import could set to any gm's name).
  delete (context as Record<string, unknown>).owner;
  return context as SessionContext;
}

export function parseChanges(raw: unknown, field = 'changeFeed'): Array<Omit<ChangeFeedEntry, 'cursor' | 'createdAt'>> {
  const parsed = z.array(changeInputSchema).safeParse(wellFormedDeep(raw ?? []));
  if (!parsed.success) throw invalidInput(zodIssues(parsed.error, field));
  return parsed.data.map((c) => ({ ...c, ...(c.severity ? { severity: c.severity } : {}) })) as never;
}

export interface TurnLimits {
  maxTurnTextChars: number;
}

/** Normalise the liberal transcript shapes (spec section 1) or fail naming every bad field. */
export function parseTurns(raw: unknown, now: number, limits: TurnLimits, field = 'turns'): Turn[] {
  if (!Array.isArray(raw)) throw invalidInput([{ field, reason: 'must be an array of turns' }]);
  // Well formed before anything compares them: a retried turn with a lone surrogate must match
  // the text the store kept (U+FFFD in its place) the first time, on either store.
  const { turns, issues } = normalizeTurns(wellFormedDeep(raw), now);
  const all: FieldIssue[] = issues.map((i) => ({ field: i.field.replace(/^turns/, field), reason: i.reason }));
  const seen = new Map<string, string>();
  turns.forEach((turn, index) => {
    if (turn.text.length > limits.maxTurnTextChars) {
      all.push({
        field: `${field}[${index}].text`,
        reason: `is ${turn.text.length} characters; the limit is ${limits.maxTurnTextChars}`,
      });
    }
    const previous = seen.get(turn.turnId);
    if (previous !== undefined && previous !== turn.text) {
      all.push({ field: `${field}[${index}].turnId`, reason: `duplicate turnId "${turn.turnId}" with different text` });
    }
    seen.set(turn.turnId, turn.text);
  });
  if (all.length > 0) throw invalidInput(all);
  return turns;
}
