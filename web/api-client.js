// The dashboard's one API client: every /v1 call and the live event stream go through here, with
// the operator's token (kept in this browser tab only).
import { toast } from './dom.js';
import { state } from './state.js';

const tokenKey = 'afterword.token';
let token = sessionStorage.getItem(tokenKey);
let unauthorized = () => {};

/** The token this tab signed in with, if any. */
export const storedToken = () => token;

export function setToken(value) {
  token = value;
  if (value) sessionStorage.setItem(tokenKey, value);
  else sessionStorage.removeItem(tokenKey);
}

/** Called when the server refuses the token (401): the shell signs the operator out. */
export function onUnauthorized(callback) {
  unauthorized = callback;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

/**
 * The API sends instants as ISO 8601 strings (`createdAt`, `runAt`, ...: a name ending in `At`, or
 * `timestamp`, and a cadence's `escalations`); the views compute with epoch milliseconds, so the
 * client turns them back on the way in. `context` and `metadata` are the client's data, left as sent.
 */
const isInstantField = (key) => key === 'timestamp' || /[a-z]At$/.test(key);
const toMs = (v) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : v);
export function instantsToMillis(value) {
  if (Array.isArray(value)) return value.map(instantsToMillis);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'context' || key === 'metadata') out[key] = child;
    else if (isInstantField(key)) out[key] = toMs(child);
    else if (key === 'escalations' && Array.isArray(child)) out[key] = child.map(toMs);
    else out[key] = instantsToMillis(child);
  }
  return out;
}

export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = res.headers.get('content-type')?.includes('json') ? instantsToMillis(await res.json()) : await res.text();
  if (res.status === 401) {
    unauthorized('That token was not accepted (401). Check it and sign in again.');
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Run an operator action and say how it went. */
export async function act(label, fn) {
  try {
    await fn();
    toast(label);
  } catch (error) {
    toast(error.status === 403 ? `Not allowed for your role (${state.me?.role}): ${error.message}` : error.message, true);
  }
}

/**
 * The live event stream (/v1/events, server-sent events) for topics starting with `prefixes`.
 * EventSource cannot send headers, and the token must never travel in a URL (it would be
 * logged): each connection first gets a short-lived, single-use ticket with the token in the
 * Authorization header, then opens the stream with `?ticket=`. A dropped stream reconnects with
 * a fresh ticket and resumes after the last event received. This is the one place the stream is
 * opened. Returns a handle; `close()` stops it.
 */
export function openEventStream(prefixes, { onEvent, onOpen, onError }) {
  let source = null;
  let stopped = false;
  let lastId = null;
  let timer = null;
  const retry = () => {
    clearTimeout(timer);
    timer = setTimeout(connect, 2000);
  };
  async function connect() {
    if (stopped) return;
    let ticket;
    try {
      ({ ticket } = await api('POST', '/v1/events/tickets'));
    } catch (error) {
      onError?.();
      if (error.status !== 401) retry();
      return;
    }
    if (stopped) return;
    const resume = lastId === null ? '' : `&lastEventId=${encodeURIComponent(lastId)}`;
    source = new EventSource(
      `/v1/events?prefix=${encodeURIComponent(prefixes.join(','))}&ticket=${encodeURIComponent(ticket)}${resume}`,
    );
    source.onopen = onOpen;
    source.onmessage = (message) => {
      if (message.lastEventId) lastId = message.lastEventId;
      onEvent(instantsToMillis(JSON.parse(message.data)));
    };
    // The ticket was used: EventSource's own reconnect would present it again. Start over instead.
    source.onerror = () => {
      source.close();
      onError?.();
      retry();
    };
  }
  void connect();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    },
  };
}

/** Every item of a paged list: follows `nextCursor` until the last page (for lists a view shows whole). */
export async function apiAll(path, pageSize = 500) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', `${path}${sep}limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor ?? null;
  } while (cursor);
  return { items };
}
