import { DomainValidationError, type ValidationIssue } from '../errors.js';
import { wellFormedDeep } from '../transcript/clean-text.js';
import { isPlainObject, isSeverity } from '../types.js';
import { ENTITY_ID_PATTERN, type ProhibitedCapability, type WorldEntity, type WorldFile } from './types.js';

function strings(v: unknown, field: string, issues: ValidationIssue[]): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    issues.push({ field, reason: 'must be an array of strings' });
    return [];
  }
  const out: string[] = [];
  v.forEach((s, i) => {
    if (typeof s === 'string' && s.trim() !== '') out.push(s.trim());
    else issues.push({ field: `${field}[${i}]`, reason: 'must be a non-empty string' });
  });
  return out;
}

function nonEmpty(v: unknown, field: string, issues: ValidationIssue[]): string {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  issues.push({ field, reason: 'must be a non-empty string' });
  return '';
}

function parseEntity(raw: unknown, i: number, issues: ValidationIssue[]): WorldEntity | null {
  const at = `entities[${i}]`;
  if (!isPlainObject(raw)) {
    issues.push({ field: at, reason: 'must be an object' });
    return null;
  }
  const entityId = nonEmpty(raw.entityId, `${at}.entityId`, issues);
  const entityType = nonEmpty(raw.entityType, `${at}.entityType`, issues);
  const m = ENTITY_ID_PATTERN.exec(entityId);
  if (entityId && !m) issues.push({ field: `${at}.entityId`, reason: 'must look like type.slug (e.g. region.kyther-range)' });
  else if (m && entityType && m[1] !== entityType)
    issues.push({ field: `${at}.entityId`, reason: `prefix must equal entityType "${entityType}"` });
  const canonicalName = nonEmpty(raw.canonicalName, `${at}.canonicalName`, issues);
  const aliases = strings(raw.aliases, `${at}.aliases`, issues);
  const tags = strings(raw.tags, `${at}.tags`, issues);
  let state: WorldEntity['state'] = {};
  if (raw.state !== undefined) {
    if (!isPlainObject(raw.state)) issues.push({ field: `${at}.state`, reason: 'must be an object' });
    else state = { ...raw.state };
  }
  if (state.controlledBy !== undefined && state.controlledBy !== null && typeof state.controlledBy !== 'string') {
    issues.push({ field: `${at}.state.controlledBy`, reason: 'must be an entity id or null' });
  }
  if (state.status !== undefined && typeof state.status !== 'string')
    issues.push({ field: `${at}.state.status`, reason: 'must be a string' });
  if (state.threats !== undefined) state.threats = strings(state.threats, `${at}.state.threats`, issues);
  if (state.relationships !== undefined) {
    if (!Array.isArray(state.relationships)) issues.push({ field: `${at}.state.relationships`, reason: 'must be an array' });
    else
      state.relationships.forEach((r, j) => {
        if (!isPlainObject(r) || typeof r.type !== 'string' || typeof r.target !== 'string') {
          issues.push({ field: `${at}.state.relationships[${j}]`, reason: 'must be {type, target}' });
        }
      });
  }
  return { entityId, entityType, canonicalName, aliases, tags, state };
}

function parseCapability(raw: unknown, i: number, issues: ValidationIssue[]): ProhibitedCapability | null {
  const at = `capabilities[${i}]`;
  if (!isPlainObject(raw)) {
    issues.push({ field: at, reason: 'must be an object' });
    return null;
  }
  const id = nonEmpty(raw.id, `${at}.id`, issues);
  const m = ENTITY_ID_PATTERN.exec(id);
  if (id && m?.[1] !== 'capability') issues.push({ field: `${at}.id`, reason: 'must look like capability.slug' });
  const label = nonEmpty(raw.label, `${at}.label`, issues);
  const aliases = strings(raw.aliases, `${at}.aliases`, issues);
  if (!isSeverity(raw.severity)) issues.push({ field: `${at}.severity`, reason: 'must be one of low, medium, high, critical' });
  return { id, label, aliases, severity: isSeverity(raw.severity) ? raw.severity : 'high' };
}

/** Reference checks run after every entity is read, so forward references are fine. */
function checkReferences(entities: WorldEntity[], issues: ValidationIssue[]): void {
  const ids = new Set<string>();
  entities.forEach((e, i) => {
    if (ids.has(e.entityId)) issues.push({ field: `entities[${i}].entityId`, reason: `duplicate id "${e.entityId}"` });
    ids.add(e.entityId);
  });
  entities.forEach((e, i) => {
    const at = `entities[${i}].state`;
    const owner = e.state.controlledBy;
    if (typeof owner === 'string' && !ids.has(owner))
      issues.push({ field: `${at}.controlledBy`, reason: `unknown entity "${owner}"` });
    (e.state.threats ?? []).forEach((t, j) => {
      if (!ids.has(t)) issues.push({ field: `${at}.threats[${j}]`, reason: `unknown entity "${t}"` });
    });
    (Array.isArray(e.state.relationships) ? e.state.relationships : []).forEach((r, j) => {
      if (isPlainObject(r) && typeof r.target === 'string' && !ids.has(r.target)) {
        issues.push({ field: `${at}.relationships[${j}].target`, reason: `unknown entity "${r.target}"` });
      }
    });
  });
}

/**
 * Validates an operator-owned world file. Every problem is reported at once with the
 * offending entry's path (`entities[4].state.controlledBy`), because these files are edited
 * by hand and a fix-one-rerun loop is miserable.
 */
export function parseWorldFile(input: unknown): WorldFile {
  // Well formed first (lone surrogates become U+FFFD), so both stores keep the same text.
  const json = wellFormedDeep(input);
  const issues: ValidationIssue[] = [];
  if (!isPlainObject(json)) throw new DomainValidationError('invalid_world_file', [{ field: '$', reason: 'must be an object' }]);
  const worldId = nonEmpty(json.worldId, 'worldId', issues);
  const name = nonEmpty(json.name, 'name', issues);
  if (!Array.isArray(json.entities)) issues.push({ field: 'entities', reason: 'must be an array' });
  if (json.capabilities !== undefined && !Array.isArray(json.capabilities))
    issues.push({ field: 'capabilities', reason: 'must be an array' });
  const entities = (Array.isArray(json.entities) ? json.entities : [])
    .map((e, i) => parseEntity(e, i, issues))
    .filter((e): e is WorldEntity => e !== null);
  const capabilities = (Array.isArray(json.capabilities) ? json.capabilities : [])
    .map((c, i) => parseCapability(c, i, issues))
    .filter((c): c is ProhibitedCapability => c !== null);
  const capIds = new Set<string>();
  capabilities.forEach((c, i) => {
    if (capIds.has(c.id)) issues.push({ field: `capabilities[${i}].id`, reason: `duplicate id "${c.id}"` });
    capIds.add(c.id);
  });
  checkReferences(entities, issues);
  if (issues.length > 0) throw new DomainValidationError('invalid_world_file', issues);
  const world: WorldFile = { worldId, name, entities, capabilities };
  if (typeof json.version === 'string' || typeof json.version === 'number') world.version = json.version;
  return world;
}
