import type { Command } from 'commander';
import type { JobStatus } from '../../engine/types.js';
import { invalidInput } from '../../errors.js';
import { type GlobalOptions, withApp } from '../context.js';
import { duration, emit, table, time } from '../output.js';

const statuses: JobStatus[] = ['queued', 'retrying', 'processing', 'completed', 'failed', 'cancelled'];

export function registerJobCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('jobs')
    .description('list jobs, newest first')
    .option('--status <status>', statuses.join(' | '))
    .option('--session <sessionId>', 'jobs of one session')
    .option('--workflow <name>', 'session.closure | publishing.batch | publishing.digest')
    .option('--limit <n>', 'how many', '50')
    .option('--before <seq>', 'cursor: jobs older than this sequence number')
    .action(async (opts: { status?: string; session?: string; workflow?: string; limit: string; before?: string }) => {
      if (opts.status && !statuses.includes(opts.status as JobStatus))
        throw invalidInput([{ field: '--status', reason: `must be one of ${statuses.join(', ')}` }]);
      await withApp(globals(), async (app) => {
        const jobs = await app.engine.listJobs({
          status: opts.status as JobStatus | undefined,
          concurrencyKey: opts.session,
          workflow: opts.workflow,
          limit: Number(opts.limit),
          beforeSeq: opts.before ? Number(opts.before) : undefined,
        });
        emit(
          globals().json,
          { jobs },
          () =>
            table(
              jobs.map((j) => ({
                seq: j.seq,
                job: j.jobId,
                workflow: j.workflow,
                session: j.concurrencyKey ?? (j.payload as { sessionId?: string }).sessionId ?? '-',
                status: j.status,
                attempts: `${j.attempts}/${j.maxAttempts}`,
                runAt: time(j.runAt),
                duration: duration(j.durationMs),
                error: j.error?.code ?? '',
              })),
              ['seq', 'job', 'workflow', 'session', 'status', 'attempts', 'runAt', 'duration', 'error'],
            ) + (jobs.length === Number(opts.limit) && jobs.length > 0 ? `\nmore: --before ${jobs[jobs.length - 1]?.seq}` : ''),
        );
      });
    });

  program
    .command('job')
    .description('show one job with its per-step timeline and attempts')
    .argument('<jobId>')
    .action(async (jobId: string) => {
      await withApp(globals(), async (app) => {
        const timeline = await app.engine.timeline(jobId);
        const { job } = timeline;
        const start = job.startedAt ?? job.enqueuedAt;
        emit(globals().json, timeline, () =>
          [
            `job ${job.jobId}  ${job.workflow}  ${job.status}  attempts ${job.attempts}/${job.maxAttempts}`,
            `enqueued ${time(job.enqueuedAt)}  started ${time(job.startedAt)}  completed ${time(job.completedAt)}  duration ${duration(job.durationMs)}`,
            job.error ? `error ${job.error.code}: ${job.error.message}` : '',
            '',
            'steps:',
            table(
              timeline.steps.map((s) => ({
                step: s.step,
                attempt: s.attempt,
                offset: duration(s.startedAt - start),
                duration: duration(s.durationMs),
                bar: '█'.repeat(Math.max(1, Math.min(40, Math.round(s.durationMs / Math.max(1, (job.durationMs ?? 1) / 40))))),
              })),
              ['step', 'attempt', 'offset', 'duration', 'bar'],
            ),
            timeline.pendingSteps.length ? `pending: ${timeline.pendingSteps.join(', ')}` : '',
            '',
            'attempts:',
            table(
              timeline.attempts.map((a) => ({
                attempt: a.attempt,
                worker: a.workerId,
                started: time(a.startedAt),
                ended: time(a.endedAt),
                outcome: a.outcome ?? 'running',
                error: a.error?.message ?? '',
              })),
              ['attempt', 'worker', 'started', 'ended', 'outcome', 'error'],
            ),
            job.result ? `\nresult ${JSON.stringify(job.result)}` : '',
          ]
            .filter((l) => l !== '')
            .join('\n'),
        );
      });
    });

  program
    .command('retry')
    .description('retry a failed or cancelled job (recorded as an operator action)')
    .argument('<jobId>')
    .option('--by <actor>', 'who asks', 'cli')
    .action(async (jobId: string, opts: { by: string }) => {
      await withApp(globals(), async (app) => {
        const job = await app.engine.retry(jobId, opts.by);
        emit(globals().json, { job }, () => `job ${jobId} queued again (attempt budget ${job.maxAttempts})`);
      });
    });

  program
    .command('rerun')
    .description('re-run a finished job from a step: that step and every later one run again (recorded)')
    .argument('<jobId>')
    .requiredOption('--from <step>', 'the step to run again from (see `afterword job JOB_ID`)')
    .option('--by <actor>', 'who asks', 'cli')
    .action(async (jobId: string, opts: { from: string; by: string }) => {
      await withApp(globals(), async (app) => {
        const job = await app.engine.rerunFrom(jobId, opts.from, opts.by);
        emit(globals().json, { job }, () => `job ${jobId} queued again from step ${opts.from}`);
      });
    });

  program
    .command('cancel')
    .description('cancel an unfinished job')
    .argument('<jobId>')
    .option('--by <actor>', 'who asks', 'cli')
    .action(async (jobId: string, opts: { by: string }) => {
      await withApp(globals(), async (app) => {
        const job = await app.engine.cancel(jobId, opts.by);
        emit(globals().json, { job }, () => `job ${jobId} cancelled`);
      });
    });

  program
    .command('alerts')
    .description('list admin alerts (newest first); an alert is resolved when its cause is')
    .option('--open', 'only open alerts (neither acknowledged nor resolved)')
    .option('--state <state>', 'open | acknowledged | resolved | unresolved')
    .option('--ack <alertId>', 'acknowledge one alert')
    .option('--limit <n>', 'how many', '50')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action(async (opts: { open?: boolean; state?: string; ack?: string; limit: string; cursor?: string }) => {
      await withApp(globals(), async (app) => {
        if (opts.ack) {
          const alert = await app.alerts.acknowledge(opts.ack, 'cli');
          emit(globals().json, { alert }, () => `alert ${alert.id} acknowledged`);
          return;
        }
        const page = await app.alerts.page({
          open: opts.open,
          state: opts.state,
          limit: Number(opts.limit),
          cursor: opts.cursor,
        });
        const alerts = page.items;
        emit(globals().json, { alerts, nextCursor: page.nextCursor }, () =>
          [
            table(
              alerts.map((a) => ({
                id: a.id,
                at: time(a.createdAt),
                severity: a.severity,
                reason: a.reason,
                session: a.sessionId ?? '-',
                acked: a.acknowledgedAt ? 'yes' : 'no',
                resolved: a.resolvedAt ? (a.resolution ?? 'yes') : 'no',
              })),
              ['id', 'at', 'severity', 'reason', 'session', 'acked', 'resolved'],
            ),
            ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
          ].join('\n'),
        );
      });
    });
}

