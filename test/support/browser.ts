import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's Chromium, which the browser tests drive through playwright-core (no browser download). */
export const chromiumPath = '/usr/bin/chromium';

/** AFTERWORD_REQUIRE_BROWSER=1 (set by .ci/run) turns a missing Chromium into a failure instead of a skip. */
const required = Boolean(process.env.AFTERWORD_REQUIRE_BROWSER);

/** Whether this run drives a browser: Chromium is installed, or it is required (and its absence fails). */
export const runBrowserTests = required || existsSync(chromiumPath);

/**
 * The `skip` option of a browser suite: false when it runs, else the reason, printed once so a
 * skipped run says what to install and set.
 */
export function browserSuiteSkip(suite: string): string | false {
  if (runBrowserTests) return false;
  console.log(
    `# SKIPPED ${suite}: ${chromiumPath} is missing (apt-get install -y chromium; set AFTERWORD_REQUIRE_BROWSER=1 to make this a failure)`,
  );
  return `${chromiumPath} missing`;
}

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
