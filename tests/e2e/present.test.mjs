// SPDX-License-Identifier: AGPL-3.0-or-later
// The main path through the product: people join (personal link, room link),
// the chair presents and turns pages, everyone follows; a participant browses
// away and comes back with one tap; the projector shows the page or the QR.
// Screenshots of every view go to $PLENUM_ARTIFACTS, in English and Vietnamese.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Server, launch, newPage, shot, swipe, waitForPage, tokenOf, DATA, PDF_VI } from './helpers.mjs';

const MEMBERS = [
  ['Nguyễn Văn An', 'Phó Giám đốc'],
  ['Trần Thị Bình', 'Chánh Văn phòng'],
  ['Lê Hoàng Cường', 'Trưởng phòng Kế hoạch'],
  ['Phạm Minh Đức', 'Trưởng phòng Tài chính'],
  ['Hoàng Thu Hà', 'Chuyên viên'],
  ['Vũ Quốc Hùng', 'Chuyên viên'],
  ['Đặng Thị Lan', 'Kế toán trưởng'],
  ['Bùi Văn Long', 'Thanh tra viên'],
  ['Đỗ Thị Mai', 'Chuyên viên'],
];

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
const [VI_DOC, DOC4] = [0, 1].map((i) => () => m.docs[i].doc);

test('the chair presents, participants follow, browse and come back', async () => {
  const chair = await newPage(browser, 'laptop', 'en');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app');
  assert.equal(new URL(chair.url()).pathname, `/m/${m.meeting}`);

  // A member by their personal link: joins at once, no name to pick.
  const member = await newPage(browser, 'phone', 'en');
  await member.goto(url(m.people['Nguyễn Văn An'].url));
  await member.waitForSelector('.participant-app');
  assert.equal(new URL(member.url()).pathname, `/m/${m.meeting}`);

  // Another by the room link, picking a name from the roster.
  const picker = await newPage(browser, 'tablet', 'vi');
  await picker.goto(url(m.join_url));
  await picker.getByRole('button', { name: /Trần Thị Bình/ }).click();
  await picker.waitForSelector('.participant-app');
  assert.equal(new URL(picker.url()).pathname, `/m/${m.meeting}`);

  // Both show up as online for the chair.
  for (const name of ['Nguyễn Văn An', 'Trần Thị Bình']) {
    await chair.locator('.person.online', { hasText: name }).waitFor();
  }

  // The chair starts with page 1 of the 4-page document (thumbnail click).
  await chair.locator(`.thumb[data-doc="${DOC4()}"][data-page="1"]`).click();
  await waitForPage(member, 1);
  await waitForPage(picker, 1);

  // From now on the member's stage must never be without a page image (no
  // flicker), and page 2 is fetched before the chair even asks for it.
  await member.evaluate(() => {
    const stage = document.getElementById('stage');
    window.blank = 0;
    new MutationObserver(() => { if (!stage.querySelector('img.page-img')) window.blank++; })
      .observe(stage, { childList: true });
  });
  await member.waitForFunction((doc) => performance.getEntriesByType('resource')
    .some((e) => e.name.includes(`/api/docs/${doc}/pages/2.png`)), DOC4());

  // "Next" button, then the arrow key.
  await chair.locator('button[data-action="next"]').click();
  await waitForPage(member, 2);
  await waitForPage(picker, 2);
  const img = await member.locator('#stage img.page-img').evaluate((i) => ({ src: i.src, w: i.naturalWidth }));
  assert.match(img.src, new RegExp(`/api/docs/${DOC4()}/pages/2\\.png\\?w=\\d+`));
  assert.ok(img.w > 0);
  // Sharp on a 3x phone: the width asked for covers the CSS width × 3.
  const asked = Number(new URL(img.src).searchParams.get('w'));
  const cssWidth = await member.locator('#stage img.page-img').evaluate((i) => i.getBoundingClientRect().width);
  assert.ok(asked >= Math.ceil(cssWidth * 3) - 1, `w=${asked} for ${cssWidth} CSS px at 3x`);

  await chair.keyboard.press('ArrowRight');
  await waitForPage(member, 3);
  await waitForPage(picker, 3);
  await chair.keyboard.press('ArrowLeft');
  await waitForPage(member, 2);

  assert.equal(await member.evaluate(() => window.blank), 0, 'the page went blank during a change');

  // The member browses back a page: no longer following, the button shows.
  const back = member.locator('button.back-to-chair');
  assert.equal(await back.isVisible(), false);
  await member.locator('button.nav.prev').click();
  await waitForPage(member, 1);
  await back.waitFor({ state: 'visible' });

  // The chair moves on; the browsing member stays where they are…
  await chair.keyboard.press('PageDown');
  await waitForPage(picker, 3);
  await member.waitForTimeout(300);
  await waitForPage(member, 1, 1000);

  // …until they tap "Back to the chair's page".
  await back.tap();
  await waitForPage(member, 3);
  await back.waitFor({ state: 'hidden' });

  // A swipe to the left turns to the next page, on the member's own.
  await swipe(member, '#stage', -200);
  await waitForPage(member, 4);
  await back.waitFor({ state: 'visible' });
  await swipe(member, '#stage', 200);
  await waitForPage(member, 3); // the chair's page again: following once more
  await back.waitFor({ state: 'hidden' });

  // The documents drawer: open the Vietnamese report, then come back.
  await member.locator('button[aria-controls="drawer"]').click();
  await member.locator(`.drawer .doc-btn[data-doc="${VI_DOC()}"]`).click();
  await waitForPage(member, 1);
  assert.match(await member.locator('#stage img.page-img').getAttribute('src'), new RegExp(VI_DOC()));
  await back.click();
  await waitForPage(member, 3);

  // A burst of page changes ends on the last one.
  for (let i = 0; i < 3; i++) await chair.keyboard.press('ArrowLeft');
  await chair.keyboard.press('ArrowRight');
  await waitForPage(member, 1 + 1);
  await waitForPage(picker, 2);
  await member.waitForTimeout(500);
  assert.equal(await member.locator('#stage').getAttribute('data-page'), '2');

  // The projector (room display link) shows the same page, no controls.
  const screen = await newPage(browser, 'laptop', 'en');
  await screen.goto(url(m.display_url));
  await screen.waitForSelector('.screen-app');
  assert.equal(new URL(screen.url()).pathname, `/m/${m.meeting}/screen`);
  await waitForPage(screen, 2);
  assert.equal(await screen.locator('button').count(), 0);

  // Stop presenting: the projector shows the room QR code and the join URL.
  await chair.getByRole('button', { name: 'Stop presenting' }).click();
  await screen.waitForFunction(() => {
    const qr = document.querySelector('img.qr');
    return qr && qr.complete && qr.naturalWidth > 0;
  });
  const joinText = await screen.locator('.join-url').textContent();
  assert.equal(tokenOf(joinText), tokenOf(m.join_url));
  await member.locator('.idle').waitFor();

  for (const p of [chair, member, picker, screen]) assert.deepEqual(p.errors, []);
  await Promise.all([chair, member, picker, screen].map((p) => p.context().close()));
});

