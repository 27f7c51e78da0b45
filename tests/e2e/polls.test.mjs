// SPDX-License-Identifier: AGPL-3.0-or-later
// Votes in the browser: the chair opens a named vote from the panel, two
// members vote on their phones' ballot screens, the chair follows the
// progress and who has not voted, closes, and the result chart shows on
// the chair's panel, the members' phones and the projector. Then a secret
// vote, whose ballot screen says so. Screenshots in English and Vietnamese.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, launch, newPage, shot, tokenOf } from './helpers.mjs';

const MEMBERS = [
  ['Nguyễn Văn An', 'Phó Giám đốc'],
  ['Trần Thị Bình', 'Chánh Văn phòng'],
  ['Lê Hoàng Cường', 'Trưởng phòng Kế hoạch'], // never joins: not checked in, not eligible
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

// A screenshot in both languages: the page is re-translated in place.
async function shots(page, name) {
  const was = await page.evaluate(() => document.documentElement.lang);
  await setLang(page, 'en');
  await shot(page, `polls-${name}-en`);
  await setLang(page, 'vi');
  await shot(page, `polls-${name}-vi`);
  await setLang(page, was);
}

test('a named vote, then a secret one', async () => {
  const chair = await newPage(browser, 'laptop', 'en');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app');

  const an = await newPage(browser, 'phone', 'vi');
  await an.goto(url(m.people['Nguyễn Văn An'].url));
  await an.waitForSelector('.participant-app');
  const binh = await newPage(browser, 'phone', 'en');
  await binh.goto(url(m.people['Trần Thị Bình'].url));
  await binh.waitForSelector('.participant-app');

  const screen = await newPage(browser, 'laptop', 'en');
  await screen.goto(url(m.display_url));
  await screen.waitForSelector('.screen-app');

  for (const name of ['Nguyễn Văn An', 'Trần Thị Bình']) {
    await chair.locator('.person.online', { hasText: name }).waitFor();
  }
  // No ballot screen while nothing is voted on.
  assert.equal(await an.locator('.ballot-screen').isHidden(), true);

  // The chair's panel: question, presets, named, the rule with its explanation.
  await chair.locator('.vote-btn').click();
  await chair.locator('.poll-panel').waitFor();
  await chair.locator('#poll-question').fill('Thông qua kế hoạch công tác tháng 12?');
  assert.equal(await chair.locator('.poll-chip').count(), 3);
  await chair.locator('input[name="poll-rule"][value="cast"]').check();
  await shots(chair, 'chair-panel');
  await chair.locator('.poll-open-btn').click();

  // The chair and the two members who joined are eligible: 3.
  await chair.locator('.poll-live .poll-progress', { hasText: '0 of 3' }).waitFor();
  await chair.locator('.poll-missing-list li', { hasText: 'Trần Thị Bình' }).waitFor();
  assert.equal(await chair.locator('.poll-missing-list li', { hasText: 'Lê Hoàng Cường' }).count(), 0);

  // Each member's phone: the ballot over the page, big buttons.
  for (const p of [an, binh]) {
    await p.locator('.ballot-screen .ballot-question', { hasText: 'Thông qua kế hoạch' }).waitFor();
    const box = await p.locator('.ballot-btn').first().boundingBox();
    assert.ok(box.height >= 56, `ballot button ${box.height}px tall`);
    assert.equal(await p.locator('.ballot-secret').count(), 0);
  }
  await an.locator('.ballot-btn', { hasText: 'Tán thành' }).first().waitFor();
  await shots(an, 'member-ballot');

  // An votes "for" ("Tán thành"): "Sending…" then recorded after the server's ok.
  await an.locator('.ballot-btn[data-option="0"]').click();
  await an.locator('.ballot-recorded').waitFor();
  assert.match(await an.locator('.ballot-recorded').textContent(), /Phiếu của bạn đã được ghi nhận/);
  await shots(an, 'member-recorded');

  await chair.locator('.poll-live .poll-progress', { hasText: '1 of 3' }).waitFor();
  await chair.waitForFunction(() => ![...document.querySelectorAll('.poll-missing-list li')].some((li) => li.textContent.includes('Nguyễn Văn An')));
  await shots(chair, 'chair-progress');
  // The projector: question and progress, large.
  await screen.locator('.screen-vote .screen-vote-progress', { hasText: '1 of 3' }).waitFor();
  await shots(screen, 'projector-progress');

  await binh.locator('.ballot-btn[data-option="1"]').click();
  await binh.locator('.ballot-recorded', { hasText: 'Your vote is recorded' }).waitFor();

  // The chair votes from the panel too.
  await chair.locator('.poll-own .ballot-btn[data-option="0"]').click();
  await chair.locator('.poll-own .ballot-recorded').waitFor();
  await chair.locator('.poll-live .poll-progress', { hasText: '3 of 3' }).waitFor();
  await chair.locator('.poll-missing', { hasText: 'Everyone has voted' }).waitFor();

  await chair.locator('.poll-close-btn').click();

  // The result everywhere: 2 for, 1 against, of votes cast → passed.
  for (const p of [chair, an, binh, screen]) {
    await p.locator('.poll-result[data-outcome="passed"]').waitFor();
  }
  const forRow = chair.locator('.poll-row[data-option="0"]');
  assert.match(await forRow.textContent(), /2 · 67%/);
  assert.match(await forRow.locator('.poll-names').textContent(), /Nguyễn Văn An/);
  assert.match(await chair.locator('.poll-row[data-option="1"] .poll-names').textContent(), /Trần Thị Bình/);
  assert.match(await an.locator('.poll-outcome').textContent(), /Thông qua/);
  await shots(chair, 'chair-result');
  await shots(an, 'member-result');
  await shots(screen, 'projector-result');

  // Back to the document: the ballot screen goes away.
  await an.locator('.ballot-back').click();
  await an.locator('.ballot-screen').waitFor({ state: 'hidden' });

  // A secret vote: the ballot says so, the chair sees no names.
  await chair.locator('.poll-new-btn').click();
  await chair.locator('#poll-question').fill('Bầu Tổ trưởng tổ công tác?');
  await chair.locator('input[name="poll-kind"][value="secret"]').check();
  await chair.locator('.poll-open-btn').click();
  await chair.locator('.poll-live .poll-progress', { hasText: '0 of 3' }).waitFor();
  assert.equal(await chair.locator('.poll-missing').count(), 0);
  for (const p of [an, binh]) await p.locator('.ballot-secret').waitFor();
  assert.match(await binh.locator('.ballot-secret').textContent(), /Secret ballot: nobody will see how you voted/);
  await shots(binh, 'member-secret');
  await binh.locator('.ballot-btn[data-option="2"]').click();
  await binh.locator('.ballot-recorded').waitFor();
  await chair.locator('.poll-live .poll-progress', { hasText: '1 of 3' }).waitFor();
  await chair.locator('.poll-close-btn').click();
  await chair.locator('.poll-result').waitFor();
  assert.equal(await chair.locator('.poll-names').count(), 0);
  await binh.locator('.ballot-screen.closed .poll-result').waitFor();

  for (const p of [chair, an, binh, screen]) assert.deepEqual(p.errors, []);
});
