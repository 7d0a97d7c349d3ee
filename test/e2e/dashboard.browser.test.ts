import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { auth, type Harness, startHarness, tokens } from './harness.js';
import { demoSession, demoWorld } from './seed.js';
import { browserSuiteSkip, launchChromium } from '../support/browser.js';

const artifacts = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'test-artifacts');

describe('dashboard in a real browser', { skip: browserSuiteSkip('dashboard browser tests') }, () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let base: string;
  const consoleErrors: string[] = [];

  before(async () => {
    await mkdir(artifacts, { recursive: true });
    h = await startHarness();
    base = (await h.server.listen({ host: '127.0.0.1', port: 0 })).replace('[::1]', 'localhost');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const imported = await h.server.inject({
      method: 'POST',
      url: '/v1/world/import',
      headers: auth('admin'),
      payload: await demoWorld(),
    });
    assert.equal(imported.statusCode, 200);
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth('admin'), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const shot = (name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

  test('a wrong token is refused with a message; the right one signs in', async () => {
    await page.goto(base);
    await page.fill('#token-input', 'definitely-not-a-token');
    await page.click('#login-form button');
    await page.waitForSelector('#login-error:has-text("not accepted")');
    await shot('01-login-refused');
    consoleErrors.length = 0; // the refused sign-in logs its 401; nothing else may fail
    await page.fill('#token-input', tokens.admin);
    await page.click('#login-form button');
    await page.waitForSelector('#nav:not([hidden])');
    await page.waitForSelector('#live.on');
    assert.match((await page.textContent('#whoami')) ?? '', /root · admin/);
  });

  test('a session closed through the API appears and completes live, without a reload', async () => {
    await page.goto(`${base}/#/jobs`);
    await page.waitForSelector('[data-view="jobs"]');
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    const s = await demoSession('browser-1', 3, 80);
    assert.equal((await api('PUT', `/v1/sessions/${s.sessionId}`, { context: s.context })).status, 201);
    assert.equal((await api('POST', `/v1/sessions/${s.sessionId}/turns`, { turns: s.turns })).status, 200);
    const closed = await api('POST', `/v1/sessions/${s.sessionId}/close`, { reason: 'browser test' });
    assert.equal(closed.status, 202);
    const jobId = closed.json.closureJob.jobId as string;
    await page.waitForSelector(`tr[data-job="${jobId}"] .badge.completed`, { timeout: 15_000 });
    assert.deepEqual(navigations, [], 'the page must not reload');
    await shot('02-jobs-live');

    await page.click(`tr[data-job="${jobId}"]`);
    await page.waitForSelector('#timeline svg.gantt');
    const bars = await page.locator('#timeline svg.gantt rect').count();
    assert.ok(bars >= 7, `expected queue wait + 6 step bars, saw ${bars}`);
    for (const step of ['sanitise', 'consolidate', 'extract', 'deltas', 'publish-prep', 'reconcile']) {
      assert.ok(await page.locator(`#timeline svg text:text-is("${step}")`).count(), `step ${step} on the timeline`);
    }
    await shot('03-job-timeline');
  });

  test('a delta is approved from the session page', async () => {
    await page.goto(`${base}/#/session/browser-1`);
    await page.waitForSelector('#session-deltas .delta');
    await shot('04-session');
    const first = page.locator('#session-deltas .delta:has(.badge.needs-review)').first();
    const deltaId = await first.getAttribute('data-delta');
    assert.ok(deltaId);
    await first.locator('button.approve').click();
    await page.waitForSelector('#toast:has-text("Delta approved")');
    await page.waitForSelector(`[data-delta="${deltaId}"] .badge.approved`);
    const deltas = await api('GET', '/v1/deltas?sessionId=browser-1');
    assert.equal(deltas.json.items.find((d: { deltaId: string }) => d.deltaId === deltaId).status, 'approved');
  });

  test('a viewer sees the same pages without operator buttons', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const viewer = await context.newPage();
    try {
      await viewer.goto(base);
      await viewer.fill('#token-input', tokens.viewer);
      await viewer.click('#login-form button');
      await viewer.waitForSelector('#whoami:has-text("viewer")');
      await viewer.goto(`${base}/#/session/browser-1`);
      await viewer.waitForSelector('#session-deltas .delta');
      assert.equal(await viewer.locator('#session-deltas button').count(), 0);
    } finally {
      await context.close();
    }
  });

  test('overview, moderation, alerts and publishing pages render', async () => {
    for (const [hash, name, selector] of [
      ['#/overview', '05-overview', '[data-count="completed"]'],
      ['#/moderation', '06-moderation', '.delta'],
      ['#/alerts', '07-alerts', '[data-view="alerts"] table, [data-view="alerts"] .empty'],
      ['#/publishing', '08-publishing', '[data-view="publishing"] table'],
      ['#/sessions', '09-sessions', '[data-view="sessions"] table'],
    ] as const) {
      await page.goto(`${base}/${hash}`);
      await page.waitForSelector(selector, { timeout: 10_000 }).catch(async (error) => {
        await shot(`${name}-failed`);
        throw new Error(`${hash}: ${(error as Error).message}; console errors: ${consoleErrors.join(' | ')}`);
      });
      await shot(name);
    }
    await page.goto(`${base}/#/overview`);
    await page.waitForSelector('[data-count="completed"]');
    assert.equal(await page.textContent('[data-count="completed"]'), '1');
    assert.deepEqual(consoleErrors, []);
  });
});
