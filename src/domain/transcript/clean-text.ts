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

/** A control, odd-space or invisible character: U+0000-001F, 007F-00A0, 2000-200D, 202A-202E, 2066-2069, 3000, FEFF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const ODD_CHAR = /[\u0000-\u001F\u007F-\u00A0\u2000-\u200D\u202A-\u202E\u2066-\u2069\u3000\uFEFF]/;

/** Two spaces in a row: a regex, whose literal search is faster than `includes('  ')` (below). */
const TWO_SPACES = / {2}/;

/**
 * One check that says "nothing to clean", so ordinary text skips the replace passes: an odd
 * character (ODD_CHAR) or two spaces in a row. Two searches the engine runs natively, each a
 * single character class or literal (no alternation, which defeats the regex engine's fast
 * search: that regex was 3.4% of all stages on the llm-prose bench). The two spaces were found
 * by `includes('  ')`, which stops at every space to look at the next char: the regex's literal
 * search takes the 200 turns of the llm-prose session from 0.060 to 0.036 ms for both checks
 * (micro-benchmark, median of 3000 passes).
 */
function needsWork(text: string): boolean {
  return TWO_SPACES.test(text) || ODD_CHAR.test(text);
}

/** Strips control characters, collapses whitespace, clamps each line. Never throws. */
export function cleanText(text: string, maxLineLength = DEFAULT_MAX_LINE_LENGTH): string {
  if (text.length <= maxLineLength && !needsWork(text)) return text.trim();
  return cleanTextFully(text, maxLineLength);
}

/** cleanText without the "nothing to clean" shortcut: every replace pass (exported for its test). */
export function cleanTextFully(text: string, maxLineLength = DEFAULT_MAX_LINE_LENGTH): string {
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
