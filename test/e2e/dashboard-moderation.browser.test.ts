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
/** Demo sessions closed before the page opens: enough that entities are contested and the queue pages. */
const sessions = 30;

describe('dashboard moderation page in a real browser (a moderator token)', {
  skip: browserSuiteSkip('dashboard moderation browser tests'),
}, () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let base: string;
  const consoleErrors: string[] = [];

  const api = async (path: string, method = 'GET', body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth('admin'), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await res.json()) as any;
  };
  const shot = (name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

  before(async () => {
    await mkdir(artifacts, { recursive: true });
    h = await startHarness({ engine: { pollIntervalMs: 20 } }, { workers: 2 });
    base = (await h.server.listen({ host: '127.0.0.1', port: 0 })).replace('[::1]', 'localhost');
    await h.app.world.importWorld(await demoWorld());
    for (let i = 1; i <= sessions; i++) {
      const s = await demoSession(`mod-${i}`, 100 + i, 40);
      await h.app.sessions.upsert(s.sessionId, s.context);
      await h.app.sessions.appendTurns(s.sessionId, s.turns);
      await h.app.coordinator.closeSession(s.sessionId);
    }
    await h.app.orchestrator?.untilIdle();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(base);
    await page.fill('#token-input', tokens.moderator);
    await page.click('#login-form button');
    await page.waitForSelector('#whoami:has-text("moderator")');
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  test('one contested entity is decided once from the page', async () => {
    const before = await api('/v1/moderation/counts');
    assert.ok(before.contested > 0, `the demo sessions contest some entity: ${JSON.stringify(before)}`);
    assert.ok(before.items < before.deltas, 'grouping makes fewer items than deltas');
    await page.goto(`${base}/#/moderation`);
    await page.waitForSelector('#contested .contested');
    await page.waitForSelector('#moderation-counts:has-text("contested")');
    await shot('moderation-01-contested');
    const card = page.locator('#contested .contested').first();
    const entityId = await card.getAttribute('data-entity');
    assert.ok(entityId);
    const row = card.locator('tr[data-proposal]').first();
    const kept = await row.getAttribute('data-proposal');
    await row.locator('button.pick').click();
    await page.waitForSelector('#toast:has-text("proposal; the others rejected")');
    await page.waitForSelector(`#contested .contested[data-entity="${entityId}"]`, { state: 'detached' });
    const deltas = (await api(`/v1/deltas?entityId=${encodeURIComponent(entityId)}&limit=500`)).items as Array<{
      deltaId: string;
      status: string;
    }>;
    assert.equal(deltas.find((d) => d.deltaId === kept)?.status, 'approved');
    assert.ok(
      deltas.filter((d) => d.deltaId !== kept).every((d) => ['rejected', 'approved'].includes(d.status) === true),
      'the other open proposals were rejected',
    );
    assert.equal(deltas.filter((d) => d.status === 'rejected').length >= 1, true);
  });

  test('one bulk decision: preview the count, then apply it', async () => {
    const waiting = (await api('/v1/deltas?status=needs-review&limit=500')).items as Array<{ sessionId: string }>;
    assert.ok(waiting.length > 0);
    const sessionId = waiting[0]?.sessionId as string;
    const expected = waiting.filter((d) => d.sessionId === sessionId).length;
    await page.fill('#bulk-session', sessionId);
    await page.selectOption('#bulk-decision', 'approve');
    await page.click('#bulk-preview-button');
    await page.waitForSelector(`#bulk-preview:has-text("${expected} delta${expected === 1 ? '' : 's'} match")`);
    await shot('moderation-02-bulk-preview');
    assert.equal(
      (await api(`/v1/deltas?status=needs-review&sessionId=${encodeURIComponent(sessionId)}`)).items.length,
      expected,
      'the preview decided nothing',
    );
    await page.click('#bulk-apply');
    await page.waitForSelector('#toast:has-text("Bulk decision applied")');
    await page.waitForSelector(`#bulk-preview:has-text("${expected} delta")`);
    assert.deepEqual(
      (await api(`/v1/deltas?status=needs-review&sessionId=${encodeURIComponent(sessionId)}`)).items,
      [],
      'every matching delta was decided',
    );
    const decided = (await api(`/v1/deltas?sessionId=${encodeURIComponent(sessionId)}&status=approved&limit=500`)).items;
    const audit = await api(`/v1/deltas/${decided[0].deltaId}`);
    assert.match(audit.decisions.at(-1).via ?? '', /^(bulk|contested):/);
    assert.equal(audit.decisions.at(-1).actor, 'moderator:mo');
    await shot('moderation-03-bulk-applied');
    assert.deepEqual(consoleErrors, []);
  });
});
