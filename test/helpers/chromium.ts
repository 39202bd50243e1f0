import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (which downloads no browser of its own). */
export const CHROMIUM = '/usr/bin/chromium';

/** A page of headless Chromium with what it logged: console errors, uncaught page errors, and every request that left the file. */
export interface OpenedPage {
  readonly browser: Browser;
  readonly page: Page;
  readonly errors: string[];
  readonly requests: string[];
}

/**
 * Opens the local HTML `file` in headless Chromium (no sandbox, background networking off) at
 * `width` × 900, with every request other than the file itself and data: URIs refused and
 * recorded. Throws, naming the fix, when Chromium is not installed.
 */
export async function openInChromium(file: string, width = 1280): Promise<OpenedPage> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; install it with \`apt-get install -y chromium\` (.ci/run does this)`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-default-apps', '--disable-sync', '--no-first-run', '--disable-gpu'],
  });
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  const url = pathToFileURL(file).href;
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => void errors.push(e.message));
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url || u.startsWith('data:')) return route.continue();
    requests.push(u);
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { browser, page, errors, requests };
}
