import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import type { SqlDriver } from '../../src/store/ports.js';
import { forEachStore } from '../support/harness.js';

/**
 * Migrating an empty database must produce exactly the committed schema snapshot, so an
 * unintended schema change (an edited migration, a new one nobody meant) fails CI. After an
 * intended change, regenerate with `UPDATE_SCHEMA_SNAPSHOT=1` and commit the snapshot diff.
 */
const snapshotDir = join(packageRoot, 'test', 'store', 'snapshots');

async function sqliteSchema(driver: SqlDriver): Promise<string[]> {
  const rows = await driver.query<{ type: string; name: string; sql: string | null }>(
    "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
  );
  return rows.map((r) => `${r.type} ${r.name}: ${(r.sql ?? '').replace(/\s+/g, ' ').trim()}`);
}

async function postgresSchema(driver: SqlDriver, schema: string): Promise<string[]> {
  const columns = await driver.query<Record<string, string>>(
    `SELECT table_name, column_name, data_type, is_nullable, COALESCE(column_default, '') AS dflt, COALESCE(generation_expression, '') AS gen
     FROM information_schema.columns WHERE table_schema = ? ORDER BY table_name, ordinal_position`,
    [schema],
  );
  const indexes = await driver.query<Record<string, string>>(
    'SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = ? ORDER BY indexname',
    [schema],
  );
  const constraints = await driver.query<Record<string, string>>(
    `SELECT c.conrelid::regclass::text AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def
     FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = ? ORDER BY 1, 2`,
    [schema],
  );
  const sequences = await driver.query<Record<string, string>>(
    'SELECT sequence_name, data_type FROM information_schema.sequences WHERE sequence_schema = ? ORDER BY 1',
    [schema],
  );
  return [
    ...columns.map(
      (c) =>
        `column ${c.table_name}.${c.column_name}: ${c.data_type}${c.is_nullable === 'NO' ? ' NOT NULL' : ''}${c.dflt ? ` DEFAULT ${c.dflt}` : ''}${c.gen ? ` GENERATED ${c.gen}` : ''}`,
    ),
    ...indexes.map((i) => `index ${i.indexname}: ${i.indexdef}`),
    ...constraints.map((c) => `constraint ${c.tbl}.${c.conname}: ${c.def}`),
    ...sequences.map((s) => `sequence ${s.sequence_name}: ${s.data_type}`),
  ].map((line) => line.split(`${schema}.`).join(''));
}

forEachStore('schema snapshot', (suite) => {
  suite.test('a freshly migrated database matches the committed schema snapshot', async (ctx) => {
    const lines =
      ctx.dialect === 'sqlite' ? await sqliteSchema(ctx.store.driver) : await postgresSchema(ctx.store.driver, ctx.childArgs[2]);
    const actual = `${lines.join('\n')}\n`;
    const file = join(snapshotDir, `${ctx.dialect}-schema.txt`);
    if (process.env.UPDATE_SCHEMA_SNAPSHOT === '1' || !existsSync(file)) {
      mkdirSync(snapshotDir, { recursive: true });
      writeFileSync(file, actual);
      if (process.env.UPDATE_SCHEMA_SNAPSHOT !== '1') assert.fail(`no snapshot existed; wrote ${file}: review and commit it`);
      return;
    }
    assert.equal(
      actual,
      readFileSync(file, 'utf8'),
      `schema differs from ${file}; if intended, rerun with UPDATE_SCHEMA_SNAPSHOT=1`,
    );
  });
});
