import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Clock, IdSource } from '../clock.js';
import type { AfterwordConfig } from '../config.js';
import type { EventBus } from '../telemetry/event-bus.js';
import { dialectFor, type SqlDialect } from './dialect.js';
import { migrate, type MigrationReport } from './migrate.js';
import type { SqlDriver, TransactionOptions } from './ports.js';
import { SqliteDriver } from './sqlite/sqlite-driver.js';
import { TransactionRunner, type Tx } from './unit-of-work.js';

/** The store as the rest of Afterword sees it: a driver, its dialect, and units of work. */
export interface Store {
  readonly driver: SqlDriver;
  readonly dialect: SqlDialect;
  readonly runner: TransactionRunner;
  /** Where the store lives, for messages: a file path or a redacted URL. */
  readonly location: string;
  transact<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  bus: EventBus;
  clock: Clock;
  ids: IdSource;
  /** Identifies this process in the events it writes, so relays skip their own events. */
  origin: string;
  migrate?: boolean;
}

export function sqliteFile(dataDir: string): string {
  return join(resolve(dataDir), 'afterword.db');
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

async function openDriver(config: AfterwordConfig): Promise<{ driver: SqlDriver; location: string }> {
  if (config.databaseUrl) {
    const { PostgresDriver } = await import('./postgres/postgres-driver.js');
    return {
      driver: await PostgresDriver.connect({ url: config.databaseUrl, schema: config.pgSchema, poolSize: config.pgPoolSize }),
      location: `${redact(config.databaseUrl)} (schema ${config.pgSchema})`,
    };
  }
  mkdirSync(resolve(config.dataDir), { recursive: true });
  const file = sqliteFile(config.dataDir);
  return { driver: new SqliteDriver(file), location: file };
}

export async function openStore(
  config: AfterwordConfig,
  options: OpenStoreOptions,
): Promise<Store & { migration: MigrationReport | null }> {
  const { driver, location } = await openDriver(config);
  const migration = options.migrate === false ? null : await migrate(driver);
  return createStore(driver, location, options, migration);
}

export function createStore<M>(
  driver: SqlDriver,
  location: string,
  options: OpenStoreOptions,
  migration: M,
): Store & { migration: M } {
  const runner = new TransactionRunner(driver, options.bus, options.origin, options.clock, options.ids);
  return {
    driver,
    dialect: dialectFor(driver.dialect),
    runner,
    location,
    migration,
    transact: (fn, options) => runner.transact(fn, options),
    close: () => driver.close(),
  };
}
