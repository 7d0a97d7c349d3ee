import { act, api } from './api-client.js';
import { deltaCard } from './delta-card.js';
import { dataTable, h } from './dom.js';
import { canModerate, state } from './state.js';

const reasons = [
  'low_confidence',
  'hedged',
  'capability_violation',
  'unknown_capability',
  'unattached_capability',
  'conflict_detected',
];

const show = (value) => (value === null || value === undefined ? '–' : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The moderation page at a studio's scale: the counts before and after grouping, contested
 * entities (one item per entity, decided once), a bulk decision by filter with a preview count,
 * and the delta queue page by page.
 */
export async function moderationView(root) {
  const counts = h('div', { class: 'muted', id: 'moderation-counts' });
  const contested = h('div', { id: 'contested' });
  const queue = h('div', { id: 'delta-queue' });
  let status = 'needs-review';
  let queueCursor = null;

  const drawCounts = async () => {
    const c = await api('GET', '/v1/moderation/counts');
    counts.textContent = `${c.deltas} delta${c.deltas === 1 ? '' : 's'} waiting for review · ${c.contested} contested entit${c.contested === 1 ? 'y' : 'ies'} · ${c.items} moderation item${c.items === 1 ? '' : 's'} once grouped`;
  };

  const decideContested = (item, body, label) =>
    act(label, async () => {
      await api('POST', `/v1/moderation/contested/${encodeURIComponent(item.entityId)}/decision`, body);
      await redraw();
    });

  const contestedCard = (item) =>
    h(
      'div',
      { class: 'delta contested', 'data-entity': item.entityId },
      h(
        'header',
        {},
        h('strong', {}, item.canonicalName),
        h('code', {}, item.entityId),
        h('span', { class: 'muted' }, `${item.proposals.length} proposals from ${item.sessions} sessions`),
      ),
      h(
        'p',
        { class: 'muted' },
        'Canon: ',
        item.canon ? JSON.stringify(item.canon.state) : 'not in canon yet',
        ' · Proposed: ',
        Object.entries(item.fields)
          .map(([field, values]) => `${field}: ${values.map((v) => `${show(v.value)} ×${v.count}`).join(', ')}`)
          .join('; '),
      ),
      dataTable(
        ['Session', 'Proposes', 'Confidence', 'Reasons', 'Evidence', canModerate() && ''],
        item.proposals.map((p) =>
          h(
            'tr',
            { 'data-proposal': p.deltaId, 'data-session': p.sessionId },
            h('td', {}, h('a', { href: `#/session/${encodeURIComponent(p.sessionId)}` }, p.sessionId)),
            h(
              'td',
              {},
              Object.entries(p.values)
                .map(([f, v]) => `${f} → ${show(v)}`)
                .join(', '),
            ),
            h('td', {}, p.confidence.toFixed(2)),
            h('td', {}, p.reasons.map((r) => r.replace(/_/g, ' ')).join(', ') || '–'),
            h(
              'td',
              {},
              p.evidence.map((s) => h('div', {}, `“${s}”`)),
            ),
            canModerate() &&
              h(
                'td',
                {},
                h(
                  'button',
                  {
                    class: 'approve pick',
                    onclick: () =>
                      decideContested(
                        item,
                        { action: 'pick', deltaId: p.deltaId },
                        `Kept ${p.sessionId}'s proposal; the others rejected`,
                      ),
                  },
                  'Pick this',
                ),
              ),
          ),
        ),
      ),
      canModerate() &&
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              class: 'reject reject-all',
              onclick: () => decideContested(item, { action: 'reject' }, 'Every proposal rejected; canon unchanged'),
            },
            'Reject all',
          ),
          h(
            'button',
            {
              class: 'merge',
              onclick: () => {
                const fields = Object.keys(item.fields);
                const values = {};
                for (const field of fields) {
                  const offered = item.fields[field].map((v) => show(v.value));
                  const answer = prompt(`${field}: one of ${offered.join(', ')}`, offered[0]);
                  if (answer === null) return;
                  const chosen = item.fields[field].find((v) => show(v.value) === answer);
                  if (!chosen) return;
                  values[field] = chosen.value;
                }
                void decideContested(item, { action: 'merge', values }, 'Merged proposal approved; the others rejected');
              },
            },
            'Merge…',
          ),
        ),
    );

  const drawContested = async () => {
    const page = await api('GET', '/v1/moderation/contested?limit=20');
    contested.replaceChildren(
      ...(page.items.length === 0
        ? [h('p', { class: 'empty' }, 'No contested entities: no entity has competing proposals from several sessions.')]
        : page.items.map(contestedCard)),
      ...(page.nextCursor ? [h('p', { class: 'muted' }, 'More contested entities follow once these are decided.')] : []),
    );
  };

  const drawQueue = async (more = false) => {
    const params = new URLSearchParams({ limit: '50' });
    if (status) params.set('status', status);
    if (more && queueCursor) params.set('cursor', queueCursor);
    const page = await api('GET', `/v1/deltas?${params}`);
    queueCursor = page.nextCursor;
    const cards = page.items.map((d) => deltaCard(d, redraw));
    const moreButton = page.nextCursor ? h('button', { id: 'queue-more', onclick: () => void drawQueue(true) }, 'More…') : null;
    if (more) {
      queue.querySelector('#queue-more')?.remove();
      queue.append(...cards, ...(moreButton ? [moreButton] : []));
      return;
    }
    queue.replaceChildren(
      ...(cards.length === 0
        ? [
            h(
              'p',
              { class: 'empty' },
              'Nothing to review. Deltas that need a moderator appear here when a closure proposes them.',
            ),
          ]
        : cards),
      ...(moreButton ? [moreButton] : []),
    );
  };

  const redraw = async () => {
    await Promise.all([drawCounts(), drawContested(), drawQueue()]);
  };

  // Bulk decision: a filter, a preview count (dry run), then the decision itself.
  const field = (id, label, input) => h('label', { class: 'muted' }, `${label} `, input);
  const sessionInput = h('input', { id: 'bulk-session', placeholder: 'any session', size: 16 });
  const entityInput = h('input', { id: 'bulk-entity', placeholder: 'any entity', size: 18 });
  const reasonSelect = h(
    'select',
    { id: 'bulk-reason' },
    h('option', { value: '' }, 'any reason'),
    reasons.map((r) => h('option', { value: r }, r.replace(/_/g, ' '))),
  );
  const tierSelect = h(
    'select',
    { id: 'bulk-tier' },
    [
      ['', 'any confidence'],
      ['high', 'high'],
      ['medium', 'medium'],
      ['low', 'low'],
    ].map(([v, l]) => h('option', { value: v }, l)),
  );
  const ageInput = h('input', { id: 'bulk-age', type: 'number', min: '0', placeholder: 'minutes', size: 6 });
  const decisionSelect = h(
    'select',
    { id: 'bulk-decision' },
    ['approve', 'reject', 'escalate'].map((d) => h('option', { value: d }, d)),
  );
  const preview = h('span', { id: 'bulk-preview', class: 'muted' });
  const applyButton = h('button', { id: 'bulk-apply', disabled: true }, 'Apply');
  const request = () => {
    const filter = {};
    if (sessionInput.value.trim()) filter.sessionId = sessionInput.value.trim();
    if (entityInput.value.trim()) filter.entityId = entityInput.value.trim();
    if (reasonSelect.value) filter.reason = reasonSelect.value;
    if (tierSelect.value) filter.confidenceTier = tierSelect.value;
    if (ageInput.value) filter.olderThanMs = Math.round(Number(ageInput.value) * 60_000);
    return { decision: decisionSelect.value, filter };
  };
  for (const input of [sessionInput, entityInput, reasonSelect, tierSelect, ageInput, decisionSelect]) {
    input.addEventListener('input', () => {
      applyButton.disabled = true;
      preview.textContent = '';
    });
  }
  const previewButton = h(
    'button',
    {
      id: 'bulk-preview-button',
      onclick: () =>
        act('Preview ready', async () => {
          const out = await api('POST', '/v1/deltas/bulk-decision', { ...request(), dryRun: true });
          preview.textContent = `${out.matched} delta${out.matched === 1 ? '' : 's'} match`;
          preview.dataset.matched = String(out.matched);
          applyButton.disabled = out.matched === 0;
        }),
    },
    'Preview',
  );
  applyButton.addEventListener('click', () =>
    act('Bulk decision applied', async () => {
      const out = await api('POST', '/v1/deltas/bulk-decision', request());
      preview.textContent = `${out.decided} delta${out.decided === 1 ? '' : 's'} decided "${out.decision}"; ${out.batchesReady} batch${out.batchesReady === 1 ? '' : 'es'} released`;
      applyButton.disabled = true;
      await redraw();
    }),
  );

  const select = h(
    'select',
    {
      id: 'delta-status',
      onchange: (e) => {
        status = e.target.value;
        void drawQueue();
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
    h('h1', {}, 'Moderation'),
    counts,
    h('div', { class: 'card' }, h('h2', {}, 'Contested entities'), contested),
    canModerate() &&
      h(
        'div',
        { class: 'card', id: 'bulk' },
        h('h2', {}, 'Bulk decision'),
        h(
          'div',
          { class: 'toolbar' },
          field('bulk-session', 'Session', sessionInput),
          field('bulk-entity', 'Entity', entityInput),
          field('bulk-reason', 'Reason', reasonSelect),
          field('bulk-tier', 'Confidence', tierSelect),
          field('bulk-age', 'Older than', ageInput),
          field('bulk-decision', 'Decision', decisionSelect),
          previewButton,
          applyButton,
          preview,
        ),
        h(
          'p',
          { class: 'muted' },
          'Preview counts the deltas waiting for review that match; Apply decides each of them (one audit record per delta).',
        ),
      ),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'toolbar' },
        h('h2', {}, 'Queue'),
        h('label', { class: 'muted' }, 'Show ', select),
        h('span', { class: 'spacer' }),
        h(
          'span',
          { class: 'muted' },
          'Approve accepts a change for canon (applied when its batch publishes); reject drops it; rewrite and escalate ask for a note.',
        ),
      ),
      queue,
    ),
  );
  await redraw();
  let timer = null;
  state.view.onEvent = (event) => {
    if (!event.topic.startsWith('world.delta.') && !event.topic.startsWith('world.entity.')) return;
    clearTimeout(timer);
    timer = setTimeout(() => void redraw().catch(() => {}), 300);
  };
}
