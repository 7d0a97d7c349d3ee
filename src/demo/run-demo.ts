import type { Afterword } from '../app.js';
import { parseWorldFile } from '../domain/index.js';
import { terminalStatuses } from '../engine/types.js';
import { closureWorkflowName } from '../workflow/closure-payload.js';
import { generateSyntheticSession } from './generate-synthetic-session.js';

export interface DemoOptions {
  sessions: number;
  turns: number;
  seed: number;
  /** The world file's JSON (imported when the store holds another world or none). */
  world: unknown;
  /** Wait for the workflows (with `concurrency` in-process workers) or only queue them. */
  wait: boolean;
  concurrency: number;
  /** Called as workflows finish (the CLI draws a progress line). */
  onProgress?: (done: number, total: number) => void;
  /** Called when this process may not run workers (another one works on the store). */
  onWorkersBusy?: () => void;
}

export interface DemoSummary {
  sessions: number;
  completed: number;
  failed: number;
  elapsedMs: number;
  durationMs: { p50: number; p95: number; max: number };
  mentions: number;
  deltas: number;
  awaitingModeration: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * The demo (`afterword demo`): the demo world and N synthetic sessions, imported, closed and, if
 * asked, processed live until every closure workflow finished. Through the application API only.
 */
export async function runDemo(app: Afterword, options: DemoOptions): Promise<{ jobIds: string[]; summary: DemoSummary | null }> {
  const world = parseWorldFile(options.world);
  const meta = await app.world.meta();
  if (!meta || meta.worldId !== world.worldId) await app.world.importWorld(options.world, 'demo');
  const now = app.clock.now();
  const runId = now.toString(36);
  const jobIds: string[] = [];
  for (let i = 0; i < options.sessions; i++) {
    const s = generateSyntheticSession({
      seed: options.seed * 100_003 + i,
      turns: options.turns,
      sessionId: `demo-${runId}-${i + 1}`,
      world,
      startAt: now - options.turns * 45_000,
    });
    await app.sessions.importSession({ sessionId: s.sessionId, context: s.context, turns: s.turns, changeFeed: s.changeFeed });
    const closed = await app.coordinator.closeSession(s.sessionId, { reason: 'demo', closedBy: 'demo' });
    jobIds.push(closed.job.jobId);
  }
  if (!options.wait) return { jobIds, summary: null };
  const started = app.clock.now();
  await untilFinished(app, jobIds, options);
  const jobs = await app.engine.listJobs({ workflow: closureWorkflowName, limit: 100_000 });
  const mine = jobs.filter((j) => jobIds.includes(j.jobId));
  const durations = mine.map((j) => j.durationMs ?? 0).sort((a, b) => a - b);
  const resultOf = (j: (typeof mine)[number]) =>
    j.result as { mentionCount?: number; deltaCount?: number; publishing?: { status?: string } } | null;
  return {
    jobIds,
    summary: {
      sessions: options.sessions,
      completed: mine.filter((j) => j.status === 'completed').length,
      failed: mine.filter((j) => j.status === 'failed').length,
      elapsedMs: app.clock.now() - started,
      durationMs: { p50: percentile(durations, 50), p95: percentile(durations, 95), max: durations[durations.length - 1] ?? 0 },
      mentions: mine.reduce((n, j) => n + Number(resultOf(j)?.mentionCount ?? 0), 0),
      deltas: mine.reduce((n, j) => n + Number(resultOf(j)?.deltaCount ?? 0), 0),
      awaitingModeration: mine.filter((j) => resultOf(j)?.publishing?.status === 'awaiting_moderation').length,
    },
  };
}

/**
 * Resolve when every job is finished: told by the closure events, with a poll of the job states
 * as the fallback (events from another process arrive through the store, a little later).
 */
async function untilFinished(app: Afterword, jobIds: string[], options: DemoOptions): Promise<void> {
  const pending = new Set(jobIds);
  const progress = () => options.onProgress?.(jobIds.length - pending.size, jobIds.length);
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const check = () => {
    progress();
    if (pending.size === 0) finish();
  };
  const unsubscribe = app.bus.subscribe(
    { topics: ['offline.sessionClosure.completed', 'offline.sessionClosure.failed'] },
    (event) => {
      if (event.jobId && pending.delete(event.jobId)) check();
    },
  );
  let working = true;
  try {
    await app.startWorkers(options.concurrency);
  } catch {
    working = false;
    options.onWorkersBusy?.();
  }
  const poll = setInterval(
    async () => {
      for (const id of [...pending]) {
        const job = await app.engine.getJob(id);
        if (job && terminalStatuses.includes(job.status)) pending.delete(id);
      }
      check();
    },
    working ? 2000 : 250,
  );
  check();
  try {
    await finished;
  } finally {
    clearInterval(poll);
    unsubscribe();
  }
}
