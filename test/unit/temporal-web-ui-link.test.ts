import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { webUiLink } from '../../src/temporal/temporal-connection.js';

test('the job page links to its workflow in the Temporal Web UI only when the URL is configured', () => {
  const off = loadConfig({}, {}).temporal;
  assert.equal(webUiLink(off, 'job-1'), null);
  const on = loadConfig({}, { TEMPORAL_WEB_UI_URL: 'https://temporal.example/', TEMPORAL_NAMESPACE: 'stories a' }).temporal;
  assert.equal(webUiLink(on, 'job/1'), 'https://temporal.example/namespaces/stories%20a/workflows/job%2F1');
});
