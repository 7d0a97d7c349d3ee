import { act, api } from './api-client.js';
import { badge, h } from './dom.js';
import { canModerate } from './state.js';

export function deltaCard(delta, onDecided) {
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
      canModerate() &&
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
