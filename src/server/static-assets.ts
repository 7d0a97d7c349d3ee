import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AfterwordError } from '../errors.js';

/** web/ at the package root: build/src/server/ -> ../../../web (and src/server/ -> ../../web). */
function defaultWebDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes(`${join('build', 'src', 'server')}`) ? join(here, '..', '..', '..', 'web') : join(here, '..', '..', 'web');
}

/** The only asset names served: no path separators, no dots but the extension's. */
const assetName = /^[a-z0-9-]+\.(js|css|svg|ico)$/;

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/**
 * The dashboard: plain files from web/, no build step, no CDN. Public (it holds no data; every
 * call it makes needs the token the operator types in). Only names matching a strict pattern
 * are served, so `..` cannot escape the folder.
 */
export function registerDashboard(server: FastifyInstance, webDir = defaultWebDir()): void {
  const send = async (file: string, reply: import('fastify').FastifyReply) => {
    const type = types[extname(file)];
    if (!type) return reply.callNotFound();
    const body = await readFile(join(webDir, file)).catch(() => null);
    if (body === null) return reply.callNotFound();
    return reply.type(type).header('cache-control', 'no-cache').send(body);
  };
  server.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => send('index.html', reply));
  server.get<{ Params: { file: string } }>(
    '/assets/:file',
    {
      config: { access: 'public' },
      schema: {
        hide: true,
        params: { type: 'object', properties: { file: { type: 'string', maxLength: 200 } } },
      },
    },
    async (request, reply) => {
      const { file } = request.params;
      // A name that tries to leave the folder is refused as such (not as a malformed field).
      if (/[/\\]|\.\./.test(file) || file.startsWith('.')) {
        throw new AfterwordError(
          'path_not_allowed',
          `params.file: ${JSON.stringify(file)} points outside the dashboard's files`,
          {
            issues: [{ field: 'params.file', reason: 'must name a file in the dashboard folder (no "/", "\\" or "..")' }],
          },
        );
      }
      if (!assetName.test(file)) return reply.callNotFound();
      return send(file, reply);
    },
  );
}
