import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AfterwordConfig } from '../config.js';
import { keepPrivate, type PermissionFix } from '../store/private-files.js';
import type { TokenEntry } from './auth.js';

export function adminTokenFile(config: Pick<AfterwordConfig, 'dataDir'>): string {
  return join(resolve(config.dataDir), 'admin-token');
}

/**
 * Tokens the server accepts. With tokens configured (`http.tokens`, AFTERWORD_TOKENS) those are
 * used and nothing is generated. Without any, the first start generates an admin token, stores
 * it in `<dataDir>/admin-token` (mode 0600, in a 0700 directory) and reports `generated: true`
 * so the CLI prints it once; later starts read the same file. A token file (or data directory)
 * found with a looser mode is tightened and reported in `permissionFixes`, for a log line.
 */
export async function ensureAdminToken(
  config: Pick<AfterwordConfig, 'dataDir' | 'http'>,
): Promise<{ token: string | null; generated: boolean; tokens: TokenEntry[]; permissionFixes: PermissionFix[] }> {
  if (config.http.tokens.length > 0) {
    return { token: null, generated: false, tokens: config.http.tokens.map((t) => ({ ...t })), permissionFixes: [] };
  }
  const file = adminTokenFile(config);
  const permissionFixes = keepPrivate(resolve(config.dataDir), { existing: [file] });
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing?.trim()) {
    const token = existing.trim();
    return { token, generated: false, tokens: [{ token, role: 'admin', name: 'admin' }], permissionFixes };
  }
  const token = `aw_${randomBytes(24).toString('base64url')}`;
  try {
    // 'wx': if another process created it between our read and write, use theirs.
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return ensureAdminToken(config);
  }
  return { token, generated: true, tokens: [{ token, role: 'admin', name: 'admin' }], permissionFixes };
}
