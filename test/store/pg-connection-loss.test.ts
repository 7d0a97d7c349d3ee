import assert from 'node:assert/strict';
import { AfterwordError } from '../../src/errors.js';
import { PostgresDriver } from '../../src/store/postgres/postgres-driver.js';
import { forEachStore, testDatabaseUrl, waitFor } from '../support/harness.js';

/**
 * PostgreSQL connection loss, without restarting the server: backends are terminated with
 * pg_terminate_backend (what a restart or a network cut does to each connection), from a
 * separate admin connection.
 */
forEachStore('PostgreSQL connection loss', (suite) => {
  suite.test('idle pooled connections killed by the server are replaced; the process does not crash', async (ctx, t) => {
    if (ctx.dialect !== 'postgres') return t.skip('PostgreSQL only');
    const driver = (await ctx.openDriver()) as PostgresDriver;
    await Promise.all([driver.query('SELECT pg_sleep(0.01)'), driver.query('SELECT pg_sleep(0.01)')]);
    const pids = (await driver.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).map((r) => r.pid);
    const admin = await PostgresDriver.connect({ url: testDatabaseUrl, schema: 'public', poolSize: 1 });
    try {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'afterword' AND pid <> pg_backend_pid() AND datname = current_database() AND pid = ANY(?::int[])",
        [pids],
      );
      await waitFor(() => driver.idleErrors > 0, 'the pool to notice its dead idle connection');
      const [row] = await driver.query<{ one: number }>('SELECT 1 AS one');
      assert.equal(row?.one, 1);
    } finally {
      await admin.close();
    }
  });

  suite.test('a statement on a connection killed mid-transaction fails as a retryable store_unavailable', async (ctx, t) => {
    if (ctx.dialect !== 'postgres') return t.skip('PostgreSQL only');
    const driver = await ctx.openDriver();
    const admin = await PostgresDriver.connect({ url: testDatabaseUrl, schema: 'public', poolSize: 1 });
    try {
      await assert.rejects(
        driver.transaction(async (tx) => {
          const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend(?)', [me?.pid]);
          await tx.query('SELECT 1');
        }),
        (error) => error instanceof AfterwordError && error.code === 'store_unavailable' && error.retryable,
      );
      const [row] = await driver.query<{ one: number }>('SELECT 1 AS one');
      assert.equal(row?.one, 1, 'the next statement gets a healthy connection');
    } finally {
      await admin.close();
    }
  });

  suite.test(
    'a statement in flight on a pooled connection killed by the server fails as store_unavailable; the process lives',
    async (ctx, t) => {
      if (ctx.dialect !== 'postgres') return t.skip('PostgreSQL only');
      const driver = await ctx.openDriver();
      const admin = await PostgresDriver.connect({ url: testDatabaseUrl, schema: 'public', poolSize: 1 });
      const marker = ctx.unique('sleeper').replace(/-/g, '_');
      try {
        // An auto-committed statement (pool.query), then one inside a transaction: both kinds of checkout.
        for (const inTransaction of [false, true]) {
          const sql = `SELECT pg_sleep(30) AS ${marker}_${inTransaction ? 'tx' : 'auto'}`;
          const running = inTransaction ? driver.transaction((tx) => tx.query(sql)) : driver.query(sql);
          const outcome = running.then(
            () => 'completed',
            (error: unknown) => (error instanceof AfterwordError ? error.code : String(error)),
          );
          await waitFor(async () => {
            const [row] = await admin.query<{ n: number }>(
              'SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE query = ? AND datname = current_database()',
              [sql],
            );
            return Number(row?.n) === 1;
          }, 'the sleeping backend to be terminated');
          assert.equal(await outcome, 'store_unavailable');
          const [row] = await driver.query<{ one: number }>('SELECT 1 AS one');
          assert.equal(row?.one, 1);
        }
      } finally {
        await admin.close();
      }
    },
  );

  suite.test('LISTEN reconnects after its connection is killed and wakes its subscribers', async (ctx, t) => {
    if (ctx.dialect !== 'postgres') return t.skip('PostgreSQL only');
    const driver = await ctx.openDriver();
    const channel = `t_${ctx.unique('ch').replace(/-/g, '_')}`;
    const payloads: string[] = [];
    const unlisten = await (driver.listen as NonNullable<typeof driver.listen>)(channel, (p) => payloads.push(p));
    const admin = await PostgresDriver.connect({ url: testDatabaseUrl, schema: 'public', poolSize: 1 });
    try {
      await driver.run('SELECT pg_notify(?, ?)', [channel, 'before']);
      await waitFor(() => payloads.includes('before'), 'the first notification');
      const killed = await admin.query<{ n: number }>(
        'SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE query = ? AND datname = current_database()',
        [`LISTEN "${channel}"`],
      );
      assert.equal(killed[0]?.n, 1, 'the listening backend was found and terminated');
      await waitFor(() => payloads.includes(''), 'the wake-up after reconnecting');
      await driver.run('SELECT pg_notify(?, ?)', [channel, 'after']);
      await waitFor(() => payloads.includes('after'), 'a notification after reconnecting');
    } finally {
      await unlisten();
      await admin.close();
    }
  });
});
