import { type Afterword, type AfterwordOptions, createAfterword } from '../app.js';
import type { AfterwordConfig } from '../config.js';
import { ensureAdminToken } from './admin-token.js';
import { type AfterwordServer, buildServer } from './build-server.js';
import { installShutdown, type ShutdownHandle, type ShutdownOptions } from './shutdown.js';

export interface StartServiceOptions extends AfterwordOptions {
  /** Run in-process workers (default: config.workers.concurrency; 0 disables). */
  workers?: number;
  /** Install SIGINT/SIGTERM handlers (default true). */
  handleSignals?: boolean;
  shutdown?: ShutdownOptions;
}

export interface RunningService {
  url: string;
  /** The generated or stored admin token when no tokens are configured; null otherwise. */
  token: string | null;
  /** true on the first start: the CLI prints the token once. */
  tokenGenerated: boolean;
  app: Afterword;
  server: AfterwordServer;
  shutdown: ShutdownHandle | null;
  /** Stop without a signal: close the server, then the app. */
  close(): Promise<void>;
}

/** `afterword serve`: tokens, application, workers, HTTP server, signal handling. */
export async function startService(config: AfterwordConfig, options: StartServiceOptions = {}): Promise<RunningService> {
  const { token, generated, tokens, permissionFixes } = await ensureAdminToken(config);
  const app = await createAfterword(config, options);
  for (const fix of permissionFixes) {
    app.logger.warn(fix, `tightened the mode of ${fix.path} from ${fix.was} to ${fix.now}: the admin token is a secret`);
  }
  let server: AfterwordServer | undefined;
  try {
    const workers = options.workers ?? config.workers.concurrency;
    if (workers > 0) await app.startWorkers(workers);
    server = await buildServer(app, { tokens, logger: app.logger });
    const address = await server.listen({ host: config.http.host, port: config.http.port });
    const shutdown = options.handleSignals === false ? null : installShutdown(app, server, options.shutdown);
    const url = address.replace('[::1]', 'localhost');
    return {
      url,
      token,
      tokenGenerated: generated,
      app,
      server,
      shutdown,
      close: async () => {
        shutdown?.uninstall();
        await server?.close();
        await app.stop();
      },
    };
  } catch (error) {
    await server?.close().catch(() => undefined);
    await app.stop();
    throw error;
  }
}
