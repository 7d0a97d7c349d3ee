// Small SVG charts drawn by hand: no library, no CDN. Every function returns an <svg> element.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export function formatMs(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms === 0) return '0';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

const clock = (t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * Gantt chart of a job's steps. rows: [{label, start, end, kind: 'wait'|'done'|'pending'|'attempt'}]
 * Times in epoch ms. Bars narrower than 3 px are widened so fast steps stay visible; the label
 * always states the true duration.
 */
export function gantt(rows, { width = 900 } = {}) {
  const labelW = 150;
  const durW = 80;
  const rowH = 28;
  const top = 24;
  const height = top + rows.length * rowH + 10;
  const el = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart gantt', role: 'img', 'aria-label': 'Step timeline' });
  const timed = rows.filter((r) => r.start != null && r.end != null);
  const t0 = Math.min(...timed.map((r) => r.start));
  const t1 = Math.max(...timed.map((r) => r.end), t0 + 1);
  const plotW = width - labelW - durW - 10;
  const x = (t) => labelW + ((t - t0) / (t1 - t0)) * plotW;
  // time axis: 5 ticks relative to the first start
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    el.append(svg('line', { x1: x(t), x2: x(t), y1: top - 6, y2: height - 6, class: 'gridline' }));
    el.append(
      svg('text', { x: x(t), y: 12, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, `+${formatMs(t - t0)}`),
    );
  }
  const colors = { wait: '#c3c8da', done: '#1f9d6a', pending: '#e8eaf2', failed: '#d6453d', running: '#2f7de1' };
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    el.append(svg('text', { x: 0, y: y + 17, style: 'fill:#1d2233;font-size:12px' }, r.label));
    if (r.start == null || r.end == null) {
      el.append(svg('rect', { x: labelW, y: y + 6, width: plotW, height: 14, rx: 3, fill: colors.pending }));
      el.append(svg('text', { x: labelW + 6, y: y + 17 }, r.note ?? 'not run yet'));
      return;
    }
    const w = Math.max(3, x(r.end) - x(r.start));
    const rect = svg('rect', {
      x: Math.min(x(r.start), labelW + plotW - 3),
      y: y + 5,
      width: w,
      height: 16,
      rx: 3,
      fill: colors[r.kind] ?? colors.done,
    });
    rect.append(svg('title', {}, `${r.label}: ${formatMs(r.end - r.start)} (${clock(r.start)} → ${clock(r.end)})`));
    el.append(rect);
    el.append(svg('text', { x: width - durW + 6, y: y + 17, style: 'fill:#1d2233' }, formatMs(r.end - r.start)));
  });
  return el;
}

/** The smallest 1, 2, 2.5, 5 x 10^k at or above v, so axis ticks are round numbers. */
function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * Line/bar chart over time. series: [{name, color, points: [{t, v}], type: 'bar'|'line'}].
 * The x range is [from, to]; y starts at 0.
 */
export function timeChart(series, { from, to, width = 600, height = 200, yFormat = (v) => String(v), yLabel = '' } = {}) {
  const left = 52;
  const right = 10;
  const top = 12;
  const bottom = 24;
  const el = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': yLabel });
  const all = series.flatMap((s) => s.points.map((p) => p.v));
  const maxV = niceMax(Math.max(0, ...all.filter((v) => v != null)));
  // 1 and 2 x 10^k divide into quarters, 2.5 and 5 x 10^k into fifths: round ticks either way.
  const mantissa = maxV / 10 ** Math.floor(Math.log10(maxV));
  const ticks = mantissa === 2.5 || mantissa === 5 ? 5 : 4;
  const x = (t) => left + ((t - from) / Math.max(1, to - from)) * (width - left - right);
  const y = (v) => height - bottom - (v / maxV) * (height - top - bottom);
  for (let i = 0; i <= ticks; i++) {
    const v = (maxV * i) / ticks;
    el.append(svg('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: 'gridline' }));
    el.append(svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, yFormat(v)));
  }
  for (let i = 0; i <= 4; i++) {
    const t = from + ((to - from) * i) / 4;
    el.append(svg('text', { x: x(t), y: height - 6, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, clock(t)));
  }
  el.append(svg('line', { x1: left, x2: width - right, y1: y(0), y2: y(0), class: 'axis' }));
  for (const s of series) {
    if (s.type === 'bar') {
      const bw = Math.max(2, ((width - left - right) / Math.max(1, s.buckets ?? s.points.length)) * 0.8);
      for (const p of s.points) {
        if (p.v <= 0) continue;
        const r = svg('rect', { x: x(p.t) - bw / 2, y: y(p.v), width: bw, height: y(0) - y(p.v), fill: s.color, rx: 1 });
        r.append(svg('title', {}, `${clock(p.t)}: ${yFormat(p.v)} ${s.name}`));
        el.append(r);
      }
    } else {
      const pts = s.points.filter((p) => p.v != null);
      if (pts.length === 0) continue;
      el.append(
        svg('polyline', {
          points: pts.map((p) => `${x(p.t)},${y(p.v)}`).join(' '),
          fill: 'none',
          stroke: s.color,
          'stroke-width': 2,
        }),
      );
      for (const p of pts) {
        if (p.v === 0) continue; // dots only where something happened
        const c = svg('circle', { cx: x(p.t), cy: y(p.v), r: 2.5, fill: s.color });
        c.append(svg('title', {}, `${clock(p.t)}: ${yFormat(p.v)} (${s.name})`));
        el.append(c);
      }
    }
  }
  if (all.length === 0)
    el.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'no data in this window yet'));
  return el;
}
