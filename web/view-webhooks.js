// Webhooks: subscriptions (create, enable/disable, rotate the secret, delete), their deliveries
// with the attempt log, and redrive of dead-lettered deliveries. Admin only, as the API is.
import { act, api } from './api-client.js';
import { formatMs } from './charts.js';
import { ago, badge, dataTable, h, when } from './dom.js';
import { isAdmin, state } from './state.js';

const enc = encodeURIComponent;

/** The secret of a new or rotated endpoint: shown here once, never fetched again. */
function secretCard(endpoint, what) {
  return h(
    'div',
    { class: 'card', 'data-secret': endpoint.endpointId },
    h('h2', {}, `${what}: copy the signing secret now`),
    h('p', {}, 'It is shown this once. Receivers verify the webhook-signature header with it (docs/api.md).'),
    h('pre', { class: 'secret' }, endpoint.secret),
  );
}

function createForm(topics, onCreated) {
  const url = h('input', { type: 'url', name: 'url', placeholder: 'https://wiki.example.com/hooks', required: true, size: 40 });
  const description = h('input', { type: 'text', name: 'description', placeholder: 'description', maxlength: 500 });
  const boxes = topics.map((t) =>
    h('label', { class: 'nowrap' }, h('input', { type: 'checkbox', value: t, 'data-topic': t }), ` ${t}`),
  );
  const form = h(
    'form',
    {
      class: 'toolbar wrap',
      'data-form': 'create-webhook',
      onsubmit: (e) => {
        e.preventDefault();
        const chosen = boxes
          .map((b) => b.querySelector('input'))
          .filter((i) => i.checked)
          .map((i) => i.value);
        void act('Endpoint subscribed', async () => {
          const created = await api('POST', '/v1/webhooks', {
            url: url.value.trim(),
            topics: chosen,
            ...(description.value ? { description: description.value } : {}),
          });
          form.reset();
          await onCreated(created);
        });
      },
    },
    url,
    description,
    h('div', { class: 'topics' }, boxes),
    h('button', { type: 'submit' }, 'Subscribe'),
  );
  return form;
}

function attemptLog(delivery) {
  return h(
    'div',
    { class: 'card', 'data-delivery-log': delivery.deliveryId },
    h('h2', {}, `Delivery ${delivery.deliveryId} · ${delivery.topic} · `, badge(delivery.status)),
    h('p', { class: 'muted' }, `webhook-id ${delivery.messageId} · endpoint ${delivery.endpointId}`),
    delivery.log.length === 0
      ? h('p', { class: 'empty' }, 'No attempt finished yet.')
      : dataTable(
          ['#', 'At', 'Outcome', 'Status', 'Latency', 'Error', 'Response'],
          delivery.log.map((a) =>
            h(
              'tr',
              {},
              h('td', {}, String(a.attempt)),
              h('td', { class: 'nowrap' }, when(a.startedAt)),
              h('td', {}, badge(a.outcome)),
              h('td', {}, a.statusCode ?? '–'),
              h('td', { class: 'nowrap' }, formatMs(a.latencyMs)),
              h('td', {}, a.error ?? '–'),
              h('td', {}, h('code', {}, (a.responseExcerpt ?? '').slice(0, 200) || '–')),
            ),
          ),
        ),
  );
}

