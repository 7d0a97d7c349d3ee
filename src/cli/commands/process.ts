import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createAfterword } from '../../app.js';
import { systemClock } from '../../clock.js';
import { runDemo } from '../../demo/run-demo.js';
import { AfterwordError } from '../../errors.js';
import { demoWorldPath } from '../../paths.js';
import { migrate } from '../../store/migrate.js';
import { openStore } from '../../store/store.js';
import { readTemporalWorkerConfig, temporalConfigInput } from '../../temporal/worker-config.js';
import { clockOption, configFrom, type GlobalOptions, withApp } from '../context.js';
import { duration, emit } from '../output.js';

/** Resolve on SIGINT/SIGTERM; a second signal forces the exit. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: string) => {
      if (received) {
        process.stderr.write(`afterword: second ${signal}, forcing exit\n`);
        process.exit(1);
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

export function registerProcessCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('run the service: HTTP API, dashboard and in-process workers (what `npm start` runs)')
    .option('--workers <n>', 'in-process worker concurrency (0: API only)')
    .option('--port <port>', 'HTTP port')
    .option('--host <host>', 'HTTP host')
    .option(
      '--engine <engine>',
      'workflow engine: builtin (default) or temporal (AFTERWORD_ENGINE; Temporal settings from TEMPORAL_*)',
    )
    .action(async (opts: { workers?: string; port?: string; host?: string; engine?: string }) => {
      const extra: Record<string, unknown> = {};
      if (opts.engine !== undefined) extra.engineKind = opts.engine;
      if (opts.workers !== undefined) extra.workers = { concurrency: Number(opts.workers) };
      if (opts.port !== undefined || opts.host !== undefined)
        extra.http = { ...(opts.port ? { port: Number(opts.port) } : {}), ...(opts.host ? { host: opts.host } : {}) };
      const config = configFrom({ ...globals(), logLevel: globals().logLevel ?? 'info' }, extra);
      const server = await import('../../server/start-service.js').catch(() => null);
      if (server && typeof server.startService === 'function') {
        const running = await server.startService(config);
        const lines = [
          `Afterword is running on ${running.app.store.location}`,
          `  dashboard  ${running.url}/`,
          `  API        ${running.url}/v1   (OpenAPI: ${running.url}/openapi.json, docs: ${running.url}/docs)`,
          running.tokenGenerated
            ? `  admin token (generated, saved in ${config.dataDir}/admin-token; shown once): ${running.token}`
            : running.token
              ? `  admin token: stored in ${config.dataDir}/admin-token`
              : '  tokens: from configuration (AFTERWORD_TOKENS / http.tokens)',
          `  workers    ${config.workers.concurrency} in this process; Ctrl-C drains and stops`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        return;
      }
      // Without the HTTP layer, serve runs the workers and says so.
      const app = await createAfterword(config, clockOption(globals()));
      if (config.workers.concurrency > 0) await app.startWorkers();
      process.stdout.write(
        `afterword: HTTP server not available in this build; running ${config.workers.concurrency} workers on ${app.store.location}\n`,
      );
      await untilSignal();
      await app.stop();
    });

  program
    .command('worker')
    .description('run workers only (several processes on PostgreSQL; one per SQLite file)')
    .option('--concurrency <n>', 'jobs at once', '4')
    .option('--until-idle', 'exit once nothing is runnable and nothing is running')
    .action(async (opts: { concurrency: string; untilIdle?: boolean }) => {
      const config = configFrom({ ...globals(), logLevel: globals().logLevel ?? 'info' });
      const app = await createAfterword(config, clockOption(globals()));
      const orchestrator = await app.startWorkers(Number(opts.concurrency));
      const started = Date.now();
      if (opts.untilIdle) await Promise.race([orchestrator.untilIdle(), untilSignal()]);
      else await untilSignal();
      const stats = orchestrator.stats();
      await app.stop();
      emit(
        globals().json,
        { ...stats, elapsedMs: Date.now() - started },
        () =>
          `worker stopped: ${stats.completed} completed, ${stats.failed} failed, ${stats.retried} retried in ${duration(Date.now() - started)}`,
      );
    });

  program
    .command('temporal-worker')
    .description('run a Temporal worker: the workflows as activities on TEMPORAL_ADDRESS, namespace and task queue')
    .option('--concurrency <n>', 'activities at once', '8')
    .action(async (opts: { concurrency: string }) => {
      // The spec's variables, strict or lenient (temporal_worker_missing_config lists what is missing).
      const worker = readTemporalWorkerConfig(process.env);
      const config = configFrom(
        { ...globals(), logLevel: globals().logLevel ?? 'info' },
        { engineKind: 'temporal', temporal: temporalConfigInput(worker) },
      );
      const app = await createAfterword(config, clockOption(globals()));
      const orchestrator = await app.startWorkers(Number(opts.concurrency));
      const started = Date.now();
      process.stderr.write(
        `afterword temporal-worker: ${worker.address} namespace ${worker.namespace} task queue ${worker.taskQueue}` +
          ` (${worker.strict ? 'strict' : 'lenient'} configuration), store ${app.store.location}\n`,
      );
      await untilSignal();
      const stats = orchestrator.stats();
      await app.stop();
      emit(
        globals().json,
        { ...stats, elapsedMs: Date.now() - started },
        () =>
          `temporal-worker stopped: ${stats.completed} completed, ${stats.failed} failed in ${duration(Date.now() - started)}`,
      );
    });

  program
    .command('migrate')
    .description('apply pending database migrations (safe with several processes at once)')
    .action(async () => {
      const config = configFrom(globals());
      const store = await openStore(config, () => ({ clock: systemClock, extend: (tx) => tx, migrate: false }));
      try {
        const report = await migrate(store.driver);
        emit(globals().json, { ...report, store: store.location }, () =>
          report.applied.length
            ? `applied ${report.applied.join(', ')} on ${store.location}`
            : `schema is up to date (version ${report.current}) on ${store.location}`,
        );
      } finally {
        await store.close();
      }
    });

  program
    .command('demo')
    .description('load the demo world and N synthetic sessions, close them, and watch the workflows')
    .option('--sessions <n>', 'how many sessions', '20')
    .option('--turns <t>', 'turns per session', '60')
    .option('--seed <seed>', 'random seed', '7')
    .option('--world <file>', 'world file', demoWorldPath)
    .option('--no-wait', 'only queue the closures and exit')
    .option('--concurrency <n>', 'in-process workers', '4')
    .action(
      async (opts: { sessions: string; turns: string; seed: string; world: string; wait: boolean; concurrency: string }) => {
        const count = Number(opts.sessions);
        const turns = Number(opts.turns);
        if (!Number.isInteger(count) || count < 1 || count > 100_000)
          throw new AfterwordError('invalid_input', '--sessions: must be an integer from 1 to 100000', {
            issues: [{ field: '--sessions', reason: 'must be 1..100000' }],
          });
        await withApp(globals(), async (app) => {
          const tty = process.stderr.isTTY && !globals().json;
          const { jobIds, summary } = await runDemo(app, {
            sessions: count,
            turns,
            seed: Number(opts.seed),
            world: JSON.parse(readFileSync(opts.world, 'utf8')),
            wait: opts.wait,
            concurrency: Number(opts.concurrency),
            onProgress: (done, total) => {
              if (tty) process.stderr.write(`\r${done}/${total} workflows finished`);
            },
            onWorkersBusy: () =>
              process.stderr.write('another process is working on this store; waiting for it to finish the demo jobs\n'),
          });
          if (!summary) {
            emit(
              globals().json,
              { queued: jobIds.length, jobIds },
              () => `queued ${jobIds.length} closure workflows; run \`afterword worker\` or \`npm start\` to process them`,
            );
            return;
          }
          if (tty) process.stderr.write('\n');
          emit(globals().json, summary, () =>
            [
              `demo: ${summary.completed}/${count} workflows completed, ${summary.failed} failed in ${duration(summary.elapsedMs)}`,
              `workflow duration p50 ${duration(summary.durationMs.p50)}  p95 ${duration(summary.durationMs.p95)}  max ${duration(summary.durationMs.max)}`,
              `${summary.mentions} entity mentions, ${summary.deltas} world deltas, ${summary.awaitingModeration} batches awaiting moderation`,
              'next: afterword sessions | afterword deltas --status needs-review | afterword decide DELTA approve',
            ].join('\n'),
          );
          if (summary.failed > 0) process.exitCode = 1;
        });
      },
    );
}
