import { act, api } from './api-client.js';
import { formatMs, gantt } from './charts.js';
import { badge, dataTable, h, short, when } from './dom.js';
import { isAdmin, state } from './state.js';

export async function jobView(root, jobId) {
  const draw = async () => {
    const { job, steps, pendingSteps, attempts, links } = await api('GET', `/v1/jobs/${encodeURIComponent(jobId)}`);
    const sessionId = job.payload?.sessionId;
    const rows = [];
    if (job.startedAt) rows.push({ label: 'waiting in queue', start: job.enqueuedAt, end: job.startedAt, kind: 'wait' });
    for (const s of [...steps].sort((a, b) => a.stepIndex - b.stepIndex))
      rows.push({ label: s.step, start: s.startedAt, end: s.completedAt, kind: 'done' });
    pendingSteps.forEach((name, i) => {
      rows.push({
        label: name,
        start: null,
        end: null,
        note:
          job.status === 'processing' && i === 0
            ? 'running…'
            : job.status === 'failed' || job.status === 'cancelled'
              ? `not run (job ${job.status})`
              : 'not run yet',
      });
    });
    const buttons = h(
      'div',
      { class: 'toolbar' },
      isAdmin() &&
        ['failed', 'cancelled'].includes(job.status) &&
        h(
          'button',
          {
            class: 'primary',
            onclick: () =>
              act('Job re-queued', async () => {
                await api('POST', `/v1/jobs/${jobId}/retry`);
                await draw();
              }),
          },
          'Retry job',
        ),
      isAdmin() &&
        ['queued', 'retrying', 'processing'].includes(job.status) &&
        h(
          'button',
          {
            class: 'reject',
            onclick: () =>
              confirm('Cancel this job? It stops where it is.') &&
              act('Job cancelled', async () => {
                await api('POST', `/v1/jobs/${jobId}/cancel`);
                await draw();
              }),
          },
          'Cancel job',
        ),
      isAdmin() &&
        ['completed', 'failed', 'cancelled'].includes(job.status) &&
        rerunControl(job, [...steps.map((x) => x.step), ...pendingSteps], draw),
    );
    root.replaceChildren(
      h('a', { class: 'back', href: '#/jobs' }, '← All jobs'),
      h('h1', {}, `Job ${short(job.jobId)} `, badge(job.status)),
      h(
        'div',
        { class: 'grid cols-2' },
        h(
          'div',
          { class: 'card' },
          h('h2', {}, 'Details'),
          h(
            'dl',
            { class: 'kv' },
            h('dt', {}, 'Job id'),
            h('dd', { class: 'mono' }, job.jobId),
            h('dt', {}, 'Workflow'),
            h('dd', {}, job.workflow),
            h('dt', {}, 'Session'),
            h('dd', {}, sessionId ? h('a', { href: `#/session/${encodeURIComponent(sessionId)}` }, sessionId) : '–'),
            h('dt', {}, 'Trigger'),
            h('dd', {}, job.payload?.trigger ?? '–'),
            h('dt', {}, 'Queued'),
            h('dd', {}, when(job.enqueuedAt)),
            h('dt', {}, 'Started'),
            h('dd', {}, when(job.startedAt)),
            h('dt', {}, 'Completed'),
            h('dd', {}, when(job.completedAt)),
            h('dt', {}, 'Duration'),
            h('dd', {}, formatMs(job.durationMs)),
            h('dt', {}, 'Attempts'),
            h('dd', {}, `${job.attempts} of ${job.maxAttempts}`),
            job.error && h('dt', {}, 'Error'),
            job.error && h('dd', { class: 'error' }, `${job.error.code}: ${job.error.message}`),
            links?.temporal && h('dt', {}, 'Temporal'),
            links?.temporal &&
              h('dd', {}, h('a', { href: links.temporal, target: '_blank', rel: 'noopener' }, 'Open in Temporal Web UI')),
          ),
          buttons,
        ),
        h(
          'div',
          { class: 'card' },
          h('h2', {}, 'Result'),
          job.result
            ? h(
                'dl',
                { class: 'kv' },
                h('dt', {}, 'Summary version'),
                h('dd', {}, job.result.summaryVersion ?? '–'),
                h('dt', {}, 'Entity mentions'),
                h('dd', {}, job.result.mentionCount ?? '–'),
                h('dt', {}, 'World deltas'),
                h('dd', {}, job.result.deltaCount ?? '–'),
                h('dt', {}, 'Publishing'),
                h(
                  'dd',
                  {},
                  job.result.publishing ? badge(job.result.publishing.status) : '–',
                  job.result.publishing ? ` at ${when(job.result.publishing.scheduledAt)}` : '',
                ),
                h('dt', {}, 'Moderation'),
                h(
                  'dd',
                  {},
                  job.result.publishing?.moderation
                    ? `${job.result.publishing.moderation.pending} pending of ${job.result.publishing.moderation.required} required`
                    : '–',
                ),
              )
            : h('p', { class: 'muted' }, 'No result yet.'),
        ),
      ),
      h(
        'div',
        { class: 'card', id: 'timeline' },
        h('h2', {}, 'Step timeline'),
        h(
          'p',
          { class: 'help' },
          'Each bar is one checkpointed step; a resumed job skips steps that already finished. Hover a bar for exact times.',
        ),
        rows.length ? gantt(rows) : h('p', { class: 'empty' }, 'The job has not started yet.'),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Attempts'),
        attempts.length === 0
          ? h('p', { class: 'empty' }, 'No attempt yet.')
          : dataTable(
              ['#', 'Worker', 'Started', 'Ended', 'Outcome', 'Error'],
              attempts.map((a) =>
                h(
                  'tr',
                  {},
                  h('td', {}, a.attempt),
                  h('td', { class: 'mono' }, a.workerId),
                  h('td', {}, when(a.startedAt)),
                  h('td', {}, when(a.endedAt)),
                  h('td', {}, a.outcome ? badge(a.outcome) : 'running'),
                  h('td', {}, a.error ? `${a.error.code}: ${a.error.message}` : ''),
                ),
              ),
            ),
      ),
    );
  };
  await draw();
  let timer = null;
  state.view.onEvent = (event) => {
    if (event.jobId !== jobId) return;
    clearTimeout(timer);
    timer = setTimeout(() => void draw().catch(() => {}), 100);
  };
}

/** Re-run a finished job from a chosen step (that step's and later checkpoints are discarded; recorded). */
function rerunControl(job, stepNames, redraw) {
  const select = h(
    'select',
    { id: 'rerun-step', 'aria-label': 'Step to re-run from' },
    stepNames.map((name) => h('option', { value: name }, name)),
  );
  return h(
    'span',
    { class: 'rerun' },
    select,
    h(
      'button',
      {
        onclick: () =>
          confirm(`Re-run this job from step "${select.value}"? That step and every later one run again.`) &&
          act(`Job queued again from ${select.value}`, async () => {
            await api('POST', `/v1/jobs/${encodeURIComponent(job.jobId)}/rerun`, { step: select.value });
            await redraw();
          }),
      },
      'Re-run from step',
    ),
  );
}
