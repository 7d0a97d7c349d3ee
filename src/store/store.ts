import { join, resolve } from 'node:path';
import type { Clock } from '../clock.js';
import type { AfterwordConfig } from '../config.js';
import { migrate, type MigrationReport } from './migrate.js';
import type { SqlDriver, SqlFragments, TransactionOptions } from './ports.js';
import { SqliteDriver } from './sqlite/sqlite-driver.js';
import { type StoreTx, TransactionRunner } from './transaction.js';

/**
 * The store as the rest of Afterword sees it: a driver, its SQL fragments, and units of work.
 * `X` is the transaction its units of work get: a plain `StoreTx`, or one extended by a layer
 * above (the telemetry outbox's `Tx`, which adds events and alerts).
 */
export interface Store<X extends StoreTx = StoreTx> {
  readonly driver: SqlDriver;
  readonly fragments: SqlFragments;
  readonly runner: TransactionRunner<X>;
  /** Where the store lives, for messages: a file path or a redacted URL. */
  readonly location: string;
  transact<T>(fn: (tx: X) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions<X extends StoreTx> {
  clock: Clock;
  /** What each unit of work's transaction becomes (e.g. telemetry's outbox transaction). */
  extend: (tx: StoreTx) => X;
}

export function sqliteFile(dataDir: string): string {
  return join(resolve(dataDir), 'afterword.db');
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Open the configured adapter: PostgreSQL when `databaseUrl` is set, else SQLite under `dataDir`. */
export async function openDriver(config: AfterwordConfig): Promise<{ driver: SqlDriver; location: string }> {
  if (config.databaseUrl) {
    const { PostgresDriver } = await import('./postgres/postgres-driver.js');
    return {
      driver: await PostgresDriver.connect({ url: config.databaseUrl, schema: config.pgSchema, poolSize: config.pgPoolSize }),
      location: `${redact(config.databaseUrl)} (schema ${config.pgSchema})`,
    };
  }
  const file = sqliteFile(config.dataDir);
  return { driver: new SqliteDriver(file), location: file };
}

/**
 * Open the configured driver, migrate it (unless told not to) and wrap it in a store. `options`
 * is given the driver (a layer extending transactions may need to know what it can do).
 */
export async function openStore<X extends StoreTx>(
  config: AfterwordConfig,
  options: (driver: SqlDriver) => StoreOptions<X> & { migrate?: boolean },
): Promise<Store<X> & { migration: MigrationReport | null }> {
  const { driver, location } = await openDriver(config);
  try {
    const resolved = options(driver);
    const migration = resolved.migrate === false ? null : await migrate(driver);
    return createStore(driver, location, resolved, migration);
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw error;
  }
}

export function createStore<X extends StoreTx, M>(
  driver: SqlDriver,
  location: string,
  options: StoreOptions<X>,
  migration: M,
): Store<X> & { migration: M } {
  const runner = new TransactionRunner(driver, options.clock, options.extend);
  return {
    driver,
    fragments: driver.fragments,
    runner,
    location,
    migration,
    transact: (fn, transactionOptions) => runner.transact(fn, transactionOptions),
    close: () => driver.close(),
  };
}

/** A store whose transactions are plain `StoreTx` (migrations, tools that emit nothing). */
export function plainStore(driver: SqlDriver, location: string, clock: Clock): Store {
  return createStore(driver, location, { clock, extend: (tx) => tx }, null);
}
