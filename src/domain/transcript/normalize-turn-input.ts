import { DomainValidationError, type ValidationIssue } from '../errors.js';
import { isPlainObject, type Speaker, type Turn } from '../types.js';
import { validateAnnotations } from './annotations.js';

/** turnId must be safe to use as a key, in a URL and in an audit reference. */
const TURN_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Speaker aliases. LLM transcripts often say `assistant` for the narrator and `user` for
 * the player; accepting them here keeps client code simple, and we store only the three
 * canonical speakers.
 */
const SPEAKER_ALIASES: Record<string, Speaker> = {
  gm: 'gm',
  narrator: 'gm',
  assistant: 'gm',
  player: 'player',
  user: 'player',
  system: 'system',
};

export type NormalizeTurnResult = { ok: true; turn: Turn } | { ok: false; issues: ValidationIssue[] };

function optionalId(v: unknown): string | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' && v.trim().length > 0) return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined; // present but unusable
}

function parseTimestamp(v: unknown, now: number): number | undefined {
  if (v === undefined || v === null) return now;
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.trunc(v) : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * Accepts the liberal transcript shapes of spec section 1 (`turnId`|`id`, `speaker`|`role`,
 * `text`|`content`, scene/act ids top-level or in metadata, ISO or epoch-ms timestamps) and
 * returns one canonical Turn, or every issue found. Empty text is accepted here on purpose:
 * sanitisation drops it, so one blank message never rejects a whole transcript.
 */
export function normalizeTurnInput(raw: unknown, index: number, now: number): NormalizeTurnResult {
  const at = (f: string) => `turns[${index}].${f}`;
  if (!isPlainObject(raw)) return { ok: false, issues: [{ field: `turns[${index}]`, reason: 'must be an object' }] };
  const issues: ValidationIssue[] = [];

  const rawId = raw.turnId ?? raw.id;
  const idField = raw.turnId !== undefined ? 'turnId' : 'id';
  let turnId = '';
  if (rawId === undefined || rawId === null) issues.push({ field: at('turnId'), reason: 'is required' });
  else if (typeof rawId !== 'string') issues.push({ field: at(idField), reason: 'must be a string' });
  else if (!TURN_ID_PATTERN.test(rawId)) issues.push({ field: at(idField), reason: 'must be 1..128 chars of [A-Za-z0-9._:-]' });
  else turnId = rawId;

  let metadata: Record<string, unknown> = {};
  if (raw.metadata !== undefined && raw.metadata !== null) {
    if (isPlainObject(raw.metadata)) metadata = { ...raw.metadata };
    else issues.push({ field: at('metadata'), reason: 'must be an object' });
  }

  const rawSpeaker = raw.speaker ?? raw.role;
  const speakerField = raw.speaker !== undefined ? 'speaker' : 'role';
  const speaker = typeof rawSpeaker === 'string' ? SPEAKER_ALIASES[rawSpeaker.trim().toLowerCase()] : undefined;
  if (rawSpeaker === undefined || rawSpeaker === null) issues.push({ field: at('speaker'), reason: 'is required' });
  else if (speaker === undefined) issues.push({ field: at(speakerField), reason: 'must be one of gm, player, system' });

  const rawText = raw.text !== undefined ? raw.text : raw.content;
  const textField = raw.text !== undefined ? 'text' : 'content';
  if (rawText === undefined || rawText === null) issues.push({ field: at('text'), reason: 'is required' });
  else if (typeof rawText !== 'string') issues.push({ field: at(textField), reason: 'must be a string' });

  if (typeof rawText === 'string') issues.push(...validateAnnotations(metadata.entities, rawText, at('metadata.entities')));

  const sceneId = optionalId(raw.sceneId ?? metadata.sceneId);
  if (sceneId === undefined) issues.push({ field: at('sceneId'), reason: 'must be a non-empty string' });
  const actId = optionalId(raw.actId ?? metadata.actId);
  if (actId === undefined) issues.push({ field: at('actId'), reason: 'must be a non-empty string' });

  const timestamp = parseTimestamp(raw.timestamp, now);
  if (timestamp === undefined)
    issues.push({ field: at('timestamp'), reason: 'must be an ISO date string or epoch milliseconds' });

  if (issues.length > 0 || speaker === undefined || typeof rawText !== 'string' || timestamp === undefined) {
    return { ok: false, issues };
  }
  return {
    ok: true,
    turn: { turnId, sceneId: sceneId ?? null, actId: actId ?? null, speaker, text: rawText, timestamp, metadata },
  };
}

/** Normalises a whole array, collecting every issue; convenience for callers and tests. */
export function normalizeTurns(raws: unknown[], now: number): { turns: Turn[]; issues: ValidationIssue[] } {
  const turns: Turn[] = [];
  const issues: ValidationIssue[] = [];
  raws.forEach((raw, i) => {
    const r = normalizeTurnInput(raw, i, now);
    if (r.ok) turns.push(r.turn);
    else issues.push(...r.issues);
  });
  return { turns, issues };
}

/** Like normalizeTurns, but all-or-nothing: throws `invalid_turn` listing every issue. */
export function parseTurns(raws: unknown, now: number): Turn[] {
  if (!Array.isArray(raws))
    throw new DomainValidationError('invalid_transcript', [{ field: 'turns', reason: 'must be an array' }]);
  const { turns, issues } = normalizeTurns(raws, now);
  if (issues.length > 0) throw new DomainValidationError('invalid_turn', issues);
  return turns;
}
