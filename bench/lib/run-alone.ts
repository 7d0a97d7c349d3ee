import { fileURLToPath } from 'node:url';

/**
 * Run a benchmark module on its own (`node build/bench/<module>.js [--quick]`) when it is the
 * entry point: print its markdown, exit 0; or print the error, exit 1. `options` reads the
 * module's flags from the command line (default: `--quick`).
 */
export function runAlone<O extends { quick?: boolean }>(
  moduleUrl: string,
  run: (options: O) => Promise<{ markdown: string }>,
  options: (argv: readonly string[]) => O = (argv) => ({ quick: argv.includes('--quick') }) as O,
): void {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  run(options(process.argv))
    .then(({ markdown }) => {
      process.stdout.write(`${markdown}\n`);
      process.exit(0);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
