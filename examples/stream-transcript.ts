// Streams a transcript into a running Afterword service, closes the session, waits for the
// closure and prints the published lore:
//   AFTERWORD_URL=http://127.0.0.1:8080 AFTERWORD_TOKEN=... node build/examples/stream-transcript.js [sessionId]
import { createClient } from '../packages/client/src/index.js';

const client = createClient({ baseUrl: process.env.AFTERWORD_URL ?? 'http://127.0.0.1:8080', token: process.env.AFTERWORD_TOKEN ?? '' });
const sessionId = process.argv[2] ?? `example-${Date.now()}`;
const transcript = [
  'The party reaches the Old Mill at dusk.',
  'Mara the miller warns them about the Grey Wolf in the woods.',
  'They agree to hunt the Grey Wolf at dawn.',
  'The Grey Wolf is slain; Mara swears to remember them.',
];
await client.upsertSession(sessionId, { title: 'An example session' });
await client.appendTurns(
  sessionId,
  transcript.map((text, i) => ({ turnId: `${sessionId}-t${i + 1}`, speaker: i % 2 ? 'player' : 'narrator', text })),
);
const closed = await client.closeSession(sessionId, { reason: 'example' });
const job = await client.waitForClosure({ jobId: closed.closureJob.jobId });
const { data } = await client.api.GET('/v1/sessions/{sessionId}/publishing', { params: { path: { sessionId } } });
console.log(JSON.stringify({ sessionId, closure: job.status, publishing: data }, null, 2));
