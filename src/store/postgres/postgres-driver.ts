import pg from 'pg';
import { AfterwordError } from '../../errors.js';
import type { Row, RunResult, SqlDriver, SqlExecutor, TransactionOptions } from '../ports.js';
import { postgresCapabilities, postgresFragments } from './postgres-dialect.js';
import { isUniqueViolation, translateError } from './postgres-errors.js';
import { acquirePostgresWorkLock, advisoryLockKey } from './postgres-locks.js';
import { NotificationListener, quoteIdent } from './postgres-notifications.js';
import { execute, executorFor, types } from './postgres-statements.js';

export interface PostgresOptions {
  url: string;
  /** Every table lives in this schema; created if missing and put on each connection's search_path. */
  schema: string;
  poolSize: number;
}

/** A string literal for statements that cannot take parameters (NOTIFY, SET). */
function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `; SET LOCAL name = 'value'` for each setting; names must be plain identifiers (they come from code, never input). */
function localSettingsSql(settings: Readonly<Record<string, string>> | undefined): string {
  if (!settings) return '';
  return Object.entries(settings)
    .map(([name, value]) => {
      if (!/^[a-z_][a-z0-9_.]*$/.test(name)) throw new AfterwordError('internal', `not a setting name: ${name}`);
      return `; SET LOCAL ${name} = ${quoteLiteral(value)}`;
    })
    .join('');
}

