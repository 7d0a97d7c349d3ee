import {
  allDeltas,
  contestedEntities,
  countDeltas,
  type DeltaFilter,
  decisionsFor,
  deltaIdsMatching,
  getDelta,
  insertDecisions,
  listDeltas,
  moderationItemCounts,
  OPEN_STATUSES,
  type StoredDelta,
  setDeltasStatus,
  updateDeltaRecord,
} from '../canon/delta-store.js';
import { batchesOfJob } from '../canon/publishing-store.js';
import { getEntity } from '../canon/world-store.js';
import type { Clock, IdSource } from '../clock.js';
import {
  buildModerationQueue,
  DECISION_STATUS,
  type ModerationAction,
  type ModerationDecision,
  type ProposedChange,
  type WorldDelta,
} from '../domain/index.js';
import type { WorkflowEngine } from '../engine/workflow-engine.js';
import { AfterwordError, invalidInput } from '../errors.js';
import { getSession } from '../sessions/session-store.js';
import type { Store } from '../store/store.js';
import { resolveAlerts } from '../telemetry/alert-lifecycle.js';
import type { Tx } from '../telemetry/outbox.js';
import { reevaluateBatch } from '../workflow/batch-gate.js';
import { deltaCause } from '../workflow/moderation-causes.js';
import { publishingTopics } from '../workflow/publishing-topics.js';
import { decodeCursor, encodeCursor } from '../cursors.js';

const actions: readonly ModerationAction[] = ['approve', 'reject', 'rewrite', 'escalate'];
const reasons = [
  'low_confidence',
  'capability_violation',
  'unknown_capability',
  'conflict_detected',
  'hedged',
  'unattached_capability',
] as const;
const tiers = ['high', 'medium', 'low'] as const;
const statuses = ['pending', 'needs-review', 'approved', 'rejected', 'rewrite-requested', 'escalated'] as const;
/** What a bulk decision takes by default: deltas waiting for a moderator. */
const undecided = ['needs-review', 'escalated'] as const;

/** Deltas decided per transaction by a bulk decision (each chunk commits on its own). */
const bulkChunk = 500;

export interface DeltaListQuery {
  status?: string | undefined;
  sessionId?: string | undefined;
  entityId?: string | undefined;
  reason?: string | undefined;
  confidenceTier?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** A bulk decision's filter (every field optional; all given must match). */
export interface BulkFilter {
  sessionId?: string | undefined;
  entityId?: string | undefined;
  reason?: string | undefined;
  confidenceTier?: string | undefined;
  /** Only deltas at least this old (ms). */
  olderThanMs?: number | undefined;
  /** Default: `needs-review` and `escalated`. */
  status?: string | undefined;
}

export interface BulkRequest {
  decision: unknown;
  filter?: BulkFilter | undefined;
  dryRun?: boolean | undefined;
  note?: string | undefined;
  actor: string;
}

export interface ContestedDecision {
  action: unknown;
  /** `pick`: the proposal kept; `merge`: the proposal the merged values are written on (default the first). */
  deltaId?: string | undefined;
  /** `merge`: the value per field, each one some proposal's (or canon's). */
  values?: Record<string, unknown> | undefined;
  note?: string | undefined;
  actor: string;
}

function checkEnum(field: string, value: unknown, allowed: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value))
    throw invalidInput([{ field, reason: `must be one of ${allowed.join(', ')}` }]);
  return value;
}

function checkNote(note: unknown): string | undefined {
  if (note !== undefined && (typeof note !== 'string' || note.length > 2000)) {
    throw invalidInput([{ field: 'note', reason: 'must be a string of at most 2000 characters' }]);
  }
  return note as string | undefined;
}

/**
 * Moderation decisions on world deltas: one delta, a bulk decision by filter, or a contested
 * entity (competing proposals from several sessions) decided once. Every delta decided gets its
 * own audit row (`moderation_decisions`, with `via` naming the bulk or contested decision). A
 * decision that covers the last blocking delta of a batch turns it `ready` in the same
 * transaction (workflow/batch-gate.ts), without re-running the closure workflow, and resolves
 * the alerts whose cause it removed.
 */
