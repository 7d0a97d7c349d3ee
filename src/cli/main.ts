#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerCanonCommands } from './commands/canon.js';
import { registerJobCommands, registerWorkerListCommand } from './commands/jobs.js';
import { registerProcessCommands } from './commands/process.js';
import { registerPruneCommand } from './commands/prune.js';
import { registerSessionCommands } from './commands/sessions.js';
import { registerWebhookCommands } from './commands/webhooks.js';
import type { GlobalOptions } from './context.js';
import { reportError } from './output.js';

const program = new Command();
program
  .name('afterword')
  .description('Durable post-session pipeline for AI-narrated storytelling games')
  .option('--data <dir>', 'SQLite data directory (default ./data, or AFTERWORD_DATA_DIR)')
  .option('--database-url <url>', 'PostgreSQL URL (or DATABASE_URL); overrides --data')
  .option('--json', 'machine-readable output')
  .option('--log-level <level>', 'log level for structured logs on stderr')
  .option('--now <time>', 'act as if it were this time (ISO-8601 or epoch ms): schedules, publishing')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

const globals = () => program.opts<GlobalOptions>();
registerProcessCommands(program, globals);
registerSessionCommands(program, globals);
registerJobCommands(program, globals);
registerWorkerListCommand(program, globals);
registerCanonCommands(program, globals);
registerWebhookCommands(program, globals);
registerPruneCommand(program, globals);
for (const command of program.commands) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are successes; anything else commander rejects is bad usage.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = reportError(error, globals().json);
  }
}