/**
 * PostgreSQL through a node-postgres pool. Statements outside a transaction run on any pooled
 * connection (auto-commit); `transaction` checks one client out for BEGIN ... COMMIT, so
 * savepoints and `FOR UPDATE SKIP LOCKED` claims behave as on a single session. LISTEN runs on its
 * own long-lived connection (see NotificationListener). A lost connection never crashes the
 * process: idle-client errors are absorbed by the pool, and statements that fail because the
 * server is unreachable throw a retryable `store_unavailable`.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly capabilities = postgresCapabilities;
  readonly fragments = postgresFragments;
  readonly acquireWorkLock = acquirePostgresWorkLock;
  readonly isUniqueViolation = isUniqueViolation;
  private readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;
  private readonly listener: NotificationListener;
  private closed = false;
  /** Connection errors seen on idle clients since start (for diagnostics and tests). */
  idleErrors = 0;
  /** Connection errors seen on any client since start (each also reaches whoever was using it). */
  clientErrors = 0;

  private constructor(
    private readonly options: PostgresOptions,
    clientConfig: pg.ClientConfig,
  ) {
    this.pool = new pg.Pool({ ...clientConfig, max: options.poolSize, idleTimeoutMillis: 30_000 });
    // An idle client whose server went away emits 'error' on the pool; without a handler Node would crash.
    this.pool.on('error', () => {
      this.idleErrors++;
    });
    // Every client gets a listener of its own for its whole life. The pool listens only while a
    // client is idle, pool.query only once per statement and checkout() only while checked out;
    // a client can still emit 'error' in between (a server restart sends 57P01 and then the socket
    // ends, two errors), and one unheard 'error' event crashes the process (seen in the chaos test).
    this.pool.on('connect', (client) => {
      client.on('error', () => {
        this.clientErrors++;
      });
    });
    this.direct = executorFor(this.pool);
    this.listener = new NotificationListener(clientConfig);
  }

  /** Connect, create the schema if it is missing, and check the server answers. */
  static async connect(options: PostgresOptions): Promise<SqlDriver & PostgresDriver> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
      throw new AfterwordError('invalid_config', `PostgreSQL schema "${options.schema}" must be a lower-case SQL identifier`, {
        retryable: false,
      });
    }
    const clientConfig: pg.ClientConfig = {
      connectionString: options.url,
      // search_path is set at connection start-up, so every pooled and listening connection has it.
      options: `-c search_path=${options.schema}`,
      types,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
      application_name: 'afterword',
    };
    const driver = new PostgresDriver(options, clientConfig);
    try {
      await driver.ensureSchema();
    } catch (error) {
      await driver.pool.end().catch(() => undefined);
      throw translateError(error);
    }
    return driver;
  }

  private async ensureSchema(): Promise<void> {
    const exists = await this.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.options.schema]);
    if (exists.rowCount) return;
    try {
      await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.options.schema)}`);
    } catch (error) {
      // Two processes creating the schema at once: the loser sees a unique violation; the schema exists.
      if (!isUniqueViolation(error)) throw error;
    }
  }

  get schema(): string {
    return this.options.schema;
  }

  query<R extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.direct.query<R>(sql, params);
  }

  run(sql: string, params: readonly unknown[] = []): Promise<RunResult> {
    return this.direct.run(sql, params);
  }

  /**
   * Check a client out for a transaction or the migration lock. While checked out the pool no
   * longer listens for the client's 'error' event (a server restart, a killed backend), and an
   * unheard 'error' event would crash the process: we listen instead, and a client that saw one
   * is destroyed on release rather than returned to the pool.
   */
  private async checkout(): Promise<{ client: pg.PoolClient; release: (broken?: Error) => void }> {
    if (this.closed) throw new AfterwordError('store_unavailable', 'store is closed', { retryable: false });
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translateError(error);
    }
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
    };
    client.on('error', onError);
    return {
      client,
      release: (broken) => {
        client.removeListener('error', onError);
        client.release(broken ?? lost);
      },
    };
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { client, release } = await this.checkout();
    let broken: Error | undefined;
    try {
      // Without parameters this is one simple-protocol message: BEGIN and its SET LOCALs share a round trip.
      await execute(client, `BEGIN${localSettingsSql(options.localSettings)}`, []);
      const notifications = new Set<string>();
      const executor: SqlExecutor = {
        ...executorFor(client),
        notifyOnCommit: (channel, payload) => {
          notifications.add(`NOTIFY ${quoteIdent(channel)}, ${quoteLiteral(payload)}`);
        },
      };
      const result = await fn(executor);
      const commit = await execute(client, [...notifications, 'COMMIT'].join('; '), []);
      // After a failed statement PostgreSQL answers COMMIT with ROLLBACK and no error; a body that
      // caught that statement's error must not be told its writes were committed.
      if (commit.command === 'ROLLBACK') {
        throw new AfterwordError(
          'internal',
          'the transaction was rolled back: a statement inside it failed and its error was caught',
        );
      }
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable: destroy it instead of returning it to the pool.
        broken = rollbackError as Error;
      }
      throw translateError(error);
    } finally {
      release(broken);
    }
  }

  async exec(script: string): Promise<void> {
    try {
      await this.pool.query(script);
    } catch (error) {
      throw translateError(error);
    }
  }

  /**
   * A session-level advisory lock held on a dedicated client for the duration of `fn`, so migrations
   * from many processes run one after another; `fn` itself uses pooled connections.
   */
  async withMigrationLock<T>(fn: () => Promise<T>): Promise<T> {
    const { client, release } = await this.checkout();
    const key = advisoryLockKey(this.options.schema, 'migrate');
    let broken: Error | undefined;
    try {
      await execute(client, 'SELECT pg_advisory_lock(?)', [key]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]).catch((error: Error) => {
          broken = error;
        });
      }
    } finally {
      release(broken);
    }
  }

  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    return this.listener.listen(channel, onMessage);
  }

  /**
   * Notify listeners through the caller's executor. Inside a transaction the NOTIFY travels with
   * the COMMIT (delivered on commit, never for a rollback); outside one it is sent at once.
   */
  async notify(executor: SqlExecutor, channel: string, payload: string): Promise<void> {
    if (executor.notifyOnCommit) executor.notifyOnCommit(channel, payload);
    else await executor.run('SELECT pg_notify(?, ?)', [channel, payload]);
  }

  /** Connections currently open and idle, for diagnostics and leak checks. */
  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.shutdown();
    await this.pool.end();
  }
}
