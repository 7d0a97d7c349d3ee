import { h } from './dom.js';
import { jobsTable, loadJobs, sortedJobs } from './jobs.js';
import { state } from './state.js';

export async function jobsView(root) {
  let filter = '';
  const body = h('div', {});
  const select = h(
    'select',
    {
      id: 'job-status',
      onchange: (e) => {
        filter = e.target.value;
        draw();
      },
    },
    h('option', { value: '' }, 'all statuses'),
    ['queued', 'processing', 'retrying', 'completed', 'failed', 'cancelled'].map((s) => h('option', { value: s }, s)),
  );
  root.append(
    h('h1', {}, 'Jobs'),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'toolbar' },
        h('label', { class: 'muted' }, 'Status ', select),
        h('span', { class: 'spacer' }),
        h('span', { class: 'muted' }, 'The latest 200 jobs, updated live; click a job for its step timeline.'),
      ),
      body,
    ),
  );
  const draw = () => body.replaceChildren(jobsTable(sortedJobs().filter((j) => !filter || j.status === filter)));
  draw();
  let timer = null;
  const redraw = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () =>
        void loadJobs()
          .catch(() => {})
          .then(draw),
      150,
    );
  };
  Object.assign(state.view, { onEvent: redraw, onJobs: draw });
}
