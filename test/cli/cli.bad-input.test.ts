import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cli, cliInTempDir } from './cli-runner.js';

const { dir, run } = cliInTempDir('afterword-cli-');

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('CLI bad input: exit code 2, one-line reason naming the field, nothing written', () => {
  test('an import file that is not JSON', () => {
    const out = run('import', file('bad.json', '{ not json'));
    assert.equal(out.code, 2);
    assert.match(out.stderr, /invalid_json/);
    assert.equal(out.stderr.trim().split('\n').length, 1);
  });

  test('a turn without text', () => {
    const out = run('import', file('notext.json', { sessionId: 'cli-1', turns: [{ turnId: 'a', speaker: 'gm' }] }));
    assert.equal(out.code, 2);
    assert.match(out.stderr, /turns\[0\]\.text/);
    assert.equal(run('session', 'cli-1').code, 2, 'nothing was written');
  });

  test('a session id with disallowed characters', () => {
    const out = run('import', file('badid.json', { sessionId: '../etc', turns: [] }));
    assert.equal(out.code, 2);
    assert.match(out.stderr, /sessionId/);
  });

  test('a duplicate turn id with different text', () => {
    const out = run(
      'import',
      file('dup.json', {
        sessionId: 'cli-2',
        turns: [
          { turnId: 'a', speaker: 'gm', text: 'one' },
          { turnId: 'a', speaker: 'gm', text: 'two' },
        ],
      }),
    );
    assert.equal(out.code, 2);
    assert.match(out.stderr, /turns\[1\]\.turnId/);
    assert.equal(run('session', 'cli-2').code, 2);
  });

  test('an oversized transcript (configurable limit)', () => {
    const turns = Array.from({ length: 5 }, (_, i) => ({ turnId: `t${i}`, speaker: 'gm', text: 'x' }));
    const configPath = file('config.json', { limits: { maxTurnsPerSession: 3 } });
    const result = spawnSync(
      process.execPath,
      [cli, '--data', join(dir, 'data'), 'import', file('big.json', { sessionId: 'cli-3', turns })],
      {
        encoding: 'utf8',
        env: { ...process.env, AFTERWORD_CONFIG: configPath, AFTERWORD_LOG_LEVEL: 'silent' },
      },
    );
    assert.equal(result.status, 2);
    assert.match(result.stderr, /transcript_too_large/);
    assert.equal(run('session', 'cli-3').code, 2);
  });

  test('closing an unknown session', () => {
    const out = run('close', 'nobody');
    assert.equal(out.code, 2);
    assert.match(out.stderr, /session_not_found/);
  });

  test('unknown commands and options are bad usage', () => {
    assert.equal(run('frobnicate').code, 2);
    assert.equal(run('jobs', '--status', 'sleeping').code, 2);
  });

  test('a good import and close succeed, and --json prints a document', () => {
    const ok = run(
      '--json',
      'import',
      file('good.json', { sessionId: 'cli-ok', turns: [{ turnId: 'a', speaker: 'gm', text: 'The Iron Tithe marched.' }] }),
      '--close',
    );
    assert.equal(ok.code, 0, ok.stderr);
    const doc = JSON.parse(ok.stdout) as { appended: number; closureJob: { status: string } };
    assert.equal(doc.appended, 1);
    assert.equal(doc.closureJob.status, 'queued');
    const again = run('--json', 'close', 'cli-ok');
    assert.equal(again.code, 0);
    assert.equal((JSON.parse(again.stdout) as { created: boolean }).created, false);
  });
});
