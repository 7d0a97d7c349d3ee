// What the dashboard knows between views: who is signed in, the latest jobs, the chart samples.

export const state = {
  me: null,
  jobs: new Map(), // jobId -> job (summary fields), newest first by seq
  completions: [], // {t, durationMs} of completed closure jobs, for the charts
  arrivals: [], // t of queued closure jobs
  view: null, // {name, onEvent?(event), onJobs?()}
  chartWindowMs: 5 * 60_000,
};

/** Operator actions are admin-only on the server; a viewer does not see the buttons at all. */
export const isAdmin = () => state.me?.role === 'admin';

/** Moderation (deciding deltas, acknowledging alerts) is for admin and moderator tokens. */
export const canModerate = () => state.me?.role === 'admin' || state.me?.role === 'moderator';
