import { act, api } from './api-client.js';
import { ago, badge, dataTable, h, short, when } from './dom.js';
import { isAdmin, state } from './state.js';

export async function publishingView(root) {
  const body = h('div', {});
  const draw = async () => {
    const { items } = await api('GET', '/v1/publishing/batches?limit=500');
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
