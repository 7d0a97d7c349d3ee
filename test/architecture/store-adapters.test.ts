import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readSources, srcDir } from './source-graph.js';

/**
 * The store's adapters follow Kysely's layout: one folder each, the same files in each, so a
 * reader who knows one adapter knows where everything is in the other; and dialect differences
 * are capability flags or SQL fragments, never a branch on the dialect's name above the store.
 */
describe('architecture: store adapters', () => {
  test('store/sqlite/ and store/postgres/ hold the same file set', () => {
    const files = (dialect: string) =>
      readdirSync(join(srcDir, 'store', dialect))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => f.replace(`${dialect}-`, ''))
        .sort();
    assert.deepEqual(files('sqlite'), files('postgres'));
    assert.ok(files('sqlite').length >= 6);
  });

  test('nothing above the store branches on the dialect name', () => {
    const fork = /dialect\.name\b|\.dialect\s*[!=]==|[!=]==\s*['"](sqlite|postgres)['"]/;
    const problems = readSources()
      .filter((f) => !f.path.startsWith('store/'))
      .flatMap((f) =>
        f.text
          .split('\n')
          .map((line, i) => ({ line, at: `${f.path}:${i + 1}` }))
          .filter(({ line }) => fork.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    assert.deepEqual(problems, []);
  });
});
