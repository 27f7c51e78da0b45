// SPDX-License-Identifier: AGPL-3.0-or-later
// The speakers queue in the browser: two members ask to speak from their
// phones, the second sees their place in line, the chair gives the floor
// from the box beside the participants, the speaker's button and the
// projector's line show the running time, the speaker ends the turn, the
// chair calls the next one and ends it. Screenshots in English and Vietnamese.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, launch, newPage, shot, tokenOf } from './helpers.mjs';

const MEMBERS = [
  ['Nguyễn Văn An', 'Phó Giám đốc'],
  ['Trần Thị Bình', 'Chánh Văn phòng'],
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
const setLang = (page, l) => page.evaluate((x) => import('/js/i18n.js').then((i) => i.setLang(x)), l);

async function shots(page, name) {
  const was = await page.evaluate(() => document.documentElement.lang);
  await setLang(page, 'en');
  await shot(page, `speakers-${name}-en`);
  await setLang(page, 'vi');
  await shot(page, `speakers-${name}-vi`);
  await setLang(page, was);
}

const timeOf = async (loc) => (await loc.textContent()).trim();

test('request, queue, floor, end', async () => {
  const chair = await newPage(browser, 'laptop', 'en');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app');
  const an = await newPage(browser, 'phone', 'vi');
  await an.goto(url(m.people['Nguyễn Văn An'].url));
  await an.waitForSelector('.participant-app');
  const binh = await newPage(browser, 'phone', 'en');
  await binh.goto(url(m.people['Trần Thị Bình'].url));
  await binh.waitForSelector('.participant-app');
  const screen = await newPage(browser, 'laptop', 'vi');
  await screen.goto(url(m.display_url));
  await screen.waitForSelector('.screen-app');

  // Nobody in line: the chair's box says so, the projector shows no line.
  await chair.locator('.speakers-box .speakers-empty').waitFor();
  assert.equal(await screen.locator('.screen-speaker').isHidden(), true);

  // An asks first, Bình second: Bình is 2nd in line.
  const anBtn = an.locator('.speak-btn');
  await anBtn.waitFor();
  assert.equal((await anBtn.textContent()).trim(), 'Đăng ký phát biểu');
  await anBtn.click();
  await an.locator('.speak-btn[data-mode="queued"]', { hasText: 'Rút đăng ký (bạn là người tiếp theo)' }).waitFor();
  await binh.locator('.speak-btn', { hasText: 'Request to speak' }).click();
  await binh.locator('.speak-btn[data-mode="queued"]', { hasText: 'Withdraw (you are 2nd in line)' }).waitFor();
  await shots(binh, 'member-queued');

  // The chair's box: both, in order.
  await chair.locator('.speakers-entry').nth(1).waitFor();
  const names = await chair.locator('.speakers-entry .speakers-name').allTextContents();
  assert.deepEqual(names, ['Nguyễn Văn An', 'Trần Thị Bình']);

  // Withdrawing and asking again puts Bình back at the end (still 2nd).
  await binh.locator('.speak-btn[data-mode="queued"]').click();
  await binh.locator('.speak-btn[data-mode="idle"]').waitFor();
  await chair.locator('.speakers-entry').nth(1).waitFor({ state: 'detached' });
  await binh.locator('.speak-btn[data-mode="idle"]').click();
  await binh.locator('.speak-btn[data-mode="queued"]', { hasText: '2nd' }).waitFor();

  // The chair gives the floor to Bình, out of order.
  await chair.locator('.speakers-entry', { hasText: 'Trần Thị Bình' }).locator('.speakers-give').click();
  await binh.locator('.speak-btn[data-mode="floor"]', { hasText: 'You have the floor' }).waitFor();
  await an.locator('.speak-btn[data-mode="queued"]', { hasText: 'tiếp theo' }).waitFor();
  await chair.locator('.speakers-current', { hasText: 'Trần Thị Bình' }).waitFor();
  await screen.locator('.screen-speaker', { hasText: 'Đang phát biểu: Trần Thị Bình' }).waitFor();

  // The running time counts on every screen.
  const t0 = await timeOf(binh.locator('.speak-btn .speaker-timer'));
  assert.match(t0, /^00:0\d$/);
  await binh.waitForFunction(() => document.querySelector('.speak-btn .speaker-timer')?.textContent >= '00:02', null, { timeout: 5000 });
  assert.match(await timeOf(chair.locator('.speakers-time')), /^00:0\d$/);
  await shots(binh, 'member-speaking');
  await shots(chair, 'chair-box');
  await shots(screen, 'projector-line');

  // The speaker ends the turn from the phone.
  await binh.locator('.speak-btn[data-mode="floor"]').click();
  await binh.locator('.speak-btn[data-mode="idle"]').waitFor();
  await chair.locator('.speakers-none').waitFor();
  await screen.locator('.screen-speaker').waitFor({ state: 'hidden' });

  // "Next speaker": An, the first in line; then the chair ends the turn.
  await chair.locator('.speakers-next').click();
  await an.locator('.speak-btn[data-mode="floor"]', { hasText: 'Bạn đang phát biểu' }).waitFor();
  await screen.locator('.screen-speaker', { hasText: 'Nguyễn Văn An' }).waitFor();
  await chair.locator('.speakers-end').click();
  await an.locator('.speak-btn[data-mode="idle"]').waitFor();
  await screen.locator('.screen-speaker').waitFor({ state: 'hidden' });

  // A reload (a fresh hello) shows the same: nobody speaking, nobody in line.
  await chair.reload();
  await chair.locator('.speakers-box .speakers-empty').waitFor();

  for (const p of [chair, an, binh, screen]) assert.deepEqual(p.errors, []);
});
