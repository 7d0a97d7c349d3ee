import { isPlainObject } from '../types.js';

/** Readers for loosely typed turn metadata: tolerate a string where a list is expected. */
export function strList(v: unknown): string[] {
  if (typeof v === 'string') return v.trim() ? [v.trim()] : [];
  if (!Array.isArray(v)) return [];
  return v
    .map((x) => (typeof x === 'string' ? x.trim() : isPlainObject(x) && typeof x.label === 'string' ? x.label.trim() : ''))
    .filter((x) => x !== '');
}

export function dedupe(list: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of list) {
    const k = s.toLowerCase().replace(/\s+/g, ' ');
    if (!seen.has(k)) {
      seen.add(k);
      out.push(s);
    }
  }
  return out;
}

export function clamp(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** Momentum shift carried by a turn: `momentumShift`, `check.momentumShift` or `check.momentum`. */
export function momentumShift(meta: Record<string, unknown>): number | null {
  if (typeof meta.momentumShift === 'number' && Number.isFinite(meta.momentumShift)) return meta.momentumShift;
  const check = meta.check;
  if (isPlainObject(check)) {
    if (typeof check.momentumShift === 'number' && Number.isFinite(check.momentumShift)) return check.momentumShift;
    if (typeof check.momentum === 'number' && Number.isFinite(check.momentum)) return check.momentum;
  }
  return null;
}
