import assert from 'node:assert/strict';
import { test } from 'node:test';

// A game server depends on the package by its name, not on this repository's paths: the
// workspace install must build it (npm install runs `prepare`) and its exports must resolve.
test('@afterword/client resolves by its package name and exports the client', async () => {
  const name = '@afterword/client';
  const client = (await import(name)) as Record<string, unknown>;
  for (const exported of ['createClient', 'verifyWebhook', 'AfterwordApiError', 'AfterwordTimeoutError']) {
    assert.equal(typeof client[exported], 'function', `${exported} is exported`);
  }
});
