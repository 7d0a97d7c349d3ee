import { createRequire } from 'node:module';
import type { SonicBoom as SonicBoomStream, SonicBoomOpts } from 'sonic-boom';

// sonic-boom is CommonJS whose module.exports is the class itself; its types describe an ES
// default export, which TypeScript's NodeNext interop cannot construct. Load it as CommonJS.
const SonicBoom = createRequire(import.meta.url)('sonic-boom') as new (opts: SonicBoomOpts) => SonicBoomStream;

/** What pino writes to: only `write` is needed. */
export interface LogDestination {
  write(line: string): void;
}

let shared: LogDestination | undefined;

/**
 * The process's one destination for structured logs: file descriptor 2, written asynchronously
 * by sonic-boom and flushed synchronously at exit.
 *
 * Not `pino.destination()`: pino 9 bundles sonic-boom 4, whose exit flush sleeps and retries
 * forever on EPIPE. A service whose log pipe had lost its reader (`afterword serve 2>&1 | head`)
 * then logged "SIGTERM received", called `process.exit`, and hung in that flush for good: it never
 * exited on SIGTERM. sonic-boom 5 throws instead, and here a broken destination only stops the
 * logging, never the process: the first write error (EPIPE, EBADF) turns the destination off.
 *
 * One per process because fd 2 is one per process: every logger shares it, and one exit hook
 * flushes it.
 */
export function stderrDestination(): LogDestination {
  if (shared) return shared;
  const stream = new SonicBoom({ fd: 2, sync: false });
  let broken = false;
  stream.on('error', () => {
    broken = true;
  });
  process.on('exit', () => {
    if (broken) return;
    try {
      stream.flushSync();
    } catch {
      // The reader went away while we exited: the remaining lines have nowhere to go.
    }
  });
  shared = {
    write(line) {
      if (!broken) stream.write(line);
    },
  };
  return shared;
}
