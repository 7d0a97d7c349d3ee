/**
 * Text hygiene. Compiled once at module load: these run for every turn and a per-call
 * regex would dominate the cost of sanitising a 10,000-turn session.
 */
// C0/C1 control characters except tab/newline/CR, plus bidi overrides and zero-width
// characters that can hide text from moderators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200D\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const HORIZONTAL_SPACE = /[ \t\u00A0\u2000-\u200A\u3000]+/g;
const MANY_NEWLINES = /\n{3,}/g;
const CRLF = /\r\n?/g;

export const DEFAULT_MAX_LINE_LENGTH = 20_000;

/**
 * One check that says "nothing to clean", so ordinary text skips the replace passes: a
 * control, odd-space or invisible character (U+0000-001F, 007F-00A0, 2000-200D, 202A-202E,
 * 2066-2069, 3000, FEFF) or two spaces in a row. A char-code scan rather than the regex it
 * replaces: an alternation defeats the regex engine's fast search, and profiling the
 * llm-prose bench put that regex at 3.4% of all stages.
 */
function needsWork(text: string): boolean {
  let prevSpace = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      if (prevSpace) return true;
      prevSpace = true;
      continue;
    }
    prevSpace = false;
    if (c < 127) {
      if (c < 32) return true;
      continue;
    }
    if (c <= 0xa0) return true;
    if (c < 0x2000) continue;
    if (c <= 0x200d || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x3000 || c === 0xfeff) return true;
  }
  return false;
}

/** Strips control characters, collapses whitespace, clamps each line. Never throws. */
export function cleanText(text: string, maxLineLength = DEFAULT_MAX_LINE_LENGTH): string {
  if (text.length <= maxLineLength && !needsWork(text)) return text.trim();
  let s = text.replace(CRLF, '\n').replace(CONTROL, '').replace(HORIZONTAL_SPACE, ' ');
  if (s.includes('\n')) {
    s = s
      .split('\n')
      .map((line) => clampLine(line.trim(), maxLineLength))
      .join('\n')
      .replace(MANY_NEWLINES, '\n\n');
  } else {
    s = clampLine(s, maxLineLength);
  }
  return s.trim();
}

function clampLine(line: string, max: number): string {
  if (line.length <= max) return line;
  // Avoid cutting a surrogate pair in half, which would leave an invalid code unit.
  let end = max - 1;
  const code = line.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${line.slice(0, end)}…`;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` with every lone surrogate replaced by U+FFFD, as String.prototype.toWellFormed does
 * (and as both stores do when they encode text as UTF-8). Input is made well formed before it is
 * compared or stored, so a retried turn matches what was stored the first time.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** `value` with every string in it (object keys included) made well formed; other values as they are. */
export function wellFormedDeep<T>(value: T): T {
  if (typeof value === 'string') return wellFormed(value) as T;
  if (Array.isArray(value)) return value.map((v) => wellFormedDeep(v)) as T;
  if (value && typeof value === 'object') {
    // fromEntries defines properties, so a `__proto__` key stays a plain key.
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [wellFormed(key), wellFormedDeep(v)])) as T;
  }
  return value;
}
