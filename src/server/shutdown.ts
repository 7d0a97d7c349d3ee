import type { FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  signals?: readonly NodeJS.Signals[];
  /** Injected so tests can observe the exit instead of dying. */
  exit?: (code: number) => void;
  log?: (message: string) => void;
}

export interface ShutdownHandle {
  /** Resolves when a shutdown triggered by a signal (or `shutdown()`) has finished. */
  readonly finished: Promise<number>;
  /** Run the same sequence without a signal. */
  shutdown(reason?: string): Promise<number>;
  /** Remove the signal handlers (tests). */
  uninstall(): void;
}

/**
 * Graceful shutdown on SIGINT/SIGTERM:
 * 1. stop accepting connections and end event streams; in-flight requests finish (server.close);
 * 2. `app.stop()`: workers stop claiming, running jobs drain up to the drain timeout, unfinished
 *    ones are handed back without counting an attempt, the store closes;
 * 3. exit 0 (or 1 if a step failed).
 * A second signal while this runs exits 1 at once: the operator asked twice. Nothing is lost
 * then either: leases expire and another start resumes the jobs from their checkpoints.
 */
export function installShutdown(
  app: { stop(): Promise<void> },
  server: FastifyInstance,
  options: ShutdownOptions = {},
): ShutdownHandle {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.log ?? ((message: string) => server.log.info(message));
  let running: Promise<number> | null = null;
  let resolveFinished!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (resolveFinished = resolve));

  const shutdown = (reason = 'shutdown requested'): Promise<number> => {
    if (running) return running;
    log(`${reason}: closing the HTTP server, then draining workers`);
    running = (async () => {
      let code = 0;
      try {
        await server.close();
      } catch (error) {
        code = 1;
        log(`HTTP server close failed: ${(error as Error).message}`);
      }
      try {
        await app.stop();
      } catch (error) {
        code = 1;
        log(`application stop failed: ${(error as Error).message}`);
      }
      log(`shutdown complete (exit ${code})`);
      resolveFinished(code);
      return code;
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      log(`${signal} received again: exiting now`);
      exit(1);
      return;
    }
    void shutdown(`${signal} received`).then((code) => exit(code));
  };
  for (const signal of signals) process.on(signal, onSignal);
  return {
    finished,
    shutdown,
    uninstall: () => {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
