import { api, apiAll } from './api-client.js';
import { formatMs } from './charts.js';
import { deltaCard } from './delta-card.js';
import { ago, badge, dataTable, h, short, when } from './dom.js';
import { state } from './state.js';

export async function sessionView(root, sessionId) {
  const enc = encodeURIComponent(sessionId);
  const draw = async () => {
    const s = await api('GET', `/v1/sessions/${enc}`);
    const [transcript, mentions, queue, history, story] = await Promise.all([
      api('GET', `/v1/sessions/${enc}/transcript?limit=2000`),
      apiAll(`/v1/sessions/${enc}/mentions`),
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
            h('dd', {}, s.owner ?? '–'),
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
