import type { Browser } from 'playwright-core';

/** Debian's Chromium, which the browser tests drive through playwright-core (no browser download). */
export const chromiumPath = '/usr/bin/chromium';

/** Launch Chromium headless with the flags a CI container needs (no sandbox, no GPU, no network chatter). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
