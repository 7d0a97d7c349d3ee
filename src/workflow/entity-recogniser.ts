import { z } from 'zod';
import type { AfterwordConfig } from '../config.js';
import { MAX_ANNOTATIONS_PER_TURN, type SanitisedTranscript, type Turn, validateAnnotations } from '../domain/index.js';
import { type BoundedCallOptions, callWithDeadline, StageTimeout } from './bounded-call.js';

// Errors here are plain: every one of them ends in the fallback below, never at a client.

/** One turn as a recogniser sees it: the sanitised text its spans refer to. */
export interface RecogniserTurn {
  id: string;
  text: string;
}

/**
 * An asynchronous named-entity recogniser: entities for each turn, in the shape of a turn's
 * precomputed annotations (`metadata.entities`: `{name, type, span?, entityId?}`), so extraction
 * treats what it names exactly as it treats a game server's own NER.
 */
export interface EntityRecogniser {
  readonly name: string;
  recognise(turns: RecogniserTurn[], ctx: { signal: AbortSignal }): Promise<Map<string, unknown[]>>;
}

export interface HttpRecogniserOptions {
  /** The service's URL; the request is `POST url`. */
  url: string;
  apiKey?: string;
  /** Turns per request. */
  batchTurns: number;
  fetch?: typeof fetch;
}

const responseSchema = z.object({
  turns: z.array(z.object({ id: z.string(), entities: z.array(z.unknown()).max(MAX_ANNOTATIONS_PER_TURN * 5) })),
});

/**
 * An NER service over HTTP (spaCy, a hosted NER API, an LLM behind a wrapper):
 * `POST url` with `{"turns": [{"id", "text"}]}`, answered with
 * `{"turns": [{"id", "entities": [{"name", "type", "span"?: [start, end], "entityId"?}]}]}`, at
 * most `batchTurns` turns per request; `Authorization: Bearer <apiKey>` when a key is set.
 */
export class HttpEntityRecogniser implements EntityRecogniser {
  readonly name = 'http';
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpRecogniserOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  async recognise(turns: RecogniserTurn[], ctx: { signal: AbortSignal }): Promise<Map<string, unknown[]>> {
    const found = new Map<string, unknown[]>();
    for (let i = 0; i < turns.length; i += this.options.batchTurns) {
      const batch = turns.slice(i, i + this.options.batchTurns);
      const res = await this.fetchImpl(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ turns: batch }),
        signal: ctx.signal,
      });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined); // free the connection now, not at GC
        throw new Error(`NER service answered ${res.status}`);
      }
      const parsed = responseSchema.safeParse(await res.json());
      if (!parsed.success) throw new Error('NER service answered without {turns: [{id, entities}]}');
      for (const t of parsed.data.turns) found.set(t.id, t.entities);
    }
    return found;
  }
}

/** What extraction records about the recogniser that ran (on the checkpoint and the completion event). */
export interface RecogniserReport {
  recogniser: string;
  /** Turns sent (those without annotations of their own). */
  turnsSent: number;
  /** Turns that came back with at least one usable entity. */
  turnsAnnotated: number;
  /** Entities dropped because they broke the annotation rules (the same rules as `metadata.entities`). */
  entitiesRejected: number;
  fallback: { reason: 'timeout' | 'error'; message: string } | null;
}

/**
 * The transcript with the recogniser's entities as annotations on every turn that had none of
 * its own (the game server's annotations win). Each entity is checked by the rules a client's
 * `metadata.entities` meets; one that breaks them is dropped and counted, never guessed at. On a
 * timeout or an error the transcript is returned unchanged (extraction then relies on its rules
 * alone) and the report says why; a step that lost its job rethrows instead.
 */
export async function annotateWithRecogniser(
  transcript: SanitisedTranscript,
  recogniser: EntityRecogniser,
  stage: BoundedCallOptions,
): Promise<{ transcript: SanitisedTranscript; report: RecogniserReport }> {
  const unannotated = transcript.turns.filter((t) => !Array.isArray(t.metadata.entities) || t.metadata.entities.length === 0);
  const report: RecogniserReport = {
    recogniser: recogniser.name,
    turnsSent: unannotated.length,
    turnsAnnotated: 0,
    entitiesRejected: 0,
    fallback: null,
  };
  if (unannotated.length === 0) return { transcript, report };
  let found: Map<string, unknown[]>;
  try {
    found = await callWithDeadline(
      `entity recogniser ${recogniser.name}`,
      (signal) =>
        recogniser.recognise(
          unannotated.map((t) => ({ id: t.turnId, text: t.text })),
          { signal },
        ),
      stage,
    );
  } catch (error) {
    if (stage.signal?.aborted) throw error;
    const reason = error instanceof StageTimeout ? 'timeout' : 'error';
    return { transcript, report: { ...report, fallback: { reason, message: (error as Error)?.message ?? String(error) } } };
  }
  const sent = new Set(unannotated);
  const annotate = (turn: Turn): Turn => {
    const entities = found.get(turn.turnId);
    if (!entities || entities.length === 0 || !sent.has(turn)) return turn;
    const usable = entities
      .slice(0, MAX_ANNOTATIONS_PER_TURN)
      .filter((entity) => validateAnnotations([entity], turn.text, 'entities').length === 0);
    report.entitiesRejected += entities.length - usable.length;
    if (usable.length === 0) return turn;
    report.turnsAnnotated++;
    return { ...turn, metadata: { ...turn.metadata, entities: usable } };
  };
  return { transcript: { ...transcript, turns: transcript.turns.map(annotate) }, report };
}

/** The recogniser the configuration names (`pipeline.tagger: 'http'` with `pipeline.ner`); null for the local taggers. */
export function recogniserFromConfig(pipeline: AfterwordConfig['pipeline']): EntityRecogniser | null {
  if (pipeline.tagger !== 'http') return null;
  const { url, apiKey, batchTurns } = pipeline.ner;
  // The schema requires the url when the tagger is 'http'.
  return new HttpEntityRecogniser({ url: url as string, batchTurns, ...(apiKey ? { apiKey } : {}) });
}
