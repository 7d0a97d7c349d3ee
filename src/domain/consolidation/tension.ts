import type { Turn } from '../types.js';
import type { TensionLevel } from './types.js';

export const TENSION_VALUE: Readonly<Record<TensionLevel, number>> = { calm: 1, steady: 2, rising: 3, crisis: 4 };

/** A turn's tension value; a GM turn without one counts as steady, other turns do not count. */
export function turnTension(turn: Turn): number | null {
  const t = turn.metadata.tension;
  if (typeof t === 'string' && t in TENSION_VALUE) return TENSION_VALUE[t as TensionLevel];
  return turn.speaker === 'gm' ? TENSION_VALUE.steady : null;
}

export function tensionLevel(mean: number | null): TensionLevel {
  if (mean === null) return 'calm';
  if (mean >= 3.5) return 'crisis';
  if (mean >= 2.5) return 'rising';
  if (mean >= 1.75) return 'steady';
  return 'calm';
}

/** Mean tension of a scene and the turns at rising or above (spikes). */
export function sceneTension(turns: Turn[]): { level: TensionLevel; mean: number | null; spikes: string[] } {
  let sum = 0;
  let n = 0;
  const spikes: string[] = [];
  for (const t of turns) {
    const v = turnTension(t);
    if (v === null) continue;
    sum += v;
    n += 1;
    if (v >= TENSION_VALUE.rising) spikes.push(t.turnId);
  }
  const mean = n === 0 ? null : Math.round((sum / n) * 100) / 100;
  return { level: tensionLevel(mean), mean, spikes };
}
