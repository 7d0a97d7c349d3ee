import { DateTime } from 'luxon';

/** What one day's digest covers: published strictly after `since`, up to and including `until`. */
export interface DigestWindow {
  /** The local date the digest is named by (`YYYY-MM-DD` in the configured time zone). */
  day: string;
  since: number;
  until: number;
}

/**
 * The digest due at `digestAt` (the configured local digest time) covers what was published since
 * the same local time one calendar day earlier (23 or 25 hours across a daylight-saving change),
 * up to `digestAt`, and is named by `digestAt`'s local date: one digest per local day, windows
 * that neither overlap nor leave gaps.
 */
export function digestWindow(digestAt: number, timeZone: string): DigestWindow {
  const at = DateTime.fromMillis(digestAt, { zone: timeZone });
  return {
    day: at.toISODate() ?? new Date(digestAt).toISOString().slice(0, 10),
    since: at.minus({ days: 1 }).toMillis(),
    until: digestAt,
  };
}

export interface DigestEntry {
  docId: string;
  title: string;
  kind: string;
  sessionId: string;
  publishedAt: number;
}

const kindLabel: Record<string, string> = { bundle: 'lore', card: 'news' };

/** The digest document's title and markdown body: what was published that day, in publishing order. */
export function renderDigest(
  window: DigestWindow,
  entries: readonly DigestEntry[],
  timeZone: string,
): { title: string; body: string } {
  const title = `Daily digest ${window.day}`;
  if (entries.length === 0) return { title, body: `# ${title}\n\nNothing was published.` };
  const lines = entries.map((e) => {
    const at = DateTime.fromMillis(e.publishedAt, { zone: timeZone }).toFormat('HH:mm');
    return `- ${at} ${kindLabel[e.kind] ?? e.kind}: ${e.title} (session ${e.sessionId})`;
  });
  return { title, body: [`# ${title}`, '', `${entries.length} published (${timeZone}):`, '', ...lines].join('\n') };
}
