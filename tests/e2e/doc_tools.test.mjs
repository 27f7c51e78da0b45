// SPDX-License-Identifier: AGPL-3.0-or-later
// The documents tools of the chair and the secretary: renaming (seen live in
// a participant's drawer), moving, removing after a confirmation, and a file
// dropped from the desktop onto an agenda item uploading there. Screenshots
// of the chair with the tools and of the secretary's view go to
// $PLENUM_ARTIFACTS, in English and Vietnamese.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Server, launch, newPage, shot, tokenOf, PDF_4 } from './helpers.mjs';

const MEMBERS = [['Nguyễn Văn An', 'Phó Giám đốc'], ['Trần Thị Bình', 'Chánh Văn phòng']];

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
const entry = (page, id) => page.locator(`.doc-entry[data-doc="${id}"]`);

async function openMenu(page, id) {
  await page.locator(`.doc-menu-btn[data-doc="${id}"]`).click();
  await page.locator(`.doc-menu[data-doc="${id}"]`).waitFor();
}

test('the chair renames, moves and removes documents; every client follows', async () => {
  const [viDoc, doc4] = [m.docs[0].doc, m.docs[1].doc];
  const chair = await newPage(browser, 'laptop', 'en');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app');
  const member = await newPage(browser, 'phone', 'en');
  await member.goto(url(m.people['Nguyễn Văn An'].url));
  await member.waitForSelector('.participant-app');
  await member.locator('button[aria-controls="drawer"]').click();
  await member.locator(`.doc-btn[data-doc="${doc4}"]`).waitFor();

  // Rename inline.
  await openMenu(chair, doc4);
  await shot(chair, 'doc-tools-menu-en');
  await chair.locator(`.doc-menu[data-doc="${doc4}"] [data-action="rename"]`).click();
  const input = chair.locator('.doc-rename-input');
  await input.waitFor();
  await input.fill('Báo cáo tổng kết năm 2026');
  await shot(chair, 'doc-tools-rename-en');
  await input.press('Enter');
  await entry(chair, doc4).locator('.doc-title', { hasText: 'Báo cáo tổng kết năm 2026' }).waitFor();
  // The participant's open drawer shows the new title without a reload.
  await member.locator(`.doc-btn[data-doc="${doc4}"] .doc-title`, { hasText: 'Báo cáo tổng kết năm 2026' }).waitFor();

  // Move to the first agenda item with the menu (keyboard path): it goes
  // after the document already there, in the chair's list and the drawer.
  await openMenu(chair, doc4);
  const firstItem = await chair.locator('.chair-item').first().getAttribute('data-item');
  await chair.locator(`.doc-menu[data-doc="${doc4}"] select`).selectOption(firstItem);
  await chair.locator(`.chair-item[data-item="${firstItem}"] .doc-entry[data-doc="${doc4}"]`).waitFor();
  // Then up, above the other one.
  await openMenu(chair, doc4);
  await chair.locator(`.doc-menu[data-doc="${doc4}"] [data-action="up"]`).click();
  await chair.waitForFunction(([item, a, b]) => {
    const ids = [...document.querySelectorAll(`.chair-item[data-item="${item}"] .doc-entry`)].map((e) => e.dataset.doc);
    return ids.join() === [a, b].join();
  }, [firstItem, doc4, viDoc]);
  await member.waitForFunction(([a, b]) => {
    const ids = [...document.querySelectorAll('.doc-btn')].map((e) => e.dataset.doc);
    return ids.join() === [a, b].join();
  }, [doc4, viDoc]);

  // Drag and drop: the Vietnamese document onto the third agenda item.
  const thirdItem = await chair.locator('.chair-item').nth(2).getAttribute('data-item');
  // (Synthetic drag events with one DataTransfer, as the browser sends them:
  // a mouse-driven drag in headless Chromium is not reliable.)
  const dt = await chair.evaluateHandle(() => new DataTransfer());
  const target = chair.locator(`.chair-item[data-item="${thirdItem}"]`);
  await entry(chair, viDoc).dispatchEvent('dragstart', { dataTransfer: dt });
  await target.dispatchEvent('dragenter', { dataTransfer: dt });
  await target.dispatchEvent('dragover', { dataTransfer: dt });
  assert.equal(await target.evaluate((e) => e.classList.contains('drop-into')), true);
  await target.dispatchEvent('drop', { dataTransfer: dt });
  await entry(chair, viDoc).dispatchEvent('dragend', { dataTransfer: dt });
  await chair.locator(`.chair-item[data-item="${thirdItem}"] .doc-entry[data-doc="${viDoc}"]`).waitFor();

  // Remove, after the confirmation; while it is presented, presenting stops.
  await chair.locator(`.thumb[data-doc="${viDoc}"][data-page="1"]`).click();
  await member.locator('button.drawer-close').click();
  await member.waitForSelector('#stage img.page-img');
  await openMenu(chair, viDoc);
  await chair.locator(`.doc-menu[data-doc="${viDoc}"] [data-action="remove"]`).click();
  await chair.locator(`.doc-menu[data-doc="${viDoc}"] .doc-confirm`).waitFor();
  await shot(chair, 'doc-tools-remove-confirm-en');
  await chair.locator(`.doc-menu[data-doc="${viDoc}"] [data-action="remove-yes"]`).click();
  await entry(chair, viDoc).waitFor({ state: 'detached' });
  await member.waitForSelector('.idle:not([hidden])');
  await member.locator('button[aria-controls="drawer"]').click();
  await member.locator(`.doc-btn[data-doc="${doc4}"]`).waitFor();
  assert.equal(await member.locator(`.doc-btn[data-doc="${viDoc}"]`).count(), 0);

  assert.deepEqual(chair.errors, []);
  assert.deepEqual(member.errors, []);
  await chair.context().close();
  await member.context().close();
});

