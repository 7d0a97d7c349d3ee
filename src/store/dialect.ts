import type { Dialect } from './ports.js';

/**
 * The handful of SQL fragments that differ between dialects. Everything else in the repositories
 * is portable SQL; keeping the differences here means a reader who knows one adapter knows both.
 */
export interface SqlDialect {
  readonly name: Dialect;
  /** Expression giving the next job sequence number inside an INSERT. */
  readonly nextJobSeq: string;
  /** Appended to the claim's inner SELECT: row locks skipped where the database supports it. */
  readonly claimLockClause: string;
}

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  // Writers are serialised by the single connection, so MAX()+1 cannot race.
  nextJobSeq: '(SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs)',
  claimLockClause: '',
};

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  nextJobSeq: "nextval('jobs_seq_seq')",
  claimLockClause: ' FOR UPDATE SKIP LOCKED',
};

export function dialectFor(name: Dialect): SqlDialect {
  return name === 'sqlite' ? sqliteDialect : postgresDialect;
}
