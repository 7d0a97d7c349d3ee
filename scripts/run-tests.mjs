#!/usr/bin/env node
// Runs every compiled test file under build/test with node's test runner. PostgreSQL suites
// skip with a visible message when no server is reachable, unless AFTERWORD_REQUIRE_POSTGRES=1.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const only = process.argv.slice(2);
const files = collect('build/test')
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under build/test');
  process.exit(1);
}
// The fuzz suite drives >= 10,000 requests per store against real service processes: it gets a
// longer per-file timeout of its own (and stops itself earlier, see test/fuzz/schemathesis.test.ts).
const longRunning = (f) => f.includes('fuzz/schemathesis.test');
const groups = [
  { files: files.filter((f) => !longRunning(f)), timeout: 600_000 },
  { files: files.filter(longRunning), timeout: 1_800_000 },
].filter((g) => g.files.length > 0);
let status = 0;
for (const group of groups) {
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=1', `--test-timeout=${group.timeout}`, ...group.files],
    { stdio: 'inherit' },
  );
  if ((result.status ?? 1) !== 0) status = result.status ?? 1;
}
process.exit(status);
