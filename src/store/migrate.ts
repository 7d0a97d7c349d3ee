import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AfterwordError } from '../errors.js';
import { migrationsDir } from '../paths.js';
import type { SqlDriver } from './ports.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Numbered, zero-padded files (`0001_init.sql`), never renamed nor edited after release. */
export function loadMigrations(dialect: string, dir = migrationsDir(dialect)): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      sql: readFileSync(join(dir, file), 'utf8'),
    }));
}

const migrationsTable = 'afterword_migrations';

export interface MigrationReport {
  applied: string[];
  current: number;
}

/**
 * Apply every pending migration under the adapter's migration lock. Each migration inserts its
 * version row FIRST inside its own transaction, so a concurrent migrator fails on the primary
 * key and we treat that as "someone else migrated" (graphile-worker's approach).
 */
export async function migrate(driver: SqlDriver, migrations = loadMigrations(driver.dialect)): Promise<MigrationReport> {
  return driver.withMigrationLock(async () => {
    await driver.exec(
      `CREATE TABLE IF NOT EXISTS ${migrationsTable} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    const done = new Set(
      (await driver.query<{ version: number }>(`SELECT version FROM ${migrationsTable}`)).map((r) => Number(r.version)),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      try {
        await driver.transaction(async (tx) => {
          await tx.run(`INSERT INTO ${migrationsTable} (version, name, applied_at) VALUES (?, ?, ?)`, [
            migration.version,
            migration.name,
            Date.now(),
          ]);
          for (const statement of splitStatements(migration.sql)) await tx.run(statement);
        });
        applied.push(migration.name);
      } catch (error) {
        if (driver.isUniqueViolation(error)) continue;
        throw new AfterwordError('migration_failed', `migration ${migration.name} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const current = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    return { applied, current };
  });
}

export async function pendingMigrations(driver: SqlDriver, migrations = loadMigrations(driver.dialect)): Promise<string[]> {
  try {
    const rows = await driver.query<{ version: number }>(`SELECT version FROM ${migrationsTable}`);
    const done = new Set(rows.map((r) => Number(r.version)));
    return migrations.filter((m) => !done.has(m.version)).map((m) => m.name);
  } catch {
    return migrations.map((m) => m.name);
  }
}

/**
 * Split a migration script into statements on semicolons at line ends, outside `$$` blocks, so
 * each runs through the ordinary parameterless `run` inside the migration's transaction.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let inDollar = false;
  for (const line of sql.split('\n')) {
    const trimmed = line.trim();
    if (!inDollar && (trimmed.startsWith('--') || trimmed === '')) continue;
    current += line + '\n';
    const dollars = (line.match(/\$\$/g) ?? []).length;
    if (dollars % 2 === 1) inDollar = !inDollar;
    if (!inDollar && trimmed.endsWith(';')) {
      statements.push(current.trim().replace(/;$/, ''));
      current = '';
    }
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}
