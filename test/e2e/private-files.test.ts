import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { createAfterword } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ensureAdminToken } from '../../src/server/index.js';
import { startService } from '../../src/server/start-service.js';

/**
 * Transcripts are private data (issue 9, item 14): the SQLite store is 0600 files in a 0700
 * directory whatever the umask, and files found looser (the database, the admin token) are
 * tightened with a log line. Before, they were 0644 in a 0755 directory.
 */
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('private files [sqlite]', () => {
  test('a new SQLite store is 0600 files in a 0700 directory, even under umask 022', async () => {
    const root = mkdtempSync(join(tmpdir(), 'afterword-modes-'));
    const previous = process.umask(0o022);
    try {
      const dataDir = join(root, 'data');
      const app = await createAfterword(loadConfig({ dataDir, logLevel: 'silent' }, {}), { logger: pino({ level: 'silent' }) });
      try {
        await app.sessions.upsert('private-1', {});
        const db = join(dataDir, 'afterword.db');
        assert.equal(mode(dataDir), '700');
        for (const file of [db, `${db}-wal`, `${db}-shm`]) {
          assert.ok(existsSync(file), file);
          assert.equal(mode(file), '600', file);
        }
      } finally {
        await app.stop();
      }
    } finally {
      process.umask(previous);
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('an existing store with loose modes is tightened, with a log line', async () => {
    const root = mkdtempSync(join(tmpdir(), 'afterword-modes-'));
    try {
      const dataDir = join(root, 'data');
      const config = loadConfig({ dataDir, logLevel: 'silent' }, {});
      const first = await createAfterword(config, { logger: pino({ level: 'silent' }) });
      await first.sessions.upsert('private-2', {});
      await first.stop();
      const db = join(dataDir, 'afterword.db');
      chmodSync(dataDir, 0o755);
      chmodSync(db, 0o644);
      const { logger, lines } = capture();
      const again = await createAfterword(config, { logger });
      try {
        assert.equal(mode(dataDir), '700');
        assert.equal(mode(db), '600');
        const warned = lines.filter((l) => /tightened the mode/.test(String(l.msg))).map((l) => [l.path, l.was, l.now]);
        assert.deepEqual(warned, [
          [dataDir, '0755', '0700'],
          [db, '0644', '0600'],
        ]);
        await again.sessions.upsert('private-3', {});
        assert.equal(mode(`${db}-wal`), '600');
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('an admin-token file with a loose mode is tightened at start, with a log line', async () => {
    const root = mkdtempSync(join(tmpdir(), 'afterword-modes-'));
    try {
      const dataDir = join(root, 'data');
      const config = loadConfig({ dataDir, logLevel: 'silent', http: { port: 0 } }, {});
      const generated = await ensureAdminToken(config);
      const file = join(dataDir, 'admin-token');
      assert.equal(mode(file), '600');
      assert.equal(mode(dataDir), '700');
      chmodSync(file, 0o644);
      const { logger, lines } = capture();
      const service = await startService(config, { logger, workers: 0, handleSignals: false });
      try {
        assert.equal(service.token, generated.token);
        assert.equal(mode(file), '600');
        assert.ok(
          lines.some((l) => l.path === file && l.was === '0644' && /admin token/.test(String(l.msg))),
          JSON.stringify(lines),
        );
      } finally {
        await service.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
