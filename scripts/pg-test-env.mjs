#!/usr/bin/env node
// Make the local PostgreSQL usable for the test suites: start the cluster if it is down (as root,
// with pg_ctlcluster), wait until it accepts connections, make sure the `test` database exists,
// and print the variables to export. Usage: eval "$(node scripts/pg-test-env.mjs)"
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const url = process.env.AFTERWORD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const { hostname, port, username, pathname } = new URL(url);
const database = decodeURIComponent(pathname.slice(1)) || 'test';
const ready = () => spawnSync('pg_isready', ['-h', hostname, '-p', port || '5432'], { stdio: 'ignore' }).status === 0;

if (!ready()) {
  if (existsSync('/etc/postgresql') && process.getuid?.() === 0) {
    const version = readdirSync('/etc/postgresql')[0];
    console.error(`# PostgreSQL is down; starting cluster ${version}/main`);
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  }
  const deadline = Date.now() + 30_000;
  while (!ready() && Date.now() < deadline) spawnSync('sleep', ['0.5']);
  if (!ready()) {
    console.error(`# PostgreSQL is not reachable at ${hostname}:${port || 5432}`);
    process.exit(1);
  }
}
const exists = execFileSync(
  'psql',
  [
    '-h',
    hostname,
    '-p',
    port || '5432',
    '-U',
    username || 'postgres',
    '-d',
    'postgres',
    '-tAc',
    `SELECT 1 FROM pg_database WHERE datname = '${database.replace(/'/g, "''")}'`,
  ],
  { encoding: 'utf8' },
).trim();
if (exists !== '1') {
  execFileSync(
    'psql',
    ['-h', hostname, '-p', port || '5432', '-U', username || 'postgres', '-d', 'postgres', '-c', `CREATE DATABASE "${database}"`],
    {
      stdio: 'ignore',
    },
  );
}
console.log(`export AFTERWORD_TEST_DATABASE_URL='${url}'`);
console.log('export AFTERWORD_REQUIRE_POSTGRES=1');
