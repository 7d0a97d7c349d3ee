/**
 * A tiny membership pre-check for lower-case word keys, in the spirit of a one-hash Bloom
 * filter: `mayHave` is false only when the key is certainly absent. It reads three char
 * codes instead of hashing the whole string, so the many tokens that name nothing
 * ("the", "caravan", "arrive") skip the Map and Set look-ups of the matchers; a freshly
 * sliced token string would otherwise be hashed on its first look-up.
 */
const SLOTS = 4096;

function slot(key: string): number {
  const n = key.length;
  if (n === 0) return 0;
  return ((key.charCodeAt(0) * 31 + key.charCodeAt(n - 1)) * 31 + n) & (SLOTS - 1);
}

export class KeyFilter {
  private readonly bits = new Uint8Array(SLOTS);

  constructor(keys: Iterable<string>) {
    for (const k of keys) this.bits[slot(k)] = 1;
  }

  add(key: string): void {
    this.bits[slot(key)] = 1;
  }

  mayHave(key: string): boolean {
    return this.bits[slot(key)] === 1;
  }
}
