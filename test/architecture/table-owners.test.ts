import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { readSources } from './source-graph.js';

/**
 * Every table has one owning module, and nothing else names it in SQL (docs/architecture.md):
 * the engine's SQL for jobs, steps, attempts and workers, a repository per aggregate, the
 * telemetry stores for events and alerts. A rule lives where its table lives.
 */
const owners: Record<string, readonly string[]> = {
  'engine/sql/': ['jobs', 'job_steps', 'job_attempts', 'workers'],
  'telemetry/event-store.ts': ['events'],
  'telemetry/alert-store.ts': ['alerts'],
  'sessions/session-store.ts': ['sessions', 'turns', 'session_changes'],
  'canon/summary-store.ts': ['story_summaries', 'entity_mentions'],
  'canon/world-store.ts': ['world_meta', 'world_entities', 'world_entity_changes'],
  'canon/delta-store.ts': ['world_deltas', 'moderation_decisions'],
  'canon/publishing-store.ts': ['publishing_batches', 'schedule_overrides', 'lore_documents'],
  'canon/search-index.ts': ['lore_search', 'lore_index_entries'],
  'delivery/webhook-endpoint-store.ts': ['webhook_endpoints'],
  'delivery/webhook-delivery-store.ts': ['webhook_deliveries', 'webhook_attempts', 'webhook_dispatch'],
  'store/migrate.ts': ['afterword_migrations'],
  'temporal/temporal-outbox-store.ts': ['temporal_outbox'],
};

const ownerOf = new Map(Object.entries(owners).flatMap(([owner, tables]) => tables.map((t) => [t, owner] as const)));

/** Tables the migrations leave in the schema (created and not dropped), in either dialect. */
function migratedTables(): Set<string> {
  const tables = new Set<string>(['afterword_migrations']);
  for (const dialect of ['sqlite', 'postgres']) {
    const dir = join(packageRoot, 'migrations', dialect);
    for (const file of readdirSync(dir).sort()) {
      const sql = readFileSync(join(dir, file), 'utf8');
      for (const m of sql.matchAll(/\b(CREATE (?:VIRTUAL )?TABLE|DROP TABLE)\s+(?:IF (?:NOT )?EXISTS\s+)?(\w+)/g)) {
        if ((m[1] as string).startsWith('DROP')) tables.delete(m[2] as string);
        else tables.add(m[2] as string);
      }
    }
  }
  return tables;
}

/** Where a source names `table` in SQL: after FROM/INTO/UPDATE/JOIN/TABLE, or as insertRows' table argument. */
function namesTable(text: string, table: string): boolean {
  const sql = new RegExp(`\\b(FROM|INTO|UPDATE|JOIN|TABLE|EXISTS)\\s+${table}\\b`, 'i');
  const helper = new RegExp(`insertRows\\([^,]+,\\s*'${table}'`);
  return sql.test(text) || helper.test(text);
}

describe('architecture: one owner per table', () => {
  const files = readSources();
  const tables = migratedTables();

  test('every table in the schema has an owner', () => {
    assert.deepEqual(
      [...tables].filter((t) => !ownerOf.has(t)),
      [],
    );
    assert.deepEqual(
      [...ownerOf.keys()].filter((t) => !tables.has(t)),
      [],
      'no owner is declared for a table that does not exist',
    );
  });

  test('only its owner names a table in SQL', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const table of tables) {
        const owner = ownerOf.get(table) as string;
        if (file.path.startsWith(owner)) continue;
        if (namesTable(file.text, table)) problems.push(`${file.path} names ${table} (owned by ${owner})`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('the check sees a table named outside its owner (it can fail)', () => {
    assert.ok(namesTable("await tx.run('UPDATE jobs SET run_at = ? WHERE id = ?')", 'jobs'));
    assert.ok(namesTable("insertRows(db, 'events', columns, rows)", 'events'));
    assert.ok(!namesTable('const jobs = await engine.listJobs(query)', 'jobs'));
  });
});
