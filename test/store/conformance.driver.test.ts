import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AfterwordError } from '../../src/errors.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { readInt, readJson } from '../../src/store/ports.js';
import { forEachStore, waitFor } from '../support/harness.js';

const run = promisify(execFile);
const childScript = fileURLToPath(new URL('./store-child.js', import.meta.url));

forEachStore('store driver', (suite) => {
  suite.test('`?` placeholders bind in order, also next to literals containing `?`', async ({ store }) => {
    const rows = await store.driver.query<{ a: string; b: string; q: string }>("SELECT ? AS a, '?' AS q, ? AS b", [
      'first',
      'second',
    ]);
    assert.deepEqual(rows, [{ a: 'first', q: '?', b: 'second' }]);
  });

  suite.test('integers, epoch milliseconds and counts come back as numbers', async ({ store, unique }) => {
    const id = unique('evt');
    const at = 1_767_225_600_123; // beyond 32 bits
    await store.driver.run(
      'INSERT INTO events (topic, session_id, job_id, origin, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ['engine.job.queued', id, null, 'test', JSON.stringify({ n: 1 }), at],
    );
    const [row] = await store.driver.query<{ id: unknown; created_at: unknown; n: unknown }>(
      'SELECT id, created_at, (SELECT COUNT(*) FROM events WHERE session_id = ?) AS n FROM events WHERE session_id = ?',
      [id, id],
    );
    assert.ok(row);
    assert.equal(typeof row.id, 'number');
    assert.equal(row.created_at, at);
    assert.equal(row.n, 1);
  });

  suite.test('JSON documents round-trip through readJson, nested and unicode included', async ({ store, unique }) => {
    const id = unique('alert');
    const doc = { text: 'Élodie says “hi” 🐉', nested: { list: [1, 2.5, null, true], empty: {} } };
    await store.driver.run('INSERT INTO alerts (id, reason, severity, data, created_at) VALUES (?, ?, ?, ?, ?)', [
      id,
      'test',
      'low',
      JSON.stringify(doc),
      1,
    ]);
    const [row] = await store.driver.query('SELECT data FROM alerts WHERE id = ?', [id]);
    assert.deepEqual(readJson(row?.data, null), doc);
  });

  suite.test('a transaction commits when its body resolves and rolls back when it throws', async ({ store, unique }) => {
    const kept = unique('kept');
    const lost = unique('lost');
    const insert = 'INSERT INTO alerts (id, reason, severity, data, created_at) VALUES (?, ?, ?, ?, ?)';
    await store.driver.transaction(async (tx) => {
      await tx.run(insert, [kept, 'r', 'low', '{}', 1]);
    });
    await assert.rejects(
      store.driver.transaction(async (tx) => {
        await tx.run(insert, [lost, 'r', 'low', '{}', 1]);
        throw new Error('boom');
      }),
      /boom/,
    );
    const rows = await store.driver.query('SELECT id FROM alerts WHERE id IN (?, ?)', [kept, lost]);
    assert.deepEqual(
      rows.map((r) => r.id),
      [kept],
    );
  });

  suite.test('a constraint violation surfaces with its code and leaves the store usable', async ({ store, unique }) => {
    const id = unique('dup');
    const insert = 'INSERT INTO alerts (id, reason, severity, data, created_at) VALUES (?, ?, ?, ?, ?)';
    await store.driver.run(insert, [id, 'r', 'low', '{}', 1]);
    await assert.rejects(store.driver.run(insert, [id, 'r', 'low', '{}', 1]), (error: Error & { code?: string }) => {
      assert.match(String(error.code), /23505|SQLITE_CONSTRAINT/);
      return true;
    });
    const [row] = await store.driver.query('SELECT COUNT(*) AS n FROM alerts WHERE id = ?', [id]);
    assert.equal(readInt(row?.n), 1);
  });

  suite.test('transactBatch isolates a failed operation with a savepoint; the others commit', async ({ store, unique }) => {
    const ids = [unique('a'), unique('b'), unique('c')];
    const insert = 'INSERT INTO alerts (id, reason, severity, data, created_at) VALUES (?, ?, ?, ?, ?)';
    const results = await store.runner.transactBatch([
      async (tx) => tx.run(insert, [ids[0], 'r', 'low', '{}', 1]),
      async (tx) => {
        await tx.run(insert, [ids[1], 'r', 'low', '{}', 1]);
        await tx.run(insert, [ids[0], 'r', 'low', '{}', 1]); // duplicate key: this operation fails
      },
      async (tx) => tx.run(insert, [ids[2], 'r', 'low', '{}', 1]),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const rows = await store.driver.query('SELECT id FROM alerts WHERE id IN (?, ?, ?) ORDER BY id', ids);
    assert.deepEqual(
      rows.map((r) => r.id),
      [ids[0], ids[2]].sort(),
    );
  });

  suite.test('events emitted in a unit of work are announced after commit with their stored ids', async ({ store, bus }) => {
    const seen: number[] = [];
    const unsubscribe = bus.subscribe({ topics: ['engine.job.queued'] }, (e) => void seen.push(e.id));
    await store.transact(async (tx) => {
      await tx.emit('engine.job.queued', { jobId: 'x' });
      await tx.emit('engine.job.queued', { jobId: 'y' });
    });
    await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
    unsubscribe();
    assert.equal(seen.length, 2);
    assert.ok((seen[0] as number) < (seen[1] as number));
    const rows = await store.driver.query('SELECT id FROM events WHERE id IN (?, ?)', seen);
    assert.equal(rows.length, 2);
  });

  suite.test('migrating again applies nothing and changes nothing', async ({ store }) => {
    const before = await store.driver.query('SELECT version FROM afterword_migrations ORDER BY version');
    const report = await migrate(store.driver);
    assert.deepEqual(report.applied, []);
    assert.equal(report.current, loadMigrations(store.driver.dialect).at(-1)?.version);
    assert.deepEqual(await store.driver.query('SELECT version FROM afterword_migrations ORDER BY version'), before);
  });

  suite.test(
    'several processes migrating a fresh database at once apply each migration exactly once',
    async ({ dialect, childArgs, openDriver }) => {
      // A second, empty location next to the suite's own store.
      const [, location, schema] = childArgs;
      const freshLocation = dialect === 'sqlite' ? location.replace(/\.db$/, '-fresh.db') : location;
      const freshSchema = dialect === 'sqlite' ? '' : `${schema}_fresh`;
      const outputs = await Promise.all(
        Array.from({ length: 4 }, () => run(process.execPath, [childScript, dialect, freshLocation, freshSchema, 'migrate'])),
      );
      const reports = outputs.map((o) => JSON.parse(o.stdout.trim()) as { applied: string[] });
      const applied = reports.flatMap((r) => r.applied).sort();
      assert.deepEqual(
        applied,
        loadMigrations(dialect)
          .map((m) => m.name)
          .sort(),
      );
      const driver = dialect === 'sqlite' ? await openDriver() : null;
      if (driver) {
        await driver.close();
      } else {
        const check = await (await import('../../src/store/postgres/postgres-driver.js')).PostgresDriver.connect({
          url: location,
          schema: freshSchema,
          poolSize: 1,
        });
        const rows = await check.query('SELECT COUNT(*) AS n FROM afterword_migrations');
        assert.equal(readInt(rows[0]?.n), loadMigrations(dialect).length);
        await check.exec(`DROP SCHEMA ${freshSchema} CASCADE`);
        await check.close();
      }
    },
  );

  suite.test('transaction-local settings apply inside the transaction only', async ({ store, dialect }) => {
    const localSettings = { synchronous_commit: 'off', enable_bitmapscan: 'off' };
    const inside = await store.driver.transaction(
      async (tx) => {
        if (dialect !== 'postgres') return tx.query('SELECT 1 AS one');
        return tx.query("SELECT current_setting('synchronous_commit') AS sc, current_setting('enable_bitmapscan') AS bs");
      },
      { localSettings },
    );
    if (dialect !== 'postgres') {
      // SQLite has no such settings: the options are accepted and the transaction runs as usual.
      assert.deepEqual(inside, [{ one: 1 }]);
      return;
    }
    assert.deepEqual(inside, [{ sc: 'off', bs: 'off' }]);
    // The pool may hand out the same connection again: the settings must not have outlived the commit.
    for (let i = 0; i < 4; i++) {
      const [after] = await store.driver.transaction((tx) =>
        tx.query<{ sc: string }>("SELECT current_setting('synchronous_commit') AS sc"),
      );
      assert.equal(after?.sc, 'on');
    }
    await assert.rejects(
      store.driver.transaction(async () => undefined, { localSettings: { 'x; DROP TABLE jobs': 'on' } }),
      (error) => error instanceof AfterwordError && error.code === 'internal',
    );
  });

  suite.test('a notification sent in a transaction arrives after its commit, never after a rollback', async (ctx, t) => {
    const { driver } = ctx.store;
    if (!driver.listen || !driver.notify) return t.skip('this store has no LISTEN/NOTIFY');
    const notify = driver.notify.bind(driver);
    const channel = ctx
      .unique('chan')
      .replace(/[^A-Za-z0-9_]/g, '_')
      .toLowerCase();
    const heard: string[] = [];
    const unlisten = await driver.listen(channel, (payload) => heard.push(payload));
    try {
      await assert.rejects(
        ctx.store.transact(async (tx) => {
          await notify(tx, channel, 'rolled back');
          throw new Error('roll back');
        }),
      );
      await ctx.store.transact(async (tx) => {
        await notify(tx, channel, "it's committed");
        await tx.query('SELECT 1');
      });
      await waitFor(() => heard.length > 0 || undefined, 'the committed notification');
      // A later notification outside any transaction proves nothing else was still on its way.
      await notify(driver, channel, 'direct');
      await waitFor(() => heard.includes('direct') || undefined, 'the direct notification');
      assert.deepEqual(heard, ["it's committed", 'direct']);
    } finally {
      await unlisten();
    }
  });

  suite.test('unreachable PostgreSQL surfaces as a retryable store_unavailable', async ({ dialect }, t) => {
    if (dialect !== 'postgres') return t.skip('PostgreSQL only');
    const { PostgresDriver } = await import('../../src/store/postgres/postgres-driver.js');
    await assert.rejects(
      PostgresDriver.connect({ url: 'postgres://postgres@127.0.0.1:1/none', schema: 'x', poolSize: 1 }),
      (error) => {
        assert.ok(error instanceof AfterwordError);
        assert.equal(error.code, 'store_unavailable');
        assert.equal(error.retryable, true);
        return true;
      },
    );
  });
});

forEachStore('store driver: caught statement errors', (suite) => {
  suite.test('a transaction whose failed statement was caught never reports an unapplied commit', async ({ store, unique }) => {
    const id = unique('caught');
    const insert = 'INSERT INTO alerts (id, reason, severity, data, created_at) VALUES (?, ?, ?, ?, ?)';
    await store.driver.run(insert, [id, 'r', 'low', '{}', 1]);
    const other = unique('after');
    let outcome: 'committed' | 'rejected' = 'committed';
    try {
      await store.driver.transaction(async (tx) => {
        await tx.run(insert, [id, 'r', 'low', '{}', 1]).catch(() => undefined); // duplicate, swallowed
        if (store.driver.dialect === 'sqlite') await tx.run(insert, [other, 'r', 'low', '{}', 1]);
      });
    } catch {
      outcome = 'rejected';
    }
    const [row] = await store.driver.query('SELECT COUNT(*) AS n FROM alerts WHERE id = ?', [other]);
    // SQLite keeps the transaction usable after a failed statement, so it commits the rest;
    // PostgreSQL aborts it, so the caller must hear that nothing was committed.
    if (store.driver.dialect === 'postgres') assert.equal(outcome, 'rejected');
    else assert.equal(readInt(row?.n), outcome === 'committed' ? 1 : 0);
  });
});
