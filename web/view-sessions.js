import { api } from './api-client.js';
import { formatMs } from './charts.js';
import { ago, badge, dataTable, h, when } from './dom.js';

export async function sessionsView(root) {
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
