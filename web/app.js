// Afterword operations dashboard: plain ES module, no build step, no CDN.
// Data comes from the /v1 API with the operator's token; live updates from /v1/events (SSE).
import { formatMs, gantt, timeChart } from './charts.js';

const $ = (sel) => document.querySelector(sel);
const state = {
  token: sessionStorage.getItem('afterword.token'),
  me: null,
  jobs: new Map(), // jobId -> job (summary fields), newest first by seq
  completions: [], // {t, durationMs} of completed closure jobs, for the charts
  arrivals: [], // t of queued closure jobs
  source: null,
  view: null, // {name, onEvent?(event)}
  chartWindowMs: 5 * 60_000,
};

// ---------- DOM helpers (textContent only: transcript text is untrusted) ----------
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}
/** A table with a header row; `rows` are <tr> elements. */
const dataTable = (headers, rows) =>
  h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', {}, x)),
      ),
    ),
    h('tbody', {}, rows),
  );
const badge = (status) => h('span', { class: `badge ${status}` }, String(status).replace(/_/g, ' '));
const when = (t) => (t ? new Date(t).toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' }) : '–');
const ago = (t) => {
  if (!t) return '–';
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 0) return `in ${formatDuration(-s)}`;
  return s < 5 ? 'just now' : `${formatDuration(s)} ago`;
};
function formatDuration(s) {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}
const short = (id) => (id ? String(id).slice(0, 8) : '–');
function toast(message, bad = false) {
  const el = $('#toast');
  el.textContent = message;
  el.className = bad ? 'toast bad' : 'toast';
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), bad ? 6000 : 3000);
}

