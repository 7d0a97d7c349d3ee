import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createAfterword } from '../../app.js';
import { generateSyntheticSession } from '../../demo/index.js';
import { parseWorldFile } from '../../domain/index.js';
import { migrate } from '../../store/migrate.js';
import { openStore } from '../../store/store.js';
import { EventBus } from '../../telemetry/event-bus.js';
import { systemClock, randomIds } from '../../clock.js';
import { silentLogger } from '../../telemetry/logger.js';
import { demoWorldPath } from '../../paths.js';
import { clockOption, configFrom, type GlobalOptions, withApp } from '../context.js';
import { duration, emit } from '../output.js';
import { closureWorkflowName } from '../../workflow/closure-payload.js';
import { terminalStatuses } from '../../engine/types.js';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

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
    .action(async (opts: { workers?: string; port?: string; host?: string }) => {
      const extra: Record<string, unknown> = {};
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
      const stats = orchestrator.worker.stats;
      await app.stop();
      emit(
        globals().json,
        { ...stats, elapsedMs: Date.now() - started },
        () =>
          `worker stopped: ${stats.completed} completed, ${stats.failed} failed, ${stats.retried} retried in ${duration(Date.now() - started)}`,
      );
    });

  program
    .command('migrate')
    .description('apply pending database migrations (safe with several processes at once)')
    .action(async () => {
      const config = configFrom(globals());
      const store = await openStore(config, {
        bus: new EventBus(silentLogger()),
        clock: systemClock,
        ids: randomIds,
        origin: 'migrate',
        migrate: false,
      });
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
          throw new (await import('../../errors.js')).AfterwordError(
            'invalid_input',
            '--sessions: must be an integer from 1 to 100000',
            { issues: [{ field: '--sessions', reason: 'must be 1..100000' }] },
          );
        await withApp(globals(), async (app) => {
          const worldJson = JSON.parse(readFileSync(opts.world, 'utf8'));
          const world = parseWorldFile(worldJson);
          const meta = await app.world.meta();
          if (!meta || meta.worldId !== world.worldId) await app.world.importWorld(worldJson, 'demo');
          const runId = Date.now().toString(36);
          const jobIds: string[] = [];
          for (let i = 0; i < count; i++) {
            const s = generateSyntheticSession({
              seed: Number(opts.seed) * 100_003 + i,
              turns,
              sessionId: `demo-${runId}-${i + 1}`,
              world,
              startAt: Date.now() - turns * 45_000,
            });
            await app.sessions.importSession({
              sessionId: s.sessionId,
              context: s.context,
              turns: s.turns,
              changeFeed: s.changeFeed,
            });
            const closed = await app.coordinator.closeSession(s.sessionId, { reason: 'demo', closedBy: 'demo' });
            jobIds.push(closed.job.jobId);
          }
          if (!opts.wait) {
            emit(
              globals().json,
              { queued: jobIds.length, jobIds },
              () => `queued ${jobIds.length} closure workflows; run \`afterword worker\` or \`npm start\` to process them`,
            );
            return;
          }
          const pending = new Set(jobIds);
          const tty = process.stderr.isTTY && !globals().json;
          const progress = () => {
            const done = jobIds.length - pending.size;
            if (tty) process.stderr.write(`\r${done}/${jobIds.length} workflows finished`);
          };
          const finished = new Promise<void>((resolve) => {
            app.bus.subscribe({ topics: ['offline.sessionClosure.completed', 'offline.sessionClosure.failed'] }, (event) => {
              if (event.jobId && pending.delete(event.jobId)) progress();
              if (pending.size === 0) resolve();
            });
          });
          const started = Date.now();
          let worker: Awaited<ReturnType<typeof app.startWorkers>> | null = null;
          try {
            worker = await app.startWorkers(Number(opts.concurrency));
          } catch {
            process.stderr.write('another process is working on this store; waiting for it to finish the demo jobs\n');
          }
          // Events from another process arrive through the store; poll job states as the fallback.
          const poll = setInterval(
            async () => {
              for (const id of [...pending]) {
                const job = await app.engine.getJob(id);
                if (job && terminalStatuses.includes(job.status)) pending.delete(id);
              }
              progress();
            },
            worker ? 2000 : 250,
          );
          await Promise.race([
            finished,
            new Promise<void>((r) => {
              const t = setInterval(() => {
                if (pending.size === 0) {
                  clearInterval(t);
                  r();
                }
              }, 100);
            }),
          ]);
          clearInterval(poll);
          if (tty) process.stderr.write('\n');
          const jobs = await app.engine.listJobs({ workflow: closureWorkflowName, limit: 100_000 });
          const mine = jobs.filter((j) => jobIds.includes(j.jobId));
          const durations = mine.map((j) => j.durationMs ?? 0).sort((a, b) => a - b);
          const summary = {
            sessions: count,
            completed: mine.filter((j) => j.status === 'completed').length,
            failed: mine.filter((j) => j.status === 'failed').length,
            elapsedMs: Date.now() - started,
            durationMs: {
              p50: percentile(durations, 50),
              p95: percentile(durations, 95),
              max: durations[durations.length - 1] ?? 0,
            },
            mentions: mine.reduce((n, j) => n + Number((j.result as { mentionCount?: number } | null)?.mentionCount ?? 0), 0),
            deltas: mine.reduce((n, j) => n + Number((j.result as { deltaCount?: number } | null)?.deltaCount ?? 0), 0),
            awaitingModeration: mine.filter(
              (j) => (j.result as { publishing?: { status?: string } } | null)?.publishing?.status === 'awaiting_moderation',
            ).length,
          };
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
