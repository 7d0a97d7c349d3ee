// The jobs the dashboard keeps live: loaded from /v1/jobs, updated from the event stream.
import { api } from './api-client.js';
import { formatMs } from './charts.js';
import { ago, badge, dataTable, h, short, when } from './dom.js';
import { state } from './state.js';

const jobTopicStatus = {
  queued: 'queued',
  started: 'processing',
  completed: 'completed',
  failed: 'failed',
  retrying: 'retrying',
  cancelled: 'cancelled',
  retried: 'queued',
  rerun: 'queued',
};

/** Load the latest 200 jobs into the shared state (and the charts' samples). */
export async function loadJobs() {
  const page = await api('GET', '/v1/jobs?limit=200');
  for (const job of page.items) {
    const known = state.jobs.get(job.jobId);
    state.jobs.set(job.jobId, { ...job, _flash: known?._flash });
    if (job.workflow === 'session.closure') {
      if (!known && job.status === 'completed' && job.completedAt)
        state.completions.push({ t: job.completedAt, durationMs: job.durationMs ?? 0 });
      if (!known) state.arrivals.push(job.enqueuedAt);
    }
  }
}

export const sortedJobs = () => [...state.jobs.values()].sort((a, b) => b.seq - a.seq);

let refreshTimer = null;
/** A job event from the live stream: update the job in place (or fetch the list if it is new) and the chart samples. */
export function applyJobEvent(event, onNewJobs) {
  const m = /^(?:offline\.sessionClosure|engine\.job)\.(\w+)$/.exec(event.topic);
  if (!m || !event.jobId || !jobTopicStatus[m[1]]) return;
  const status = jobTopicStatus[m[1]];
  const job = state.jobs.get(event.jobId);
  const p = event.payload ?? {};
  if (job) {
    job.status = status;
    if (p.startedAt) job.startedAt = p.startedAt;
    if (p.completedAt) job.completedAt = p.completedAt;
    if (p.durationMs !== undefined) job.durationMs = p.durationMs;
    if (p.attempts !== undefined) job.attempts = p.attempts;
    job._flash = Date.now();
  } else {
    // A job we have not seen: fetch the list again (debounced) to get its full record.
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => loadJobs().then(onNewJobs), 150);
  }
  // Keep an hour of samples (the widest chart window).
  const horizon = Date.now() - 60 * 60_000;
  if (state.completions.length > 5000) state.completions = state.completions.filter((c) => c.t >= horizon);
  if (state.arrivals.length > 5000) state.arrivals = state.arrivals.filter((t) => t >= horizon);
  if (event.topic === 'offline.sessionClosure.completed')
    state.completions.push({ t: p.completedAt ?? event.createdAt, durationMs: p.durationMs ?? 0 });
  if (event.topic === 'offline.sessionClosure.queued') state.arrivals.push(p.enqueuedAt ?? event.createdAt);
}

/** A queued job due later (publishing batches, digests): not waiting for a worker, waiting for its time. */
export const isScheduled = (job) => job.status === 'queued' && job.runAt > Date.now() + 1000;

export function jobsTable(jobs, { showSession = true } = {}) {
  if (jobs.length === 0)
    return h(
      'p',
      { class: 'empty' },
      'No jobs yet. Close a session (POST /v1/sessions/:id/close) and its closure job appears here live.',
    );
  return dataTable(
    ['Job', showSession && 'Session', 'Workflow', 'Status', 'Queued / due', 'Duration', 'Attempts'],
    jobs.map((job) =>
      h(
        'tr',
        {
          class: `clickable${job._flash && Date.now() - job._flash < 1200 ? ' flash' : ''}`,
          'data-job': job.jobId,
          onclick: () => (location.hash = `#/job/${job.jobId}`),
        },
        h('td', { class: 'mono' }, short(job.jobId)),
        showSession && h('td', {}, job.payload?.sessionId ?? job.concurrencyKey ?? '–'),
        h('td', {}, job.workflow),
        h('td', {}, isScheduled(job) ? badge('scheduled') : badge(job.status)),
        isScheduled(job)
          ? h('td', { title: `queued ${when(job.enqueuedAt)}, due ${when(job.runAt)}` }, `due ${ago(job.runAt)}`)
          : h('td', { title: when(job.enqueuedAt) }, ago(job.enqueuedAt)),
        h('td', {}, job.durationMs != null ? formatMs(job.durationMs) : job.status === 'processing' ? 'running…' : '–'),
        h('td', {}, String(job.attempts ?? 0)),
      ),
    ),
    { class: 'jobs' },
  );
}