// ---------- API ----------
class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}
async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${state.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (res.status === 401) {
    signOut('That token was not accepted (401). Check it and sign in again.');
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
async function act(label, fn) {
  try {
    await fn();
    toast(label);
  } catch (error) {
    toast(error.status === 403 ? `Not allowed for your role (${state.me?.role}): ${error.message}` : error.message, true);
  }
}

// ---------- sign in / out ----------
async function signIn(token) {
  state.token = token;
  state.me = await api('GET', '/v1/whoami');
  sessionStorage.setItem('afterword.token', token);
  $('#login').hidden = true;
  $('#nav').hidden = false;
  $('#session-controls').hidden = false;
  $('#whoami').textContent = `${state.me.name} · ${state.me.role}`;
  if (state.me.role === 'gm') {
    $('#view').replaceChildren(
      h(
        'div',
        { class: 'card' },
        h('h1', {}, 'Game-master token'),
        h(
          'p',
          {},
          'This dashboard is for operators. A gm token can only use the session API for its own sessions; sign in with an admin or viewer token.',
        ),
      ),
    );
    return;
  }
  await loadJobs();
  connectEvents();
  refreshBadges();
  await route();
}
function signOut(message) {
  sessionStorage.removeItem('afterword.token');
  state.token = null;
  state.me = null;
  state.source?.close();
  state.source = null;
  $('#nav').hidden = true;
  $('#session-controls').hidden = true;
  $('#view').replaceChildren();
  $('#login').hidden = false;
  $('#login-error').textContent = message ?? '';
}
$('#login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('#login-error').textContent = '';
  try {
    await signIn($('#token-input').value.trim());
  } catch (error) {
    if (error.status !== 401) $('#login-error').textContent = `Could not sign in: ${error.message}`;
  }
});
$('#logout').addEventListener('click', () => signOut());

// ---------- live events ----------
const jobTopicStatus = {
  queued: 'queued',
  started: 'processing',
  completed: 'completed',
  failed: 'failed',
  retrying: 'retrying',
  cancelled: 'cancelled',
  retried: 'queued',
};
function connectEvents() {
  state.source?.close();
  // Only the topics the dashboard draws: transcript appends can be very frequent in production.
  const prefixes = 'offline.,engine.job.,admin.alert,world.delta.,telemetry.publish.,telemetry.offline.';
  const source = new EventSource(`/v1/events?prefix=${encodeURIComponent(prefixes)}&token=${encodeURIComponent(state.token)}`);
  state.source = source;
  source.onopen = () => setLive(true);
  source.onerror = () => setLive(false);
  source.onmessage = (message) => {
    const event = JSON.parse(message.data);
    onEvent(event);
  };
}
function setLive(on) {
  const el = $('#live');
  el.className = on ? 'live on' : 'live off';
  el.textContent = on ? '● live' : '● reconnecting';
}
let refreshTimer = null;
function onEvent(event) {
  const m = /^(?:offline\.sessionClosure|engine\.job)\.(\w+)$/.exec(event.topic);
  if (m && event.jobId && jobTopicStatus[m[1]]) {
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
      refreshTimer = setTimeout(() => loadJobs().then(() => state.view?.onJobs?.()), 150);
    }
    // Keep an hour of samples (the widest chart window).
    const horizon = Date.now() - 60 * 60_000;
    if (state.completions.length > 5000) state.completions = state.completions.filter((c) => c.t >= horizon);
    if (state.arrivals.length > 5000) state.arrivals = state.arrivals.filter((t) => t >= horizon);
    if (event.topic === 'offline.sessionClosure.completed')
      state.completions.push({ t: p.completedAt ?? event.createdAt, durationMs: p.durationMs ?? 0 });
    if (event.topic === 'offline.sessionClosure.queued') state.arrivals.push(p.enqueuedAt ?? event.createdAt);
  }
  if (event.topic === 'admin.alert' || event.topic === 'admin.alert.acknowledged' || event.topic.startsWith('world.delta.'))
    refreshBadges();
  state.view?.onEvent?.(event);
}
let badgeTimer = null;
function refreshBadges() {
  clearTimeout(badgeTimer);
  badgeTimer = setTimeout(async () => {
    try {
      const [alerts, deltas] = await Promise.all([
        api('GET', '/v1/alerts?open=true&limit=500'),
        api('GET', '/v1/deltas?status=needs-review'),
      ]);
      $('#nav-alert-count').textContent = alerts.items.length || '';
      $('#nav-moderation-count').textContent = deltas.items.length || '';
    } catch {}
  }, 200);
}
async function loadJobs() {
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
const sortedJobs = () => [...state.jobs.values()].sort((a, b) => b.seq - a.seq);

// ---------- router ----------
const views = {
  overview: overviewView,
  jobs: jobsView,
  job: jobView,
  sessions: sessionsView,
  session: sessionView,
  moderation: moderationView,
  alerts: alertsView,
  publishing: publishingView,
};
async function route() {
  if (!state.me || state.me.role === 'gm') return;
  const [, name = 'overview', id] = (location.hash || '#/overview').split('/');
  const tab = { job: 'jobs', session: 'sessions' }[name] ?? name;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.tab === tab);
  const view = views[name] ?? overviewView;
  state.view = { name };
  const root = h('div', { 'data-view': name });
  $('#view').replaceChildren(root);
  try {
    await view(root, id ? decodeURIComponent(id) : undefined);
  } catch (error) {
    root.replaceChildren(h('div', { class: 'card' }, h('p', { class: 'error' }, error.message)));
  }
}
window.addEventListener('hashchange', route);

// ---------- views ----------
/** A queued job due later (publishing batches, digests): not waiting for a worker, waiting for its time. */
/** Operator actions are admin-only on the server; a viewer does not see the buttons at all. */
const isAdmin = () => state.me?.role === 'admin';

const isScheduled = (job) => job.status === 'queued' && job.runAt > Date.now() + 1000;

function jobsTable(jobs, { showSession = true } = {}) {
  if (jobs.length === 0)
    return h(
      'p',
      { class: 'empty' },
      'No jobs yet. Close a session (POST /v1/sessions/:id/close) and its closure job appears here live.',
    );
  return h(
    'table',
    { class: 'jobs' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Job'),
        showSession && h('th', {}, 'Session'),
        h('th', {}, 'Workflow'),
        h('th', {}, 'Status'),
        h('th', {}, 'Queued / due'),
        h('th', {}, 'Duration'),
        h('th', {}, 'Attempts'),
      ),
    ),
    h(
      'tbody',
      {},
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
    ),
  );
}

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

