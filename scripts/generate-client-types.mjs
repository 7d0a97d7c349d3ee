#!/usr/bin/env node
// Generates packages/client/src/schema.ts from the service's OpenAPI document (what GET
// /openapi.json answers), built in-process from the compiled sources: `node
// scripts/generate-client-types.mjs [out.ts]`. openapi-typescript needs TypeScript 5's JS API; the
// repo compiles with TypeScript 7 (native, no JS API), so for this process only a resolve hook maps
// the bare specifier `typescript` to the `typescript5` alias (npm:typescript@5.9.3).
import { register } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const hook = `export async function resolve(specifier, context, next) {
  return next(specifier === 'typescript' ? 'typescript5' : specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url);

const out = process.argv[2] ?? 'packages/client/src/schema.ts';
const { default: openapiTS, astToString } = await import('openapi-typescript');
const { createAfterword } = await import('../build/src/app.js');
const { loadConfig } = await import('../build/src/config.js');
const { buildServer } = await import('../build/src/server/build-server.js');

const dir = mkdtempSync(join(tmpdir(), 'afterword-client-types-'));
const app = await createAfterword(loadConfig({ dataDir: dir, logLevel: 'silent' }, {}));
let doc;
try {
  const server = await buildServer(app, { logger: false, tokens: [] });
  const res = await server.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
  doc = res.json();
  await server.close();
} finally {
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
}
const ast = await openapiTS(doc);
const header = '// Generated from /openapi.json by scripts/generate-client-types.mjs (npm run generate-client). Do not edit.\n';
writeFileSync(out, header + astToString(ast));
console.log(`wrote ${out}`);
