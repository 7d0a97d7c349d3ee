import type { DriverCapabilities, SqlFragments } from '../ports.js';

/** What SQLite offers the code above the store (see the port's `DriverCapabilities`). */
export const sqliteCapabilities: DriverCapabilities = {
  multipleProcesses: false,
  multipleConnections: false,
  inProcess: true,
  listenNotify: false,
  writableCtes: false,
  fullTextSearch: 'fts5',
};

export const sqliteFragments: SqlFragments = {
  // Writers are serialised by the single connection, so MAX()+1 cannot race.
  nextValue: (table, column) => `(SELECT COALESCE(MAX(${column}), 0) + 1 FROM ${table})`,
  // No row locks to skip: the single connection already serialises claims.
  skipLockedClause: '',
  // Every transaction already runs alone on the single connection.
  rowLockClause: '',
  jsonMember: (column, key) => `json_extract(${column}, '$.${key}')`,
  notifyExpression: null,
  // Transactions are serialised by the single connection: every one already holds "the" lock.
  transactionLock: null,
};
