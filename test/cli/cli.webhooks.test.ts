import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cliInTempDir } from './cli-runner.js';

const { run } = cliInTempDir('afterword-cli-webhooks-', { AFTERWORD_WEBHOOKS_ALLOW_PRIVATE: '127.0.0.1' });

describe('CLI: afterword webhooks', () => {
  test('create prints the secret once; list, show, disable, enable, rotate, deliveries, redrive', () => {
    const created = run(
      '--json',
      'webhooks',
      'create',
      'http://127.0.0.1:9/hooks',
      '--topics',
      'publish.batch.published,admin.alert',
    );
    assert.equal(created.code, 0, created.stderr);
    const endpoint = JSON.parse(created.stdout);
    assert.match(endpoint.secret, /^whsec_/);
    const list = run('webhooks', 'list');
    assert.equal(list.code, 0);
    assert.match(list.stdout, new RegExp(endpoint.endpointId));
    assert.ok(!list.stdout.includes(endpoint.secret), 'list never shows the secret');
    const show = run('--json', 'webhooks', 'show', endpoint.endpointId);
    assert.equal(JSON.parse(show.stdout).secret, undefined);
    assert.equal(JSON.parse(run('--json', 'webhooks', 'disable', endpoint.endpointId).stdout).enabled, false);
    assert.equal(JSON.parse(run('--json', 'webhooks', 'enable', endpoint.endpointId).stdout).enabled, true);
    const rotated = JSON.parse(run('--json', 'webhooks', 'rotate', endpoint.endpointId).stdout);
    assert.notEqual(rotated.secret, endpoint.secret);
    assert.deepEqual(JSON.parse(run('--json', 'webhooks', 'deliveries', '--endpoint', endpoint.endpointId).stdout).items, []);
    const redrive = run('--json', 'webhooks', 'redrive', '--endpoint', endpoint.endpointId, '--since', '2026-01-01T00:00:00Z');
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.equal(JSON.parse(redrive.stdout).redriven, 0);
    assert.equal(run('webhooks', 'delete', endpoint.endpointId).code, 0);
    assert.equal(run('webhooks', 'show', endpoint.endpointId).code, 2);
  });

  test('bad input exits 2 naming the field; a private target is refused', () => {
    const badTopic = run('webhooks', 'create', 'http://127.0.0.1:9/', '--topics', 'nope');
    assert.equal(badTopic.code, 2);
    assert.match(badTopic.stderr, /topics\[0\]/);
    const privateUrl = run('webhooks', 'create', 'http://10.0.0.1/', '--topics', '*');
    assert.equal(privateUrl.code, 2);
    assert.match(privateUrl.stderr, /webhook_address_refused/);
    const badSince = run('webhooks', 'deliveries', '--since', 'yesterday');
    assert.equal(badSince.code, 2);
    assert.match(badSince.stderr, /since/);
  });
});