async function overviewView(root) {
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

async function jobsView(root) {
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

async function jobView(root, jobId) {
  const draw = async () => {
    const { job, steps, pendingSteps, attempts } = await api('GET', `/v1/jobs/${encodeURIComponent(jobId)}`);
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

async function sessionsView(root) {
  let status = '';
  let cursor = null;
  const rows = [];
  const body = h('div', {});
  const more = h('button', { onclick: () => load(false) }, 'Load more');
  const load = async (reset) => {
    if (reset) {
      rows.length = 0;
      cursor = null;
    }
    const page = await api(
      'GET',
      `/v1/sessions?limit=50${status ? `&status=${status}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    rows.push(...page.items);
    cursor = page.nextCursor;
    more.hidden = !cursor;
    body.replaceChildren(
      rows.length === 0
        ? h('p', { class: 'empty' }, 'No sessions. Create one with PUT /v1/sessions/:id.')
        : dataTable(
            ['Session', 'Status', 'Character', 'Turns', 'Last workflow', 'Updated'],
            rows.map((s) =>
              h(
                'tr',
                { class: 'clickable', onclick: () => (location.hash = `#/session/${encodeURIComponent(s.sessionId)}`) },
                h('td', {}, s.sessionId),
                h('td', {}, badge(s.status), s.offlinePending ? h('span', { class: 'muted' }, ' · workflow pending') : ''),
                h('td', {}, s.context?.character?.name ?? '–'),
                h('td', {}, s.turnCount),
                h(
                  'td',
                  {},
                  s.offlineLastRun ? [badge(s.offlineLastRun.status), ' ', formatMs(s.offlineLastRun.durationMs)] : '–',
                ),
                h('td', { title: when(s.updatedAt) }, ago(s.updatedAt)),
              ),
            ),
          ),
    );
  };
  const select = h(
    'select',
    {
      onchange: (e) => {
        status = e.target.value;
        void load(true);
      },
    },
    h('option', { value: '' }, 'all'),
    h('option', { value: 'active' }, 'active'),
    h('option', { value: 'closed' }, 'closed'),
  );
  root.append(
    h('h1', {}, 'Sessions'),
    h('div', { class: 'card' }, h('div', { class: 'toolbar' }, h('label', { class: 'muted' }, 'Status ', select)), body, more),
  );
  await load(true);
}

function deltaCard(delta, onDecided) {
  const decide = (decision) => async () => {
    let note;
    if (decision === 'rewrite' || decision === 'escalate') {
      note = prompt(
        decision === 'rewrite' ? 'How should this change be rewritten?' : 'Why escalate? (shown to the senior moderator)',
      );
      if (note === null) return;
    }
    await act(
      `Delta ${decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : decision === 'rewrite' ? 'sent for rewrite' : 'escalated'}`,
      async () => {
        await api('POST', `/v1/deltas/${encodeURIComponent(delta.deltaId)}/decision`, { decision, ...(note ? { note } : {}) });
        await onDecided();
      },
    );
  };
  const reasons = delta.reasons ?? delta.safety?.reasons ?? [];
  const conflicts = delta.conflicts ?? delta.safety?.conflicts ?? [];
  const open = ['needs-review', 'pending', 'escalated'].includes(delta.status);
  return h(
    'div',
    { class: 'delta', 'data-delta': delta.deltaId },
    h(
      'header',
      {},
      h('strong', {}, delta.canonicalName ?? delta.entityId),
      h('span', { class: 'muted mono' }, delta.entityId),
      badge(delta.status),
      h('span', { class: 'muted' }, delta.deltaType),
      delta.sessionId && h('a', { href: `#/session/${encodeURIComponent(delta.sessionId)}` }, delta.sessionId),
    ),
    reasons.length > 0 && h('div', { class: 'muted' }, 'Why review: ', reasons.join(', ')),
    conflicts.length > 0 &&
      h(
        'div',
        { class: 'muted' },
        'Conflicts: ',
        conflicts.map((c) => `${c.type}${c.target ? ` on ${c.target}` : ''}`).join('; '),
      ),
    h(
      'details',
      {},
      h('summary', {}, 'Proposed change'),
      h('pre', {}, JSON.stringify({ before: delta.before, after: delta.after }, null, 2)),
    ),
    open &&
      isAdmin() &&
      h(
        'div',
        { class: 'actions' },
        h('button', { class: 'approve', onclick: decide('approve') }, 'Approve'),
        h('button', { class: 'reject', onclick: decide('reject') }, 'Reject'),
        h('button', { onclick: decide('rewrite') }, 'Rewrite…'),
        h('button', { class: 'escalate', onclick: decide('escalate') }, 'Escalate…'),
      ),
  );
}

async function sessionView(root, sessionId) {
  const enc = encodeURIComponent(sessionId);
  const draw = async () => {
    const s = await api('GET', `/v1/sessions/${enc}`);
    const [transcript, mentions, queue, history, story] = await Promise.all([
      api('GET', `/v1/sessions/${enc}/transcript?limit=2000`),
      api('GET', `/v1/sessions/${enc}/mentions`),
      api('GET', `/v1/sessions/${enc}/moderation`).catch(() => ({ items: [] })),
      api('GET', `/v1/sessions/${enc}/history?limit=20`),
      api('GET', `/v1/sessions/${enc}/summary`).catch(() => null),
    ]);
    const byEntity = new Map();
    for (const m of mentions.items) {
      const e = byEntity.get(m.entityId) ?? { name: m.canonicalName, type: m.entityType, count: 0, sentence: m.sentence };
      e.count++;
      byEntity.set(m.entityId, e);
    }
    root.replaceChildren(
      h('a', { class: 'back', href: '#/sessions' }, '← All sessions'),
      h('h1', {}, `Session ${s.sessionId} `, badge(s.status)),
      h(
        'div',
        { class: 'grid cols-2' },
        h(
          'div',
          { class: 'card' },
          h('h2', {}, 'Directory summary'),
          h(
            'dl',
            { class: 'kv' },
            h('dt', {}, 'Character'),
            h('dd', {}, s.context?.character?.name ?? '–'),
            h('dt', {}, 'Location'),
            h('dd', {}, s.context?.location?.name ?? '–'),
            h('dt', {}, 'Owner'),
            h('dd', {}, s.context?.owner ?? '–'),
            h('dt', {}, 'Turns'),
            h('dd', {}, s.turnCount),
            h('dt', {}, 'Created'),
            h('dd', {}, when(s.createdAt)),
            h('dt', {}, 'Closed'),
            h('dd', {}, s.closedAt ? `${when(s.closedAt)} by ${s.closedBy} (${s.closureReason})` : 'open'),
            h('dt', {}, 'Workflow'),
            h(
              'dd',
              {},
              s.offlinePending ? 'pending' : s.offlineReconciledAt ? `reconciled ${ago(s.offlineReconciledAt)}` : '–',
              s.lastClosureJobId ? [' · ', h('a', { href: `#/job/${s.lastClosureJobId}` }, 'step timeline')] : '',
            ),
            h('dt', {}, 'Last run'),
            h(
              'dd',
              {},
              s.offlineLastRun
                ? [
                    badge(s.offlineLastRun.status),
                    ` ${formatMs(s.offlineLastRun.durationMs)}, summary v${s.offlineLastRun.summaryVersion ?? '–'}`,
                  ]
                : '–',
            ),
            h('dt', {}, 'Next lore batch'),
            h('dd', {}, s.publishing ? `${when(s.publishing.nextBatchAt)} (${ago(s.publishing.nextBatchAt)})` : '–'),
            h('dt', {}, 'Next digest'),
            h('dd', {}, s.publishing ? when(s.publishing.nextDigestAt) : '–'),
          ),
        ),
        h(
          'div',
          { class: 'card' },
          h('h2', {}, 'Story summary'),
          story
            ? h(
                'div',
                {},
                h(
                  'p',
                  { class: 'muted' },
                  `Version ${story.version} · ${story.statistics?.sceneCount ?? 0} scenes · ${story.statistics?.outstandingHooks ?? 0} open hooks`,
                ),
                h(
                  'div',
                  { class: 'scroll' },
                  (story.sceneBreakdown ?? []).map((sc) =>
                    h(
                      'div',
                      { class: 'turn' },
                      h('div', { class: 'who' }, sc.tension?.level ?? ''),
                      h('div', {}, h('strong', {}, sc.title), h('div', {}, sc.summary)),
                    ),
                  ),
                ),
              )
            : h(
                'p',
                { class: 'muted' },
                s.status === 'closed'
                  ? 'Not produced yet: the closure workflow is still running.'
                  : 'Produced when the session is closed.',
              ),
        ),
      ),
      h(
        'div',
        { class: 'card', id: 'session-deltas' },
        h('h2', {}, `World deltas proposed (${queue.items?.length ?? 0})`),
        queue.windowClosesAt
          ? h(
              'p',
              { class: 'help' },
              `Moderation window ${queue.windowState?.replace(/_/g, ' ') ?? ''}: ${when(queue.windowOpensAt)} → ${when(queue.windowClosesAt)}`,
            )
          : null,
        (queue.items ?? []).length === 0
          ? h('p', { class: 'empty' }, 'No world changes proposed.')
          : h(
              'div',
              { class: 'scroll tall' },
              (queue.items ?? []).map((d) => deltaCard(d, draw)),
            ),
      ),
      h(
        'div',
        { class: 'grid cols-2' },
        h(
          'div',
          { class: 'card' },
          h('h2', {}, `Transcript (${transcript.items.length} turns)`),
          h(
            'div',
            { class: 'scroll' },
            transcript.items.map((t) =>
              h('div', { class: `turn ${t.speaker}` }, h('div', { class: 'who' }, t.speaker), h('div', {}, t.text)),
            ),
          ),
        ),
        h(
          'div',
          { class: 'card' },
          h('h2', {}, `Entity mentions (${mentions.items.length})`),
          byEntity.size === 0
            ? h('p', { class: 'empty' }, 'None yet.')
            : h(
                'div',
                { class: 'scroll' },
                dataTable(
                  ['Entity', 'Type', 'Mentions'],
                  [...byEntity.entries()]
                    .sort((a, b) => b[1].count - a[1].count)
                    .map(([id, e]) =>
                      h(
                        'tr',
                        { title: e.sentence },
                        h('td', {}, e.name, h('div', { class: 'muted mono' }, id)),
                        h('td', {}, e.type),
                        h('td', {}, e.count),
                      ),
                    ),
                ),
              ),
        ),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', {}, 'Workflow history'),
        history.items.length === 0
          ? h('p', { class: 'empty' }, 'No workflow has run for this session.')
          : dataTable(
              ['Job', 'Status', 'Trigger', 'Completed', 'Duration', 'Deltas', 'Publishing'],
              history.items.map((r) =>
                h(
                  'tr',
                  { class: 'clickable', onclick: () => (location.hash = `#/job/${r.jobId}`) },
                  h('td', { class: 'mono' }, short(r.jobId)),
                  h('td', {}, badge(r.status)),
                  h('td', {}, r.trigger),
                  h('td', {}, when(r.completedAt)),
                  h('td', {}, formatMs(r.durationMs)),
                  h('td', {}, r.deltaCount ?? '–'),
                  h('td', {}, r.publishingStatus ? badge(r.publishingStatus) : '–'),
                ),
              ),
            ),
      ),
    );
  };
  await draw();
  let timer = null;
  state.view.onEvent = (event) => {
    if (event.sessionId !== sessionId) return;
    clearTimeout(timer);
    timer = setTimeout(() => void draw().catch(() => {}), 300);
  };
}

async function moderationView(root) {
  let status = 'needs-review';
  const body = h('div', {});
  const draw = async () => {
    const { items } = await api('GET', `/v1/deltas${status ? `?status=${status}` : ''}`);
    const bySession = new Map();
    for (const d of items) bySession.set(d.sessionId, [...(bySession.get(d.sessionId) ?? []), d]);
    body.replaceChildren(
      ...(items.length === 0
        ? [
            h(
              'p',
              { class: 'empty' },
              'Nothing to review. Deltas that need a moderator appear here when a closure workflow proposes them.',
            ),
          ]
        : [...bySession.entries()].map(([sessionId, deltas]) =>
            h(
              'div',
              { class: 'card' },
              h(
                'h2',
                {},
                'Session ',
                h('a', { href: `#/session/${encodeURIComponent(sessionId)}` }, sessionId),
                h('span', { class: 'muted' }, ` · ${deltas.length} delta${deltas.length === 1 ? '' : 's'}`),
              ),
              deltas.map((d) => deltaCard(d, draw)),
            ),
          )),
    );
  };
  const select = h(
    'select',
    {
      id: 'delta-status',
      onchange: (e) => {
        status = e.target.value;
        void draw();
      },
    },
    [
      ['needs-review', 'needs review'],
      ['pending', 'pending (auto, waiting for window)'],
      ['escalated', 'escalated'],
      ['approved', 'approved'],
      ['rejected', 'rejected'],
      ['', 'all'],
    ].map(([v, l]) => h('option', { value: v }, l)),
  );
  root.append(
    h('h1', {}, 'Moderation queue'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', { class: 'muted' }, 'Show ', select),
      h('span', { class: 'spacer' }),
      h(
        'span',
        { class: 'muted' },
        'Approve accepts a change for canon (applied when its batch publishes); reject drops it; rewrite and escalate ask for a note.',
      ),
    ),
    body,
  );
  await draw();
  let timer = null;
  state.view.onEvent = (event) => {
    if (!event.topic.startsWith('world.delta.')) return;
    clearTimeout(timer);
    timer = setTimeout(() => void draw().catch(() => {}), 300);
  };
}

/** One readable line per alert instead of its raw JSON. */
function alertDetails(a) {
  const d = a.data ?? {};
  const parts = [];
  if (d.entityId) parts.push(h('span', {}, 'entity ', h('code', {}, d.entityId)));
  const reasons = d.safety?.reasons ?? d.reasons;
  if (reasons?.length) parts.push(`needs review: ${reasons.map((r) => r.replace(/_/g, ' ')).join(', ')}`);
  for (const c of d.safety?.conflicts ?? [])
    parts.push(`${c.type.replace(/_/g, ' ')}${c.currentOwner ? ` (held by ${c.currentOwner})` : ''}`);
  if (d.jobId) parts.push(h('a', { href: `#/job/${d.jobId}` }, `job ${short(d.jobId)}`));
  if (d.message) parts.push(String(d.message));
  if (d.lateByMs !== undefined) parts.push(`late by ${formatMs(d.lateByMs)}`);
  if (d.durationMs !== undefined) parts.push(`took ${formatMs(d.durationMs)}`);
  if (parts.length === 0) parts.push(JSON.stringify(d).slice(0, 160));
  return parts.flatMap((p, i) => (i === 0 ? [p] : [' · ', p]));
}

async function alertsView(root) {
  let open = true;
  const body = h('div', {});
  const draw = async () => {
    const { items } = await api('GET', `/v1/alerts?limit=200${open ? '&open=true' : ''}`);
    body.replaceChildren(
      items.length === 0
        ? h('p', { class: 'empty' }, open ? 'No open alerts. All clear.' : 'No alerts.')
        : dataTable(
            ['Severity', 'Reason', 'Session', 'Raised', 'Details', ''],
            items.map((a) =>
              h(
                'tr',
                { 'data-alert': a.id },
                h('td', {}, badge(a.severity)),
                h('td', {}, a.reason.replace(/_/g, ' ').replace(/^offline\./, 'workflow: ')),
                h(
                  'td',
                  { class: 'nowrap' },
                  a.sessionId ? h('a', { href: `#/session/${encodeURIComponent(a.sessionId)}` }, a.sessionId) : '–',
                ),
                h('td', { class: 'nowrap', title: when(a.createdAt) }, ago(a.createdAt)),
                h('td', {}, alertDetails(a)),
                h(
                  'td',
                  {},
                  a.acknowledgedAt
                    ? h('span', { class: 'muted' }, `ack by ${a.acknowledgedBy}`)
                    : isAdmin() &&
                        h(
                          'button',
                          {
                            onclick: () =>
                              act('Alert acknowledged', async () => {
                                await api('POST', `/v1/alerts/${encodeURIComponent(a.id)}/acknowledge`);
                                await draw();
                              }),
                          },
                          'Acknowledge',
                        ),
                ),
              ),
            ),
          ),
    );
  };
  root.append(
    h('h1', {}, 'Alerts'),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'toolbar' },
        h(
          'label',
          {},
          h('input', {
            type: 'checkbox',
            checked: true,
            onchange: (e) => {
              open = e.target.checked;
              void draw();
            },
          }),
          ' Open alerts only',
        ),
      ),
      body,
    ),
  );
  await draw();
  state.view.onEvent = (event) => {
    if (event.topic.startsWith('admin.alert')) void draw().catch(() => {});
  };
}

async function publishingView(root) {
  const body = h('div', {});
  const draw = async () => {
    const { items } = await api('GET', '/v1/publishing/batches');
    items.sort((a, b) => a.scheduledAt - b.scheduledAt);
    body.replaceChildren(
      items.length === 0
        ? h('p', { class: 'empty' }, 'No publishing batches yet. Each completed closure plans one.')
        : dataTable(
            ['Session', 'Status', 'Scheduled', 'Due', 'Batch', ''],
            items.map((b) =>
              h(
                'tr',
                {},
                h('td', {}, h('a', { href: `#/session/${encodeURIComponent(b.sessionId)}` }, b.sessionId)),
                h('td', {}, badge(b.status)),
                h('td', {}, when(b.scheduledAt)),
                h('td', {}, b.publishedAt ? `published ${ago(b.publishedAt)}` : ago(b.scheduledAt)),
                h('td', { class: 'mono' }, short(b.batchId)),
                h(
                  'td',
                  {},
                  isAdmin() &&
                    b.status !== 'published' &&
                    h(
                      'button',
                      {
                        onclick: () => {
                          const minutes = prompt("Publish this session's batch how many minutes from now?", '30');
                          if (minutes === null) return;
                          void act('Schedule overridden', async () => {
                            await api('POST', `/v1/sessions/${encodeURIComponent(b.sessionId)}/publishing/override`, {
                              batchAt: Date.now() + Number(minutes) * 60_000,
                              reason: 'dashboard override',
                            });
                            await draw();
                          });
                        },
                      },
                      'Reschedule…',
                    ),
                ),
              ),
            ),
          ),
    );
  };
  root.append(
    h('h1', {}, 'Publishing schedule'),
    h(
      'p',
      { class: 'help' },
      'Lore batches wait for moderation, then publish at their scheduled time. "awaiting moderation" batches are held until every required delta is decided.',
    ),
    h('div', { class: 'card' }, body),
  );
  await draw();
  state.view.onEvent = (event) => {
    if (event.topic.startsWith('telemetry.publish.')) void draw().catch(() => {});
  };
}

// ---------- start ----------
setInterval(() => {
  if (state.view?.name === 'overview') state.view.onJobs?.();
}, 5000);
if (state.token) {
  signIn(state.token).catch(() => signOut());
} else {
  signOut();
}