test('a guest joins by name and the chair sees them', async () => {
  const chair = await newPage(browser, 'laptop', 'en');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app');
  const guest = await newPage(browser, 'phone', 'vi');
  await guest.goto(url(m.join_url));
  await guest.locator('.guest-form input').fill('Khách Mời Thử');
  await guest.locator('.guest-form button[type="submit"]').click();
  await guest.waitForSelector('.participant-app');
  await chair.locator('.person.online', { hasText: 'Khách Mời Thử' }).waitFor();
  await Promise.all([chair, guest].map((p) => p.context().close()));
});

test('the chair uploads a document into an agenda item and every device gets it', async () => {
  const chair = await newPage(browser, 'laptop', 'vi');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app');
  const member = await newPage(browser, 'phone', 'en');
  await member.goto(url(m.people['Bùi Văn Long'].url));
  await member.waitForSelector('.participant-app');

  // Item 3 has no document yet.
  const item3 = chair.locator('.chair-item').nth(2);
  await item3.locator('input[type="file"]').setInputFiles(PDF_VI);
  await item3.locator('details.doc').waitFor();
  await chair.locator('.upload-status', { hasText: 'Đã thêm' }).waitFor();
  await member.locator('button[aria-controls="drawer"]').click();
  await member.locator('.drawer-item').nth(2).locator('.doc-btn').waitFor();

  // Not a document: a clear refusal, in the chair's language.
  const bad = path.join(DATA, 'not-a-document.pdf');
  await item3.locator('input[type="file"]').setInputFiles(bad);
  await chair.locator('.upload-status.form-error').waitFor();
  assert.match(await chair.locator('.upload-status').textContent(), /Plenum không mở được tệp này|Tải lên không thành công/);
  await shot(chair, 'chair-upload-refused-vi-laptop');
  await Promise.all([chair, member].map((p) => p.context().close()));
});

test('a meeting page without having joined says how to join', async () => {
  const p = await newPage(browser, 'phone', 'vi');
  await p.goto(`${srv.url}/m/${m.meeting}`);
  await p.locator('h1', { hasText: 'Bạn chưa tham gia cuộc họp này trên thiết bị này' }).waitFor();
  await shot(p, 'not-joined-vi-phone');
  await p.context().close();
});

