import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AfterwordError, invalidInput } from '../../errors.js';
import { type GlobalOptions, withApp } from '../context.js';
import { duration, emit, table, time } from '../output.js';

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AfterwordError('invalid_input', `${file}: cannot read: ${(error as Error).message}`, {
      issues: [{ field: 'FILE', reason: 'cannot be read' }],
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AfterwordError('invalid_json', `${file}: is not JSON: ${(error as Error).message}`, {
      issues: [{ field: 'FILE', reason: 'is not valid JSON' }],
    });
  }
}

export { readJsonFile };

export function registerSessionCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('import')
    .description('import one session (metadata, turns, optional changeFeed) from a JSON file')
    .argument('<file>', 'JSON file: {sessionId, context?, turns: [...], changeFeed?: [...]}')
    .option('--close', 'close the session after importing it')
    .option('--reason <reason>', 'closure reason when --close is given')
    .action(async (file: string, opts: { close?: boolean; reason?: string }) => {
      const doc = readJsonFile(file);
      if (!doc || typeof doc !== 'object' || Array.isArray(doc))
        throw invalidInput([{ field: '(root)', reason: 'must be a JSON object' }]);
      const body = doc as Record<string, unknown>;
      const { sessionId, turns, changeFeed, context, ...rest } = body;
      await withApp(globals(), async (app) => {
        const imported = await app.sessions.importSession({
          sessionId,
          context: context ?? rest,
          turns: turns ?? [],
          changeFeed,
        });
        const closed = opts.close
          ? await app.coordinator.closeSession(sessionId, { reason: opts.reason, closedBy: 'cli' })
          : null;
        const result = { ...imported, closureJob: closed?.job ?? null };
        emit(globals().json, result, () =>
          [
            `session ${String(sessionId)}: ${imported.created ? 'created' : 'updated'}, ${imported.appended} turns appended (${imported.duplicates} already present), ${imported.changes} changes`,
            closed ? `closed; closure job ${closed.job.jobId} ${closed.created ? 'queued' : 'already existed'}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });

  program
    .command('close')
    .description('close a session and queue its closure workflow (re-closing returns the existing job)')
    .argument('<sessionId>')
    .option('--reason <reason>', 'why the session was closed')
    .option('--by <actor>', 'who closed it', 'cli')
    .action(async (sessionId: string, opts: { reason?: string; by?: string }) => {
      await withApp(globals(), async (app) => {
        const out = await app.coordinator.closeSession(sessionId, { reason: opts.reason, closedBy: opts.by });
        emit(globals().json, { session: out.session, closureJob: out.job, created: out.created }, () =>
          out.created
            ? `closed ${sessionId}; closure job ${out.job.jobId} queued`
            : `${sessionId} was already closed; closure job ${out.job.jobId} is ${out.job.status}`,
        );
      });
    });

  program
    .command('sessions')
    .description('list sessions (directory summary)')
    .option('--status <status>', 'active | closed')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'next page cursor')
    .action(async (opts: { status?: 'active' | 'closed'; limit: string; cursor?: string }) => {
      await withApp(globals(), async (app) => {
        const page = await app.sessions.list({ status: opts.status, limit: Number(opts.limit), cursor: opts.cursor });
        emit(globals().json, page, () =>
          [
            table(
              page.items.map((s) => ({
                session: s.sessionId,
                status: s.status,
                turns: s.turnCount,
                closed: time(s.closedAt),
                pending: s.offlinePending ? 'yes' : 'no',
                lastRun: s.offlineLastRun?.status ?? '-',
                duration: duration(s.offlineLastRun?.durationMs),
              })),
              ['session', 'status', 'turns', 'closed', 'pending', 'lastRun', 'duration'],
            ),
            page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });

  program
    .command('session')
    .description('show one session: directory summary, history and latest summary statistics')
    .argument('<sessionId>')
    .action(async (sessionId: string) => {
      await withApp(globals(), async (app) => {
        const summary = await app.sessions.summary(sessionId);
        const history = await app.sessions.history(sessionId, { limit: 20 });
        emit(globals().json, { session: summary, history }, () =>
          [
            `session ${summary.sessionId}  status ${summary.status}  turns ${summary.turnCount}`,
            `closed ${time(summary.closedAt)} by ${summary.closedBy ?? '-'} (${summary.closureReason ?? '-'})`,
            `offline pending ${summary.offlinePending}  reconciled ${time(summary.offlineReconciledAt)}  cursor ${summary.lastAckCursor}/${summary.changeCursor}`,
            summary.publishing
              ? `next batch ${time(summary.publishing.nextBatchAt)}  next digest ${time(summary.publishing.nextDigestAt)}`
              : '',
            '',
            `workflow runs (${history.total ?? history.items.length}):`,
            table(
              history.items.map((r) => ({
                job: r.jobId,
                trigger: r.trigger,
                status: r.status,
                attempts: r.attempts,
                duration: duration(r.durationMs),
                summary: r.summaryVersion ?? '-',
                mentions: r.mentionCount ?? '-',
                deltas: r.deltaCount ?? '-',
                publishing: r.publishingStatus ?? '-',
              })),
              ['job', 'trigger', 'status', 'attempts', 'duration', 'summary', 'mentions', 'deltas', 'publishing'],
            ),
          ]
            .filter((l) => l !== '')
            .join('\n'),
        );
      });
    });
}
