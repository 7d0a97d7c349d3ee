import { api } from './api-client.js';
import { formatMs, timeChart } from './charts.js';
import { h } from './dom.js';
import { jobsTable, loadJobs, sortedJobs } from './jobs.js';
import { state } from './state.js';

function bucketise(from, to, bucketMs) {
  const n = Math.ceil((to - from) / bucketMs);
  return Array.from({ length: n }, (_, i) => ({ t: from + i * bucketMs + bucketMs / 2, values: [] }));
}
function chartsCard() {
  const card = h('div', { class: 'card' });
  const draw = () => {
    const to = Date.now();
    const from = to - state.chartWindowMs;
    const bucketMs = state.chartWindowMs / 60;
    const done = bucketise(from, to, bucketMs);
    const queued = bucketise(from, to, bucketMs);
    for (const c of state.completions)
      if (c.t >= from) done[Math.min(done.length - 1, Math.floor((c.t - from) / bucketMs))]?.values.push(c.durationMs);
    for (const t of state.arrivals)
      if (t >= from) queued[Math.min(queued.length - 1, Math.floor((t - from) / bucketMs))]?.values.push(1);
    const perSecond = (b) => b.values.length / (bucketMs / 1000);
    const pct = (b, q) => {
      if (b.values.length === 0) return null;
      const s = [...b.values].sort((x, y) => x - y);
      return s[Math.min(s.length - 1, Math.floor(q * s.length))];
    };
    const rate = (v) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));
    const throughput = timeChart(
      [
        { name: 'closures queued/s', color: '#a9b4e8', type: 'line', points: queued.map((b) => ({ t: b.t, v: perSecond(b) })) },
        {
          name: 'closures completed/s',
          color: '#1f9d6a',
          type: 'bar',
          buckets: done.length,
          points: done.map((b) => ({ t: b.t, v: perSecond(b) })),
        },
      ],
      { from, to, yFormat: rate, yLabel: 'closures per second' },
    );
    const latency = timeChart(
      [
        { name: 'median', color: '#2f7de1', type: 'line', points: done.map((b) => ({ t: b.t, v: pct(b, 0.5) })) },
        { name: 'slowest', color: '#d99114', type: 'line', points: done.map((b) => ({ t: b.t, v: pct(b, 1) })) },
      ],
      { from, to, yFormat: (v) => formatMs(v), yLabel: 'job duration' },
    );
    const legend = (items) =>
      h(
        'div',
        { class: 'legend' },
        items.map(([c, l]) => h('span', {}, h('i', { style: `background:${c}` }), l)),
      );
    card.replaceChildren(
      h(
        'div',
        { class: 'toolbar' },
        h('h2', {}, 'Throughput and latency'),
        h('span', { class: 'spacer' }),
        h(
          'label',
          { class: 'muted' },
          'Window ',
          h(
            'select',
            {
              id: 'chart-window',
              onchange: (e) => {
                state.chartWindowMs = Number(e.target.value);
                draw();
              },
            },
            [
              [60_000, 'last minute'],
              [5 * 60_000, 'last 5 minutes'],
              [60 * 60_000, 'last hour'],
            ].map(([v, l]) => h('option', { value: v, selected: v === state.chartWindowMs }, l)),
          ),
        ),
      ),
      h(
        'div',
        { class: 'grid cols-2' },
        h(
          'div',
          {},
          h('h3', {}, 'Closures per second'),
          legend([
            ['#1f9d6a', 'completed'],
            ['#a9b4e8', 'queued'],
          ]),
          throughput,
        ),
        h(
          'div',
          {},
          h('h3', {}, 'Closure job duration (queued → done)'),
          legend([
            ['#2f7de1', 'median'],
            ['#d99114', 'slowest'],
          ]),
          latency,
        ),
      ),
      h(
        'p',
        { class: 'help' },
        `Computed in the browser from the live event stream and the last 200 jobs; each point is ${formatMs(bucketMs)}.`,
      ),
    );
  };
  draw();
  return { card, draw };
}

export async function overviewView(root) {
  const counts = h('div', { class: 'grid cols-6' });
  const recent = h('div', { class: 'card' });
  const charts = chartsCard();
  root.append(h('h1', {}, 'Overview'), counts, h('div', { style: 'height:16px' }), charts.card, recent);
  const drawCounts = async () => {
    const c = await api('GET', '/v1/jobs/counts');
    counts.replaceChildren(
      ...['queued', 'processing', 'retrying', 'completed', 'failed', 'cancelled'].map((s) =>
        h(
          'div',
          { class: `stat ${s}` },
          h('div', { class: 'n', 'data-count': s }, String(c[s] ?? 0)),
          h('div', { class: 'label' }, s === 'queued' ? 'queued or scheduled' : s),
        ),
      ),
    );
  };
  const drawRecent = () =>
    recent.replaceChildren(
      h(
        'div',
        { class: 'toolbar' },
        h('h2', {}, 'Latest jobs'),
        h('span', { class: 'spacer' }),
        h('a', { href: '#/jobs' }, 'All jobs →'),
      ),
      jobsTable(sortedJobs().slice(0, 12)),
    );
  await drawCounts();
  drawRecent();
  let timer = null;
  const redraw = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      await loadJobs().catch(() => {});
      drawRecent();
      charts.draw();
      await drawCounts().catch(() => {});
    }, 250);
  };
  Object.assign(state.view, { onEvent: redraw, onJobs: redraw });
}
