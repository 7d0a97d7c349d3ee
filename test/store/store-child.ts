/**
 * A child process for the store tests: opens the store named by its arguments
 * (`<dialect> <location> <schema> <command>`) and runs one command, printing a JSON line.
 * Commands: `migrate` (concurrent-migration test).
 */
import { fileURLToPath } from 'node:url';
import { migrate } from '../../src/store/migrate.js';
import type { SqlDriver } from '../../src/store/ports.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { SqliteDriver } from '../../src/store/sqlite/sqlite-driver.js';

export async function openChildDriver(dialect: string, location: string, schema: string): Promise<SqlDriver> {
  return dialect === 'sqlite' ? new SqliteDriver(location) : PostgresDriver.connect({ url: location, schema, poolSize: 4 });
}

async function main(): Promise<void> {
  const [dialect = '', location = '', schema = '', command = ''] = process.argv.slice(2);
  const driver = await openChildDriver(dialect, location, schema);
  try {
    if (command === 'migrate') {
      const report = await migrate(driver);
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      throw new Error(`unknown command ${command}`);
    }
  } finally {
    await driver.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
