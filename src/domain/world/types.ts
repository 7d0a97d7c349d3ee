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
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}