export function registerWorkerListCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('workers')
    .description('worker processes known to the store, with liveness (last heartbeat)')
    .option('--all', 'include stopped workers')
    .action(async (opts: { all?: boolean }) => {
      await withApp(globals(), async (app) => {
        const records = await app.engine.listWorkers({ all: opts.all ?? false });
        const now = app.clock.now();
        // A worker heartbeats every heartbeatMs; three missed beats means it is gone (killed, partitioned).
        const staleAfter = app.config.engine.heartbeatMs * 3;
        const workers = records.map(({ stoppedAt, ...r }) => ({
          workerId: r.workerId,
          hostname: r.hostname,
          pid: r.pid,
          concurrency: r.concurrency,
          state: stoppedAt !== null ? 'stopped' : now - r.lastSeenAt <= staleAfter ? 'alive' : 'lost',
          running: r.running,
          completed: r.completed,
          failed: r.failed,
          startedAt: r.startedAt,
          lastSeenAt: r.lastSeenAt,
        }));
        emit(globals().json, { workers }, () =>
          table(
            workers.map((w) => ({ ...w, startedAt: time(w.startedAt), lastSeenAt: time(w.lastSeenAt) })),
            ['workerId', 'hostname', 'pid', 'state', 'concurrency', 'running', 'completed', 'failed', 'startedAt', 'lastSeenAt'],
          ),
        );
      });
    });
}
