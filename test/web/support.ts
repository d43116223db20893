import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';

/** Debian's chromium (apt-get install chromium): the browser the page's end-to-end tests drive. */
export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Where the tests write their screenshots (gitignored), one PNG per page. */
export const ARTIFACTS = join('test-artifacts', 'web');

export async function screenshot(page: Page, name: string, also?: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  if (also) await page.screenshot({ path: also, fullPage: false });
}

/** The API as one named token calls it (what a script or another desk does beside the page). */
export function apiAs(base: string, token: string) {
  return async (method: string, path: string, body?: unknown) => {
    const reply = await fetch(new URL(path, base), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: reply.status, body: (await reply.json()) as Record<string, unknown> & unknown[] };
  };
}
