import {
  DeterministicSummariser,
  type SanitisedTranscript,
  type StorySummary,
  type Summariser,
  type SummariseOptions,
} from '../domain/index.js';

export interface ChatCompletionsOptions {
  /** Base URL of an OpenAI-compatible API, e.g. `http://127.0.0.1:8080/v1`; `/chat/completions` is appended. */
  url: string;
  model: string;
  apiKey?: string;
  /** Most characters of transcript sent for one scene (the rest is cut, marked "..."). */
  maxInputChars?: number;
  fetch?: typeof fetch;
}

const SYSTEM =
  'You summarise tabletop role-playing sessions for the players. Write two or three plain sentences in the past tense. ' +
  'Name people, factions and places exactly as the text does. Do not invent events.';

/**
 * An LLM summariser for any OpenAI-compatible chat-completions endpoint (spec 4's design):
 * each scene from its turns, each act from its scenes' summaries, the session from its acts'.
 * Everything else in the summary (scenes, tension, hooks, highlights, statistics) is the
 * deterministic summariser's, so the structure never depends on the model. Never required:
 * `pipeline.summariser` defaults to `deterministic`, and any failure falls back to it.
 */
export class ChatCompletionsSummariser implements Summariser {
  readonly name = 'llm';
  readonly model: string;
  readonly fallbackOnError = true;
  private readonly endpoint: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: ChatCompletionsOptions) {
    this.model = opts.model;
    this.endpoint = `${opts.url.replace(/\/+$/, '')}/chat/completions`;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  async summarise(input: SanitisedTranscript, opts: SummariseOptions, ctx: { signal?: AbortSignal } = {}): Promise<StorySummary> {
    const base = new DeterministicSummariser().summarise(input, opts);
    const turnsById = new Map(input.turns.map((t) => [t.turnId, t]));
    const max = this.opts.maxInputChars ?? 12_000;
    const sceneText = new Map<string, string>();
    for (const scene of base.sceneBreakdown) {
      let text = scene.turnIds
        .map((id) => turnsById.get(id))
        .filter((t) => t !== undefined)
        .map((t) => `${t.speaker === 'player' ? 'Player' : 'GM'}: ${t.text}`)
        .join('\n');
      if (text.length > max) text = `${text.slice(0, max)}...`;
      sceneText.set(scene.sceneId, await this.complete(`Summarise this scene ("${scene.title}"):\n\n${text}`, ctx.signal));
    }
    const actText = new Map<string, string>();
    for (const act of base.actSummary) {
      const scenes = act.sceneIds.map((id, i) => `Scene ${i + 1}: ${sceneText.get(id) ?? ''}`).join('\n');
      actText.set(
        act.actId,
        await this.complete(`Summarise this act ("${act.title}") from its scenes:\n\n${scenes}`, ctx.signal),
      );
    }
    const acts = base.actSummary.map((a, i) => `Act ${i + 1} (${a.title}): ${actText.get(a.actId) ?? ''}`).join('\n');
    const sessionSummary = await this.complete(`Summarise the whole session from its acts:\n\n${acts}`, ctx.signal);
    return {
      ...base,
      sceneBreakdown: base.sceneBreakdown.map((s) => ({ ...s, summary: sceneText.get(s.sceneId) ?? s.summary })),
      actSummary: base.actSummary.map((a) => ({ ...a, summary: actText.get(a.actId) ?? a.summary })),
      sessionSummary,
    };
  }

  private async complete(prompt: string, signal: AbortSignal | undefined): Promise<string> {
    const res = await this.fetchImpl(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: this.model,
        temperature: 0,
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: prompt },
        ],
      }),
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined); // free the connection now, not at GC
      throw new Error(`chat completions answered ${res.status}`);
    }
    const body = (await res.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new Error('chat completions answered without content');
    return content.trim();
  }
}
