import type { Severity } from '../types.js';

export type EntityType = 'faction' | 'region' | 'character' | 'artifact' | 'settlement' | (string & {});
export type RegionStatus = 'stable' | 'threatened' | 'devastated';

export interface WorldEntityState {
  controlledBy?: string | null;
  status?: RegionStatus | (string & {});
  threats?: string[];
  relationships?: Array<{ type: string; target: string }>;
  [k: string]: unknown;
}

export interface WorldEntity {
  entityId: string;
  entityType: EntityType;
  canonicalName: string;
  aliases: string[];
  tags: string[];
  state: WorldEntityState;
}

export interface ProhibitedCapability {
  id: string;
  label: string;
  aliases: string[];
  severity: Severity;
}

export interface WorldFile {
  worldId: string;
  name: string;
  version?: string | number;
  entities: WorldEntity[];
  capabilities: ProhibitedCapability[];
}

/** `type.slug`, e.g. `faction.prismwell-kite-guild`; the prefix must equal entityType. */
export const ENTITY_ID_PATTERN = /^([a-z][a-z0-9]*)\.([a-z0-9]+(?:-[a-z0-9]+)*)$/;

export function slugify(name: string): string {
  return asciiSlug(name) ?? slugifyAny(name);
}

/**
 * slugifyAny for ASCII names, by one char-code scan: NFKD and the diacritic strip change
 * nothing there, and the three regex passes cost more than the rest of settling a new name
 * (extraction slugifies every distinct name it finds). null for non-ASCII input.
 */
function asciiSlug(name: string): string | null {
  let out = '';
  let dash = false;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 128) return null;
    if (c >= 65 && c <= 90) c += 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
      if (dash && out.length > 0) out += '-'; // a run of other characters between two kept ones
      dash = false;
      out += String.fromCharCode(c);
    } else dash = true;
  }
  return out.slice(0, 80);
}

function slugifyAny(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}
