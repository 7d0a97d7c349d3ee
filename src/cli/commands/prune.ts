import type { Command } from 'commander';
import { type GlobalOptions, withApp } from '../context.js';
import { emit, time } from '../output.js';

/** `afterword prune`: delete history past its retention now (the workers also do it periodically). */
export function registerPruneCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('prune')
    .description(
      'delete events, finished jobs (with checkpoints and attempts) and closed alerts older than their retention (retention.* in the config); safe while workers run',
    )
    .action(async () => {
      await withApp(globals(), async (app) => {
        const report = await app.prune();
        emit(globals().json, report, () =>
          [
            `events before ${time(report.before.events)}: ${report.events} deleted`,
            `finished jobs before ${time(report.before.jobs)}: ${report.jobs} deleted (${report.steps} checkpoints, ${report.attempts} attempts)`,
            `closed alerts before ${time(report.before.alerts)}: ${report.alerts} deleted`,
          ].join('\n'),
        );
      });
    });
}