test('a file dropped onto an agenda item uploads there', async () => {
  const chair = await newPage(browser, 'laptop', 'en');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app');
  const item = await chair.locator('.chair-item').nth(1).getAttribute('data-item');
  const before = await chair.locator(`.chair-item[data-item="${item}"] .doc-entry`).count();
  const bytes = [...fs.readFileSync(PDF_4)];
  // A synthetic drop with a DataTransfer holding the file, as a desktop drag gives.
  const dt = await chair.evaluateHandle((b) => {
    const d = new DataTransfer();
    d.items.add(new File([new Uint8Array(b)], 'Dự thảo nghị quyết.pdf', { type: 'application/pdf' }));
    return d;
  }, bytes);
  const target = chair.locator(`.chair-item[data-item="${item}"]`);
  await target.dispatchEvent('dragenter', { dataTransfer: dt });
  await target.dispatchEvent('dragover', { dataTransfer: dt });
  await target.dispatchEvent('drop', { dataTransfer: dt });
  await chair.locator(`.chair-item[data-item="${item}"] .doc-entry .doc-title`, { hasText: 'Dự thảo nghị quyết' }).waitFor({ timeout: 30000 });
  assert.equal(await chair.locator(`.chair-item[data-item="${item}"] .doc-entry`).count(), before + 1);
  assert.deepEqual(chair.errors, []);
  await chair.context().close();
});

test('screenshots: the chair with the tools and the secretary view, in English and Vietnamese', async () => {
  for (const lang of ['en', 'vi']) {
    const chair = await newPage(browser, 'laptop', lang);
    await chair.goto(url(m.chair_url));
    await chair.waitForSelector('.chair-app');
    const first = await chair.locator('.doc-entry').first().getAttribute('data-doc');
    await openMenu(chair, first);
    await shot(chair, `doc-tools-chair-${lang}`);
    await chair.context().close();

    for (const size of ['laptop', 'tablet']) {
      const sec = await newPage(browser, size, lang);
      await sec.goto(url(m.secretary_url));
      await sec.waitForSelector('.chair-app.secretary-app');
      // No present controls for the secretary; the tools are there.
      assert.equal(await sec.locator('button[data-action="next"]').count(), 0);
      assert.equal(await sec.locator('button.thumb').count(), 0);
      assert.ok(await sec.locator('.doc-menu-btn').count() > 0);
      await shot(sec, `doc-tools-secretary-${size}-${lang}`);
      assert.deepEqual(sec.errors, []);
      await sec.context().close();
    }
  }
});
