import { api } from './api-client.js';
import { deltaCard } from './delta-card.js';
import { h, when } from './dom.js';
import { state } from './state.js';

export async function moderationView(root) {
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
