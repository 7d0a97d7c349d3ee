import { act, api } from './api-client.js';
import { formatMs } from './charts.js';
import { ago, badge, dataTable, h, short, when } from './dom.js';
import { canModerate, state } from './state.js';

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

export async function alertsView(root) {
  let open = true;
  const body = h('div', {});
  const draw = async () => {
    const { items } = await api('GET', `/v1/alerts?limit=200${open ? '&state=open' : ''}`);
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
                  a.resolvedAt
                    ? h('span', { class: 'muted' }, `resolved (${String(a.resolution ?? '').replace(/_/g, ' ')})`)
                    : a.acknowledgedAt
                      ? h('span', { class: 'muted' }, `ack by ${a.acknowledgedBy}`)
                      : canModerate() &&
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
          ' Open alerts only (neither acknowledged nor resolved)',
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
