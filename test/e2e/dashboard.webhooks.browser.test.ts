/**
 * The dashboard's Webhooks page in a real browser: subscribe a real local receiver through the
 * form (the secret is shown once), watch a delivery go dead, redrive it and read its attempt log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSuiteSkip, launchChromium } from '../support/browser.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { type Harness, startHarness, tokens } from './harness.js';

describe('dashboard: webhooks page', { skip: browserSuiteSkip('dashboard webhooks browser tests') }, () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let receiver: WebhookReceiver;
  const consoleErrors: string[] = [];

  before(async () => {
    // One attempt only (retries span 0 ms): a failure is dead at once, so the test can redrive it.
    h = await startHarness({ webhooks: { allowPrivateNetworks: ['127.0.0.1'], retry: { retryForMs: 0 } } });
    receiver = await WebhookReceiver.start();
    const base = (await h.server.listen({ host: '127.0.0.1', port: 0 })).replace('[::1]', 'localhost');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    await page.goto(base);
    await page.fill('#token-input', tokens.admin);
    await page.click('#login-form button');
    await page.waitForSelector('#nav:not([hidden])');
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await h?.close();
  });

  test('subscribe, see the secret once, a dead delivery redriven, its attempt log', async () => {
    await page.click('a[data-tab="webhooks"]');
    await page.waitForSelector('form[data-form="create-webhook"]');
    await page.fill('form[data-form="create-webhook"] input[name="url"]', receiver.url);
    await page.check('input[data-topic="admin.alert"]');
    await page.click('form[data-form="create-webhook"] button[type="submit"]');
    const secret = (await page.textContent('[data-secret] pre.secret'))?.trim() ?? '';
    assert.match(secret, /^whsec_/);
    receiver.secrets = [secret];
    await page.waitForSelector(`tr[data-endpoint] code:has-text("${receiver.url}")`);

    receiver.respond = () => ({ status: 500, body: 'down for maintenance' });
    await h.app.store.transact((tx) => tx.raiseAlert({ reason: 'test.dashboard', severity: 'low' }));
    await page.waitForSelector('tr[data-delivery] .badge.dead', { timeout: 15_000 });

    receiver.respond = () => ({ status: 200 });
    await page.click('button[data-action="redrive-all"]');
    await page.waitForSelector('tr[data-delivery] .badge.delivered', { timeout: 15_000 });
    await page.click('tr[data-delivery] a');
    await page.waitForSelector('[data-delivery-log] table');
    const outcomes = await page.$$eval('[data-delivery-log] tbody tr td:nth-child(3)', (cells) =>
      cells.map((c) => c.textContent?.trim()),
    );
    assert.deepEqual(outcomes, ['failed', 'delivered']);
    assert.equal(new Set(receiver.received.map((r) => r.id)).size, 1, 'the redrive kept the webhook-id');
    assert.ok(receiver.received.every((r) => r.verifiedWith.length === 1));
    // The secret is never fetched again: the endpoints list has none.
    assert.ok(!(await page.textContent('[data-view="webhooks"] table'))?.includes(secret));
    assert.deepEqual(consoleErrors, []);
  });
});
