// SPDX-License-Identifier: AGPL-3.0-or-later
// Search from the participant's documents drawer: "bien ban" (no diacritics)
// finds "biên bản", the snippet shows the words highlighted, and tapping a
// hit opens that page in browse mode with the words marked on the page and
// the way back to the chair's page. The chair's search previews a hit.
// Screenshots in Vietnamese and English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, launch, newPage, shot, waitForPage, tokenOf } from './helpers.mjs';

const MEMBERS = [['Nguyễn Văn An', 'Phó Giám đốc']];
let srv; let m; let browser;

before(async () => {
  srv = await new Server().init();
  m = srv.meeting({ members: MEMBERS });
  await srv.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

const url = (link) => `${srv.url}/j/${tokenOf(link)}`;

for (const lang of ['vi', 'en']) {
  test(`participant searches "bien ban" and opens the hit (${lang})`, async () => {
    const page = await newPage(browser, 'phone', lang);
    await page.goto(url(m.people['Nguyễn Văn An'].url));
    await page.waitForSelector('.participant-app');
    await page.click('.bar .bar-btn[aria-controls="drawer"]');
    await page.fill('.drawer .search-input', 'bien ban');
    // The documents are indexed at start: wait for the hits.
    const hit = page.locator('.drawer .search-hit').first();
    await hit.waitFor({ timeout: 30000 });
    const snippet = await hit.locator('.search-hit-snippet').innerText();
    const marked = await hit.locator('mark').first().innerText();
    assert.match(marked.toLowerCase(), /biên bản/, snippet);
    const want = Number(await hit.getAttribute('data-page'));
    await shot(page, `search-drawer-${lang}`);

    await hit.click();
    await waitForPage(page, want);
    assert.ok(await page.locator('.back-to-chair').isVisible(), 'the way back to the chair');
    await page.waitForSelector('.hit-layer .hit-rect', { timeout: 20000 });
    await shot(page, `search-hit-${lang}`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
}

test('the chair previews a hit, then presents it with a second tap', async () => {
  const page = await newPage(browser, 'laptop', 'vi');
  await page.goto(url(m.chair_url));
  await page.waitForSelector('.chair-app');
  await page.fill('.chair-search .search-input', 'biểu quyết');
  const hit = page.locator('.chair-search .search-hit').first();
  await hit.waitFor({ timeout: 30000 });
  const want = Number(await hit.getAttribute('data-page'));
  await hit.click();
  await waitForPage(page, want);
  assert.ok(await page.locator('.preview-bar').isVisible(), 'the preview says it is not presented');
  await page.waitForSelector('.hit-layer .hit-rect', { timeout: 20000 });
  await shot(page, 'search-chair-preview-vi');
  await hit.click();
  await page.waitForFunction(() => document.querySelector('.preview-bar')?.hidden === true);
  await page.waitForFunction((p) => /trang|page/i.test(document.querySelector('.ctrl-pager')?.textContent || '') &&
    (document.querySelector('.ctrl-pager')?.textContent || '').includes(String(p)), want);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