test('an unknown link says so', async () => {
  for (const lang of ['en', 'vi']) {
    const p = await newPage(browser, 'phone', lang);
    await p.goto(`${srv.url}/j/AAAAAAAAAAAAAAAAAAAAAA`);
    await p.locator('.error-card h1').waitFor();
    const text = await p.locator('.error-card h1').textContent();
    assert.equal(text, lang === 'en' ? 'This link does not work' : 'Đường liên kết này không dùng được');
    await shot(p, `join-unknown-${lang}-phone`);
    await p.context().close();
  }
});

test('screenshots of every view, in both languages and three sizes', async () => {
  const chairEn = await newPage(browser, 'laptop', 'en');
  await chairEn.goto(url(m.chair_url));
  await chairEn.waitForSelector('.chair-app');
  await chairEn.getByRole('button', { name: 'Stop presenting' }).click().catch(() => {});

  for (const lang of ['en', 'vi']) {
    // Projector, idle: the QR code.
    const screen = await newPage(browser, 'laptop', lang);
    await screen.goto(url(m.display_url));
    await screen.waitForFunction(() => document.querySelector('img.qr')?.naturalWidth > 0);
    await shot(screen, `projector-idle-${lang}-laptop`);

    // Join page at every size.
    for (const size of ['phone', 'tablet', 'laptop']) {
      const p = await newPage(browser, size, lang);
      await p.goto(url(m.join_url));
      await p.locator('.roster-name').first().waitFor();
      await shot(p, `join-${lang}-${size}`);
      await p.context().close();
    }

    // Nothing presented yet: the participant sees the agenda.
    const idle = await newPage(browser, 'phone', lang);
    await idle.goto(url(m.people['Hoàng Thu Hà'].url));
    await idle.locator('.idle').waitFor();
    await shot(idle, `participant-idle-${lang}-phone`);

    // The chair presents page 2 of the Vietnamese report.
    await chairEn.locator(`.thumb[data-doc="${VI_DOC()}"][data-page="2"]`).click();
    await waitForPage(screen, 2);
    await shot(screen, `projector-presenting-${lang}-laptop`);
    await waitForPage(idle, 2);
    await idle.context().close();

    for (const size of ['phone', 'tablet', 'laptop']) {
      const p = await newPage(browser, size, lang);
      await p.goto(url(m.people['Vũ Quốc Hùng'].url));
      await waitForPage(p, 2);
      await shot(p, `participant-${lang}-${size}`);
      if (size === 'phone') {
        await p.locator('button.nav.prev').click();
        await waitForPage(p, 1);
        await shot(p, `participant-browsing-${lang}-phone`);
        await p.locator('button[aria-controls="drawer"]').click();
        await p.locator('.drawer-open .drawer').waitFor();
        await p.waitForTimeout(300); // the slide-in
        await shot(p, `participant-drawer-${lang}-phone`);
      }
      await p.context().close();
    }

    for (const size of ['laptop', 'tablet', 'phone']) {
      const c = await newPage(browser, size, lang);
      await c.goto(url(m.chair_url));
      await waitForPage(c, 2);
      await c.waitForTimeout(500); // thumbnails
      await shot(c, `chair-${lang}-${size}`);
      await c.context().close();
    }

    await chairEn.getByRole('button', { name: 'Stop presenting' }).click();
    await screen.context().close();
  }
  await chairEn.context().close();
});

test('a lost connection shows the banner, reconnects and catches up', async () => {
  const chair = await newPage(browser, 'laptop', 'en');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app');
  await chair.locator(`.thumb[data-doc="${DOC4()}"][data-page="1"]`).click();
  const pages = {};
  for (const lang of ['en', 'vi']) {
    pages[lang] = await newPage(browser, 'phone', lang);
    await pages[lang].goto(url(m.people['Đặng Thị Lan'].url));
    await waitForPage(pages[lang], 1);
  }

  // The server goes away (a Wi-Fi drop looks the same to the page).
  await srv.halt();
  for (const lang of ['en', 'vi']) {
    const p = pages[lang];
    await p.locator('.banner-offline').waitFor({ state: 'visible' });
    assert.equal((await p.locator('.banner-offline').innerText()).trim(),
      lang === 'en' ? 'Offline — reconnecting…' : 'Đang mất kết nối — đang kết nối lại…');
    await shot(p, `participant-offline-${lang}-phone`);
  }

  // Back with the same data: the pages reconnect by themselves and follow on.
  await srv.start();
  for (const p of Object.values(pages)) await p.locator('.banner-offline').waitFor({ state: 'hidden', timeout: 30000 });
  await chair.locator('.banner-offline').waitFor({ state: 'hidden', timeout: 30000 });
  await chair.locator('button[data-action="next"]').click();
  for (const p of Object.values(pages)) await waitForPage(p, 2);
  await Promise.all([chair, ...Object.values(pages)].map((p) => p.context().close()));
});
