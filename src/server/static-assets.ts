import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** web/ at the package root: build/src/server/ -> ../../../web (and src/server/ -> ../../web). */
function defaultWebDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes(`${join('build', 'src', 'server')}`) ? join(here, '..', '..', '..', 'web') : join(here, '..', '..', 'web');
}

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
        params: { type: 'object', properties: { file: { type: 'string', pattern: '^[a-z0-9-]+\\.(js|css|svg|ico)$' } } },
      },
    },
    async (request, reply) => send(request.params.file, reply),
  );
}
