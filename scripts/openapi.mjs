#!/usr/bin/env node
// Writes the service's OpenAPI document (what GET /openapi.json answers) to a file, from the
// compiled sources, without a running service: `node scripts/openapi.mjs [out.json]`
// (default build/openapi.json). CI lints it with redocly; packages/client generates its types from it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAfterword } from '../build/src/app.js';
import { loadConfig } from '../build/src/config.js';
import { buildServer } from '../build/src/server/build-server.js';

const out = process.argv[2] ?? 'build/openapi.json';
const dir = mkdtempSync(join(tmpdir(), 'afterword-openapi-'));
const app = await createAfterword(loadConfig({ dataDir: dir, logLevel: 'silent' }, {}));
try {
  const server = await buildServer(app, { logger: false, tokens: [] });
  const res = await server.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
  writeFileSync(out, `${JSON.stringify(res.json(), null, 2)}\n`);
  await server.close();
} finally {
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`wrote ${out}`);