export class ModerationService {
  constructor(private readonly deps: { store: Store<Tx>; engine: WorkflowEngine; ids: IdSource; clock: Clock }) {}

  /** Every delta matching the filters (internal callers and tests; the API pages with `page`). */
  list(query: DeltaListQuery = {}): Promise<StoredDelta[]> {
    const filter = this.filterOf(query);
    if (query.limit !== undefined) return listDeltas(this.deps.store.driver, { ...filter, limit: query.limit });
    return allDeltas(this.deps.store.driver, filter);
  }

  /** One page of deltas, newest first; pass `nextCursor` back as `cursor`. */
  async page(query: DeltaListQuery) {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 500);
    const after = decodeCursor('deltas', query.cursor);
    const items = await listDeltas(this.deps.store.driver, { ...this.filterOf(query), after, limit: limit + 1 });
    const more = items.length > limit;
    const page = more ? items.slice(0, limit) : items;
    const last = page[page.length - 1];
    return {
      items: page,
      nextCursor: more && last ? encodeCursor('deltas', { createdAt: last.createdAt, deltaId: last.deltaId }) : null,
    };
  }

  private filterOf(query: DeltaListQuery): DeltaFilter {
    return {
      status: checkEnum('status', query.status, statuses),
      sessionId: query.sessionId,
      entityId: query.entityId,
      reason: checkEnum('reason', query.reason, reasons),
      confidenceTier: checkEnum('confidenceTier', query.confidenceTier, tiers),
    };
  }

  async get(deltaId: string) {
    const delta = await getDelta(this.deps.store.driver, deltaId);
    if (!delta) throw new AfterwordError('delta_not_found', `delta ${deltaId} does not exist`);
    const decisions = await decisionsFor(this.deps.store.driver, [deltaId]);
    return { ...delta, decisions };
  }

  async decide(deltaId: string, input: { decision: unknown; actor: string; note?: string | undefined }) {
    const action = checkEnum('decision', input.decision, actions) as ModerationAction | undefined;
    if (!action) throw invalidInput([{ field: 'decision', reason: `must be one of ${actions.join(', ')}` }]);
    const note = checkNote(input.note);
    return this.deps.store.transact(async (tx) => {
      const delta = await getDelta(tx, deltaId);
      if (!delta) throw new AfterwordError('delta_not_found', `delta ${deltaId} does not exist`);
      if (delta.appliedAt) throw new AfterwordError('delta_already_decided', `delta ${deltaId} was already applied to canon`);
      const [decision] = await this.record(tx, [delta], action, input.actor, note, undefined);
      const batches = await this.reevaluate(tx, [delta.jobId]);
      return { delta: { ...delta, status: DECISION_STATUS[action] }, decision, batch: batches[0] ?? null };
    });
  }

  /**
   * A decision on every delta matching the filter. `dryRun` answers the preview (how many, a
   * sample) and writes nothing. The matching ids are read first, then decided in chunks of 500
   * per transaction (each re-checked inside it), so any count goes through and a second call
   * after an interruption decides the rest.
   */
  async bulk(input: BulkRequest) {
    const action = checkEnum('decision', input.decision, actions) as ModerationAction | undefined;
    if (!action) throw invalidInput([{ field: 'decision', reason: `must be one of ${actions.join(', ')}` }]);
    const note = checkNote(input.note);
    const filter = this.bulkFilterOf(input.filter ?? {});
    const db = this.deps.store.driver;
    const matched = await countDeltas(db, filter);
    if (input.dryRun) {
      const sample = await listDeltas(db, { ...filter, limit: 10 });
      return { dryRun: true, decision: action, matched, decided: 0, sample: sample.map(summaryOf) };
    }
    const bulkId = this.deps.ids.uuid();
    const ids = await deltaIdsMatching(db, filter, Number.MAX_SAFE_INTEGER);
    let decided = 0;
    let batchesReady = 0;
    for (let i = 0; i < ids.length; i += bulkChunk) {
      const chunk = ids.slice(i, i + bulkChunk);
      const result = await this.deps.store.transact(async (tx) => {
        // Re-read inside the transaction: only deltas that still match and are not applied.
        const deltas = await allDeltas(tx, { ...filter, deltaIds: chunk });
        if (deltas.length === 0) return { decided: 0, ready: 0 };
        await this.record(tx, deltas, action, input.actor, note, `bulk:${bulkId}`);
        const batches = await this.reevaluate(
          tx,
          deltas.map((d) => d.jobId),
        );
        return { decided: deltas.length, ready: batches.filter((b) => b.status === 'ready').length };
      });
      decided += result.decided;
      batchesReady += result.ready;
    }
    await this.deps.store.transact(async (tx) => {
      await publishingTopics.emit(tx, 'world.delta.bulkDecided', {
        bulkId,
        decision: action,
        actor: input.actor,
        matched,
        decided,
        filter: { ...filter },
      });
    });
    return { dryRun: false, bulkId, decision: action, matched, decided, batchesReady };
  }

  private bulkFilterOf(filter: BulkFilter): DeltaFilter {
    if (typeof filter !== 'object' || filter === null) throw invalidInput([{ field: 'filter', reason: 'must be an object' }]);
    const age = filter.olderThanMs;
    if (age !== undefined && (typeof age !== 'number' || !Number.isInteger(age) || age < 0)) {
      throw invalidInput([{ field: 'filter.olderThanMs', reason: 'must be a non-negative integer (ms)' }]);
    }
    for (const key of ['sessionId', 'entityId'] as const) {
      const v = filter[key];
      if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 200))
        throw invalidInput([{ field: `filter.${key}`, reason: 'must be a string of 1-200 characters' }]);
    }
    const status = checkEnum('filter.status', filter.status, ['pending', ...undecided]);
    return {
      status: status ?? [...undecided],
      sessionId: filter.sessionId,
      entityId: filter.entityId,
      reason: checkEnum('filter.reason', filter.reason, reasons),
      confidenceTier: checkEnum('filter.confidenceTier', filter.confidenceTier, tiers),
      createdBefore: age === undefined ? undefined : this.deps.clock.now() - age,
      unapplied: true,
    };
  }

  /** Contested entities, one moderation item each: the entity, its canon, each session's proposal with evidence. */
  async contested(query: { limit?: number | undefined; cursor?: string | undefined } = {}) {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
    const after = decodeCursor('contested', query.cursor)?.entityId;
    const rows = await contestedEntities(this.deps.store.driver, { limit: limit + 1, after });
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const items = [];
    for (const row of page) items.push(await this.contestedItem(this.deps.store.driver, row.entityId));
    const last = page[page.length - 1];
    return { items, nextCursor: more && last ? encodeCursor('contested', { entityId: last.entityId }) : null };
  }

  async contestedEntity(entityId: string) {
    const [row] = await contestedEntities(this.deps.store.driver, { limit: 1, entityId });
    if (!row) throw new AfterwordError('not_found', `entity ${entityId} is not contested (no competing open proposals)`);
    return this.contestedItem(this.deps.store.driver, entityId);
  }

  /** Moderation items before and after grouping (the dashboard's and the benchmark's figures). */
  counts() {
    return moderationItemCounts(this.deps.store.driver);
  }

  private async contestedItem(db: Tx | Store<Tx>['driver'], entityId: string) {
    const [canon, proposals] = await Promise.all([
      getEntity(db, entityId),
      allDeltas(db, { entityId, status: [...OPEN_STATUSES], unapplied: true }),
    ]);
    const fields = new Map<string, Map<string, number>>();
    for (const d of proposals) {
      for (const [field, value] of Object.entries(proposedValues(d))) {
        const tally = fields.get(field) ?? new Map<string, number>();
        const key = JSON.stringify(value);
        tally.set(key, (tally.get(key) ?? 0) + 1);
        fields.set(field, tally);
      }
    }
    return {
      entityId,
      canonicalName: proposals[0]?.canonicalName ?? canon?.canonicalName ?? entityId,
      canon: canon ?? null,
      sessions: new Set(proposals.map((d) => d.sessionId)).size,
      // Per field: each proposed value and how many proposals say it (the conflict, once per entity).
      fields: Object.fromEntries(
        [...fields].map(([field, tally]) => [
          field,
          [...tally].map(([value, count]) => ({ value: JSON.parse(value) as unknown, count })),
        ]),
      ),
      proposals: proposals.map((d) => ({
        deltaId: d.deltaId,
        sessionId: d.sessionId,
        status: d.status,
        deltaType: d.deltaType,
        after: d.after,
        values: proposedValues(d),
        confidence: d.confidence,
        reasons: d.safety.reasons,
        evidence: d.source.map((s) => s.sentence),
        createdAt: d.createdAt,
      })),
    };
  }

  /**
   * Decide a contested entity once: `pick` approves one proposal and rejects the others; `merge`
   * writes the chosen value per field on one proposal, approves it and rejects the others;
   * `reject` rejects them all (canon stays as it is).
   */
  async decideContested(entityId: string, input: ContestedDecision) {
    const action = checkEnum('action', input.action, ['pick', 'merge', 'reject']);
    if (!action) throw invalidInput([{ field: 'action', reason: 'must be one of pick, merge, reject' }]);
    const note = checkNote(input.note);
    return this.deps.store.transact(async (tx) => {
      const proposals = await allDeltas(tx, { entityId, status: [...OPEN_STATUSES], unapplied: true });
      if (new Set(proposals.map((d) => d.sessionId)).size < 2)
        throw new AfterwordError('not_found', `entity ${entityId} is not contested (no competing open proposals)`);
      const via = `contested:${entityId}`;
      let kept: StoredDelta | undefined;
      if (action !== 'reject') {
        const wanted = input.deltaId ?? (action === 'merge' ? proposals[0]?.deltaId : undefined);
        kept = proposals.find((d) => d.deltaId === wanted);
        if (!kept) throw invalidInput([{ field: 'deltaId', reason: `must be one of the entity's open proposals (${entityId})` }]);
        if (action === 'merge') {
          const merged = mergeProposal(kept, proposals, input.values);
          await updateDeltaRecord(tx, merged, tx.now);
          kept = { ...kept, ...merged };
        }
        await this.record(tx, [kept], 'approve', input.actor, note, via);
      }
      const rest = proposals.filter((d) => d.deltaId !== kept?.deltaId);
      await this.record(tx, rest, 'reject', input.actor, note, via);
      const batches = await this.reevaluate(
        tx,
        proposals.map((d) => d.jobId),
      );
      await publishingTopics.emit(tx, 'world.entity.contestDecided', {
        entityId,
        action,
        actor: input.actor,
        keptDeltaId: kept?.deltaId ?? null,
        rejected: rest.length,
      });
      return {
        entityId,
        action,
        kept: kept ? { deltaId: kept.deltaId, sessionId: kept.sessionId, values: proposedValues(kept) } : null,
        rejected: rest.map((d) => d.deltaId),
        batches: batches.map((b) => ({ batchId: b.batchId, status: b.status })),
      };
    });
  }

  /** Write the decisions (one audit row each), set the statuses, announce, resolve the deltas' own alerts. */
  private async record(
    tx: Tx,
    deltas: readonly StoredDelta[],
    action: ModerationAction,
    actor: string,
    note: string | undefined,
    via: string | undefined,
  ): Promise<ModerationDecision[]> {
    if (deltas.length === 0) return [];
    const decisions = deltas.map((d) => ({
      id: this.deps.ids.uuid(),
      deltaId: d.deltaId,
      decision: action,
      actor,
      decidedAt: tx.now,
      ...(note ? { note } : {}),
      ...(via ? { via } : {}),
    }));
    await insertDecisions(tx, decisions);
    const status = DECISION_STATUS[action];
    await setDeltasStatus(
      tx,
      deltas.map((d) => d.deltaId),
      status,
      tx.now,
    );
    for (const [i, d] of deltas.entries()) {
      const { id: _id, ...decision } = decisions[i] as (typeof decisions)[number];
      await publishingTopics.emit(tx, 'world.delta.decided', { ...decision, sessionId: d.sessionId, status });
    }
    if (action !== 'escalate') {
      await resolveAlerts(
        tx,
        deltas.map((d) => deltaCause(d.deltaId)),
        'delta_decided',
      );
    }
    return decisions.map(({ id: _id, ...d }) => d);
  }

  /** Re-evaluate the gates of these closure jobs' batches (and carry batches); the batches after. */
  private async reevaluate(tx: Tx, jobIds: readonly string[]) {
    const out = [];
    for (const jobId of new Set(jobIds)) {
      for (const batch of await batchesOfJob(tx, jobId)) {
        if (batch.status !== 'awaiting_moderation') continue;
        out.push(await reevaluateBatch(tx, this.deps.engine, batch));
      }
    }
    return out;
  }

  /** The session's moderation queue: countdown to the window's end, reasons, conflicts. */
  async queue(sessionId: string, now: number) {
    const session = await getSession(this.deps.store.driver, sessionId);
    if (!session) throw new AfterwordError('session_not_found', `session ${sessionId} does not exist`);
    if (!session.cadence) return { sessionId, items: [], pending: 0 };
    const deltas = await allDeltas(this.deps.store.driver, { sessionId });
    const decisions = await decisionsFor(
      this.deps.store.driver,
      deltas.map((d) => d.deltaId),
    );
    return buildModerationQueue(deltas, decisions, session.cadence, now);
  }
}

