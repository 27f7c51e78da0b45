// SPDX-License-Identifier: AGPL-3.0-or-later
// Vietnamese and English: the same keys in both files, the language taken
// from the browser, a VI/EN switch that changes every visible string and is
// remembered, and no key name ever shown instead of a sentence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Server, launch, newPage, shot, waitForPage, tokenOf, WEB } from './helpers.mjs';

const en = JSON.parse(fs.readFileSync(path.join(WEB, 'i18n/en.json'), 'utf8'));
const vi = JSON.parse(fs.readFileSync(path.join(WEB, 'i18n/vi.json'), 'utf8'));
// A key name on screen looks like "join.title" or "view.backToChair".
const PREFIXES = [...new Set(Object.keys(en).map((k) => k.split('.')[0]))];
const KEY_RE = new RegExp(`\\b(${PREFIXES.join('|')})\\.[A-Za-z]+\\b`);

let srv; let m; let browser;

before(async () => {
  srv = await new Server().init();
  m = srv.meeting({ members: [['Nguyễn Văn An', 'Phó Giám đốc'], ['Trần Thị Bình', 'Chánh Văn phòng']] });
  await srv.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

const url = (link) => `${srv.url}/j/${tokenOf(link)}`;

test('both languages have the same keys, none empty, Vietnamese with diacritics', () => {
  assert.deepEqual(Object.keys(vi).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(vi)) assert.ok(v.trim(), `vi ${k} is empty`);
  for (const [k, v] of Object.entries(en)) assert.ok(v.trim(), `en ${k} is empty`);
  assert.equal(vi['view.backToChair'], 'Quay lại trang của chủ tọa');
  assert.equal(vi['conn.offline'], 'Đang mất kết nối — đang kết nối lại…');
  assert.equal(vi['join.choose'], 'Chọn tên của bạn');
  // Placeholders match, so that no "{page}" is left in a sentence.
  for (const k of Object.keys(en)) {
    const ph = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
    assert.equal(ph(vi[k]), ph(en[k]), `placeholders of ${k}`);
  }
});

// Every element that shows a translated string, with its text.
function visibleStrings(page) {
  return page.evaluate(() => [...document.querySelectorAll('[data-i18n]')]
    .filter((el) => el.getClientRects().length > 0)
    .map((el) => ({ key: el.dataset.i18n, text: el.textContent })));
}

async function checkSwitch(page, name) {
  const lang = await page.evaluate(() => document.documentElement.lang);
  const other = lang === 'en' ? 'vi' : 'en';
  const before = await visibleStrings(page);
  assert.ok(before.length > 0, `${name}: no translated strings visible`);
  const bodyBefore = await page.locator('body').innerText();
  assert.doesNotMatch(bodyBefore, KEY_RE, `${name}: a key name is on screen`);

  // The switch in the bar, or the one in the drawer when that is open.
  await page.locator(`.lang-switch:visible button[data-lang="${other}"]`).last().click();
  await page.waitForFunction((l) => document.documentElement.lang === l, other);
  const after = await visibleStrings(page);
  const dict = other === 'vi' ? vi : en;
  for (const { key, text } of after) {
    assert.ok(key in dict, `${name}: unknown key ${key}`);
    const was = before.find((b) => b.key === key);
    if (was && en[key] !== vi[key]) assert.notEqual(text, was.text, `${name}: "${text}" (${key}) did not change`);
  }
  const bodyAfter = await page.locator('body').innerText();
  assert.doesNotMatch(bodyAfter, KEY_RE, `${name}: a key name is on screen`);
  assert.notEqual(bodyAfter, bodyBefore);
  await shot(page, `i18n-${name}-${other}`);
  return other;
}

test('the browser language picks the first language we speak', async () => {
  const cases = [[['vi-VN', 'en'], 'vi'], [['en-GB', 'vi'], 'en'], [['fr-FR', 'vi-VN', 'en'], 'vi'], [['de-DE'], 'en']];
  for (const [langs, want] of cases) {
    const ctx = await browser.newContext({ locale: langs[0] });
    await ctx.addInitScript((l) => Object.defineProperty(navigator, 'languages', { get: () => l }), langs);
    const p = await ctx.newPage();
    await p.goto(url(m.join_url));
    await p.locator('.roster-name').first().waitFor();
    assert.equal(await p.evaluate(() => document.documentElement.lang), want, langs.join());
    assert.equal(await p.locator('#choose-title').textContent(), want === 'vi' ? vi['join.choose'] : en['join.choose']);
    await ctx.close();
  }
});

test('the VI/EN switch changes every string on every view and is remembered', async () => {
  // Join page.
  const p = await newPage(browser, 'phone', 'en');
  await p.goto(url(m.join_url));
  await p.locator('.roster-name').first().waitFor();
  assert.equal(await checkSwitch(p, 'join'), 'vi');
  await p.reload();
  await p.locator('.roster-name').first().waitFor();
  assert.equal(await p.evaluate(() => document.documentElement.lang), 'vi', 'the choice survives a reload');
  assert.equal(await p.locator('#choose-title').textContent(), 'Chọn tên của bạn');

  // Participant view, idle (agenda) and with the drawer open.
  await p.getByRole('button', { name: /Nguyễn Văn An/ }).click();
  await p.locator('.idle').waitFor();
  assert.equal(await checkSwitch(p, 'participant-idle'), 'en');
  await p.locator('button[aria-controls="drawer"]').click();
  await p.locator('.drawer-open .drawer').waitFor();
  assert.equal(await checkSwitch(p, 'participant-drawer'), 'vi');
  await p.keyboard.press('Escape');

  // Chair view, presenting; the participant's page alt text follows too.
  const chair = await newPage(browser, 'laptop', 'en');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app');
  await chair.locator(`.thumb[data-doc="${m.docs[1].doc}"][data-page="2"]`).click();
  await waitForPage(p, 2);
  const altVi = await p.locator('#stage img.page-img').getAttribute('alt');
  assert.match(altVi, /trang 2/);
  assert.equal(await checkSwitch(p, 'participant'), 'en');
  assert.match(await p.locator('#stage img.page-img').getAttribute('alt'), /page 2/);
  await p.locator('button.nav.prev').click();
  await p.locator('button.back-to-chair').waitFor();
  assert.equal(await checkSwitch(p, 'participant-browsing'), 'vi');
  assert.equal((await p.locator('button.back-to-chair').innerText()).trim(), vi['view.backToChair']);
  assert.equal(await checkSwitch(chair, 'chair'), 'vi');

  // Projector, idle.
  await chair.getByRole('button', { name: vi['chair.stop'] }).click();
  const screen = await newPage(browser, 'laptop', 'vi');
  await screen.goto(url(m.display_url));
  await screen.locator('.screen-scan').waitFor();
  assert.equal(await screen.locator('.screen-scan').textContent(), vi['screen.scan']);
  assert.doesNotMatch(await screen.locator('body').innerText(), KEY_RE);

  for (const x of [p, chair, screen]) assert.deepEqual(x.errors, []);
  await Promise.all([p, chair, screen].map((x) => x.context().close()));
});
