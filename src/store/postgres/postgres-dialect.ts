import type { DriverCapabilities, SqlFragments } from '../ports.js';

/** What PostgreSQL offers the code above the store (see the port's `DriverCapabilities`). */
export const postgresCapabilities: DriverCapabilities = {
  multipleProcesses: true,
  multipleConnections: true,
  inProcess: false,
  listenNotify: true,
  writableCtes: true,
  fullTextSearch: 'tsvector',
};

export const postgresFragments: SqlFragments = {
  // Every increasing integer column is fed by its own sequence, named `<table>_<column>_seq`
  // (BIGSERIAL's convention, followed by the migrations for the ones they create by hand).
  nextValue: (table, column) => `nextval('${table}_${column}_seq')`,
  skipLockedClause: ' FOR UPDATE SKIP LOCKED',
  rowLockClause: ' FOR UPDATE',
  jsonMember: (column, key) => `${column} -> '${key}'`,
  notifyExpression: "pg_notify(?, '')",
  // An advisory lock per schema and name (hashtext turns them into the lock's integer key), so
  // installations sharing a database never wait for each other; released at COMMIT or ROLLBACK.
  transactionLock: "pg_advisory_xact_lock(hashtext(current_schema() || ':' || ?))",
};