function summaryOf(d: StoredDelta) {
  return {
    deltaId: d.deltaId,
    sessionId: d.sessionId,
    entityId: d.entityId,
    canonicalName: d.canonicalName,
    status: d.status,
    confidence: d.confidence,
    reasons: d.safety.reasons,
  };
}

/** The field values a proposal would write (a new entity's state, else its `after`). */
function proposedValues(d: WorldDelta): Record<string, unknown> {
  if (d.deltaType === 'new-entity') {
    const state = d.after.state;
    return typeof state === 'object' && state !== null ? (state as Record<string, unknown>) : {};
  }
  return d.after;
}

/** `base` with the chosen value per field; each value must be one some proposal makes. */
function mergeProposal(base: StoredDelta, proposals: readonly StoredDelta[], values: unknown): WorldDelta {
  if (typeof values !== 'object' || values === null || Array.isArray(values) || Object.keys(values).length === 0) {
    throw invalidInput([{ field: 'values', reason: 'merge needs the value per field, e.g. {"controlledBy": "faction.x"}' }]);
  }
  const merged: Record<string, unknown> = { ...proposedValues(base) };
  const changes: ProposedChange[] = [];
  for (const [field, value] of Object.entries(values as Record<string, unknown>)) {
    const offered = proposals.some(
      (p) => field in proposedValues(p) && JSON.stringify(proposedValues(p)[field]) === JSON.stringify(value),
    );
    if (!offered) throw invalidInput([{ field: `values.${field}`, reason: 'must be a value one of the proposals makes' }]);
    merged[field] = value;
  }
  for (const [field, value] of Object.entries(merged)) {
    if (field === 'controlledBy')
      changes.push({ kind: 'control', field: 'controlledBy', to: (value as string | null) ?? null, from: null, verb: 'merged' });
    else if (field === 'status') changes.push({ kind: 'status', field: 'status', to: value as never, cue: 'merged' });
  }
  const after = base.deltaType === 'new-entity' ? { ...base.after, state: merged } : merged;
  const { appliedAt: _a, jobId: _j, ...record } = base;
  return { ...record, after, proposedChanges: changes };
}
