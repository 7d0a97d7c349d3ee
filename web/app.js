// Afterword operations dashboard: plain ES modules, no build step, no CDN. This is the shell: sign
// in and out, the live event stream, the nav badges and the router; each view is a module of its
// own (view-*.js), and all of them reach the API through api-client.js.
import { api, onUnauthorized, openEventStream, setToken, storedToken } from './api-client.js';
import { $, h } from './dom.js';
import { applyJobEvent, loadJobs } from './jobs.js';
import { state } from './state.js';
import { alertsView } from './view-alerts.js';
import { jobView } from './view-job.js';
import { jobsView } from './view-jobs.js';
import { moderationView } from './view-moderation.js';
import { overviewView } from './view-overview.js';
import { publishingView } from './view-publishing.js';
import { sessionView } from './view-session.js';
import { sessionsView } from './view-sessions.js';
import { webhooksView } from './view-webhooks.js';

// ---------- sign in / out ----------
let source = null;
async function signIn(token) {
  setToken(token);
  state.me = await api('GET', '/v1/whoami');
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
  setToken(null);
  state.me = null;
  source?.close();
  source = null;
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
function connectEvents() {
  source?.close();
  // Only the topics the dashboard draws: transcript appends can be very frequent in production.
  source = openEventStream(
    ['offline.', 'engine.job.', 'admin.alert', 'world.delta.', 'telemetry.publish.', 'telemetry.offline.', 'webhook.'],
    {
      onEvent,
      onOpen: () => setLive(true),
      onError: () => setLive(false),
    },
  );
}
function setLive(on) {
  const el = $('#live');
  el.className = on ? 'live on' : 'live off';
  el.textContent = on ? '● live' : '● reconnecting';
}
function onEvent(event) {
  applyJobEvent(event, () => state.view?.onJobs?.());
  if (event.topic === 'admin.alert' || event.topic === 'admin.alert.acknowledged' || event.topic.startsWith('world.delta.'))
    refreshBadges();
  state.view?.onEvent?.(event);
}
let badgeTimer = null;
function refreshBadges() {
  clearTimeout(badgeTimer);
  badgeTimer = setTimeout(async () => {
    try {
      // Counts, not a capped page: at a studio's scale the queue is longer than any page.
      const [alerts, moderation] = await Promise.all([api('GET', '/v1/alerts/counts'), api('GET', '/v1/moderation/counts')]);
      $('#nav-alert-count').textContent = alerts.open || '';
      $('#nav-moderation-count').textContent = moderation.items || '';
    } catch {}
  }, 200);
}

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
  webhooks: webhooksView,
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

// ---------- start ----------
onUnauthorized(signOut);
setInterval(() => {
  if (state.view?.name === 'overview') state.view.onJobs?.();
}, 5000);
const saved = storedToken();
if (saved) signIn(saved).catch(() => signOut());
else signOut();