export async function webhooksView(root) {
  if (!isAdmin()) {
    root.append(h('h1', {}, 'Webhooks'), h('div', { class: 'card' }, h('p', {}, 'Webhooks are managed with an admin token.')));
    return;
  }
  const filter = { endpointId: '', status: '' };
  const notices = h('div', {});
  const endpointsBody = h('div', {});
  const deliveriesBody = h('div', {});
  const logBody = h('div', {});

  const drawEndpoints = async () => {
    const { items } = await api('GET', '/v1/webhooks?limit=500');
    endpointsBody.replaceChildren(
      items.length === 0
        ? h('p', { class: 'empty' }, 'No endpoint is subscribed yet.')
        : dataTable(
            ['URL', 'Topics', 'State', 'Failing since', 'Description', ''],
            items.map((e) =>
              h(
                'tr',
                { 'data-endpoint': e.endpointId },
                h('td', {}, h('code', {}, e.url)),
                h('td', {}, e.topics.join(', ')),
                h('td', {}, badge(e.enabled ? 'enabled' : `disabled_${e.disabledReason ?? 'operator'}`)),
                h('td', { class: 'nowrap', title: when(e.failingSince) }, e.failingSince ? ago(e.failingSince) : '–'),
                h('td', {}, e.description || '–'),
                h(
                  'td',
                  { class: 'nowrap' },
                  h(
                    'button',
                    {
                      onclick: () =>
                        act(e.enabled ? 'Endpoint disabled' : 'Endpoint enabled', async () => {
                          await api('PATCH', `/v1/webhooks/${enc(e.endpointId)}`, { enabled: !e.enabled });
                          await drawEndpoints();
                        }),
                    },
                    e.enabled ? 'Disable' : 'Enable',
                  ),
                  h(
                    'button',
                    {
                      onclick: () =>
                        act('Secret rotated', async () => {
                          const rotated = await api('POST', `/v1/webhooks/${enc(e.endpointId)}/rotate-secret`);
                          notices.replaceChildren(
                            secretCard(rotated, 'Secret rotated (the old one signs too until the overlap ends)'),
                          );
                        }),
                    },
                    'Rotate secret',
                  ),
                  h(
                    'button',
                    {
                      onclick: () => {
                        filter.endpointId = e.endpointId;
                        void drawDeliveries();
                      },
                    },
                    'Deliveries',
                  ),
                  h(
                    'button',
                    {
                      class: 'danger',
                      onclick: () =>
                        confirm(`Delete ${e.url} and its deliveries?`) &&
                        act('Endpoint deleted', async () => {
                          await api('DELETE', `/v1/webhooks/${enc(e.endpointId)}`);
                          await drawEndpoints();
                          await drawDeliveries();
                        }),
                    },
                    'Delete',
                  ),
                ),
              ),
            ),
          ),
    );
  };

  const showLog = async (deliveryId) => {
    logBody.replaceChildren(attemptLog(await api('GET', `/v1/webhooks/deliveries/${enc(deliveryId)}`)));
  };

  const drawDeliveries = async () => {
    const q = new URLSearchParams({ limit: '100' });
    if (filter.endpointId) q.set('endpointId', filter.endpointId);
    if (filter.status) q.set('status', filter.status);
    const { items } = await api('GET', `/v1/webhooks/deliveries?${q}`);
    deliveriesBody.replaceChildren(
      h(
        'div',
        { class: 'toolbar' },
        h(
          'select',
          {
            'data-filter': 'status',
            onchange: (e) => {
              filter.status = e.target.value;
              void drawDeliveries();
            },
          },
          ['', 'pending', 'delivered', 'dead'].map((s) =>
            h('option', { value: s, selected: s === filter.status }, s || 'any status'),
          ),
        ),
        filter.endpointId
          ? h(
              'button',
              {
                onclick: () => {
                  filter.endpointId = '';
                  void drawDeliveries();
                },
              },
              `endpoint ${filter.endpointId} ✕`,
            )
          : null,
        h(
          'button',
          {
            'data-action': 'redrive-all',
            onclick: () =>
              act('Dead deliveries redriven', async () => {
                const out = await api('POST', '/v1/webhooks/redrive', filter.endpointId ? { endpointId: filter.endpointId } : {});
                notices.replaceChildren(h('div', { class: 'card' }, h('p', {}, `Redriven: ${out.redriven}`)));
                await drawDeliveries();
              }),
          },
          filter.endpointId ? 'Redrive dead deliveries of this endpoint' : 'Redrive all dead deliveries',
        ),
      ),
      items.length === 0
        ? h('p', { class: 'empty' }, 'No deliveries.')
        : dataTable(
            ['Created', 'Topic', 'webhook-id', 'Status', 'Attempts', 'Next attempt', 'Last error', ''],
            items.map((d) =>
              h(
                'tr',
                { 'data-delivery': d.deliveryId },
                h('td', { class: 'nowrap', title: when(d.createdAt) }, ago(d.createdAt)),
                h('td', {}, d.topic),
                h(
                  'td',
                  {},
                  h('a', { href: '#/webhooks', onclick: (e) => (e.preventDefault(), void showLog(d.deliveryId)) }, d.messageId),
                ),
                h('td', {}, badge(d.status)),
                h('td', {}, String(d.attempts)),
                h('td', { class: 'nowrap' }, d.nextAttemptAt ? ago(d.nextAttemptAt) : '–'),
                h('td', {}, d.lastError ?? '–'),
                h(
                  'td',
                  {},
                  d.status === 'dead' &&
                    h(
                      'button',
                      {
                        onclick: () =>
                          act('Delivery redriven', async () => {
                            await api('POST', `/v1/webhooks/deliveries/${enc(d.deliveryId)}/redrive`);
                            await drawDeliveries();
                          }),
                      },
                      'Redrive',
                    ),
                ),
              ),
            ),
          ),
    );
  };

  const { items: topics } = await api('GET', '/v1/webhooks/topics');
  root.append(
    h('h1', {}, 'Webhooks'),
    notices,
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'Subscribe an endpoint'),
      createForm(topics, async (created) => {
        notices.replaceChildren(secretCard(created, `Subscribed ${created.url}`));
        await drawEndpoints();
      }),
    ),
    h('div', { class: 'card' }, h('h2', {}, 'Endpoints'), endpointsBody),
    h('div', { class: 'card' }, h('h2', {}, 'Deliveries'), deliveriesBody),
    logBody,
  );
  await Promise.all([drawEndpoints(), drawDeliveries()]);
  let pending = null;
  state.view.onEvent = (event) => {
    if (!event.topic.startsWith('webhook.')) return;
    clearTimeout(pending);
    pending = setTimeout(() => {
      void drawDeliveries().catch(() => {});
      if (event.topic.startsWith('webhook.endpoint.')) void drawEndpoints().catch(() => {});
    }, 200);
  };
}
