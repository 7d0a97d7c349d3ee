// DOM helpers for the dashboard's views. Text goes in through textContent only: transcript text is untrusted.

export const $ = (sel) => document.querySelector(sel);

/** An element with attributes (`on*` become listeners) and children (strings become text nodes). */
export function h(tag, attrs = {}, ...children) {
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

/** The one table helper: a header row (falsy headers are left out) and `rows` (<tr> elements). */
export const dataTable = (headers, rows, attrs = {}) =>
  h(
    'table',
    attrs,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.filter(Boolean).map((x) => h('th', {}, x)),
      ),
    ),
    h('tbody', {}, rows),
  );

export const badge = (status) => h('span', { class: `badge ${status}` }, String(status).replace(/_/g, ' '));

export const when = (t) => (t ? new Date(t).toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' }) : '–');

export function formatDuration(s) {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

export const ago = (t) => {
  if (!t) return '–';
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 0) return `in ${formatDuration(-s)}`;
  return s < 5 ? 'just now' : `${formatDuration(s)} ago`;
};

export const short = (id) => (id ? String(id).slice(0, 8) : '–');

let toastTimer = null;
export function toast(message, bad = false) {
  const el = $('#toast');
  el.textContent = message;
  el.className = bad ? 'toast bad' : 'toast';
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), bad ? 6000 : 3000);
}
