// SPDX-License-Identifier: AGPL-3.0-or-later
// A meeting from opening to closing, as the chair and the secretary run it:
// the chair opens it and the quorum line follows the members as they join;
// the secretary marks one member absent (with the reason, in an in-page
// dialog) and checks in another who has no device; the chair holds a vote
// that three members cast on their phones while the secretary follows its
// progress; the secretary writes the minutes of item 1 in Vietnamese, and a
// second secretary device that edited the same item offline gets both texts
// side by side and merges them; the secretary downloads the minutes (PDF and
// Markdown) and the audit log; closing is refused while a vote is open, with
// the server's reason, then done, and the closed banner appears while the
// minutes stay writable. Screenshots of every new screen in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, launch, newPage, shot, tokenOf, cli, cuttable, download, PDF_VI } from './helpers.mjs';

const CHAIR = 'Võ Thanh Hải';
const SECRETARY = 'Đặng Ngọc Lan';
const MEMBERS = [
  ['Nguyễn Văn An', 'Phó Giám đốc'],       // joins on a phone, votes for
  ['Trần Thị Bình', 'Chánh Văn phòng'],    // joins on a phone, votes for
  ['Lê Hoàng Cường', 'Trưởng phòng Kế hoạch'], // joins on a phone, votes against
  ['Phạm Quốc Dũng', 'Trưởng phòng Tài chính'], // marked absent by the secretary
  ['Hoàng Thu Hà', 'Chuyên viên'],          // no device: checked in by the secretary
];
const QUESTION = 'Thông qua kế hoạch công tác tháng 12?';
const MINUTES_1 = 'Đồng chí Chủ tọa khai mạc cuộc họp, nêu mục đích, yêu cầu; các đại biểu thống nhất thông qua chương trình làm việc.';
const TABLET_1 = 'Thư ký bổ sung: đại biểu Phạm Quốc Dũng vắng mặt có lý do.';
const ITEM_2 = 'Văn phòng báo cáo tình hình thực hiện nhiệm vụ tháng 11; các đại biểu góp ý, bổ sung.';
const GENERAL = 'Cuộc họp kết thúc lúc 11 giờ cùng ngày. Biên bản được thông qua tại cuộc họp.';

let srv; let m; let browser;

before(async () => {
  srv = await new Server().init();
  m = cli(['meeting', 'create', '--data', srv.data, '--title', 'Họp giao ban tháng 11',
    '--org', 'Sở Thông tin và Truyền thông', '--location', 'Phòng họp 301', '--starts', '2026-11-28T01:30:00Z',
    '--agenda', 'Khai mạc', '--agenda', 'Báo cáo tình hình tháng 11', '--agenda', 'Thảo luận và kết luận',
    '--chair', CHAIR, '--secretary', SECRETARY, '--public-url', srv.url, '--json']);
  m.people = {};
  for (const [name, title] of MEMBERS) {
    m.people[name] = cli(['participant', 'add', '--data', srv.data, '--meeting', m.meeting,
      '--name', name, '--title', title, '--public-url', srv.url, '--json']);
  }
  cli(['doc', 'add', '--data', srv.data, '--meeting', m.meeting, '--item', '1',
    '--title', 'Chương trình họp và dự thảo kế hoạch', PDF_VI, '--json']);
  await srv.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

const url = (link) => `${srv.url}/j/${tokenOf(link)}`;
const setLang = (page, l) => page.evaluate((x) => import('/js/i18n.js').then((i) => i.setLang(x)), l);
const pid = (name) => m.people[name].participant;
const row = (page, name) => page.locator(`.att-person[data-participant="${pid(name)}"]`);
const item1 = (page) => page.locator('.minutes-item').first();

// A screenshot in both languages: the page is re-translated in place.
async function shots(page, name) {
  const was = await page.evaluate(() => document.documentElement.lang);
  await setLang(page, 'en');
  await shot(page, `minutes-${name}-en`);
  await setLang(page, 'vi');
  await shot(page, `minutes-${name}-vi`);
  await setLang(page, was);
}

async function member(name, lang) {
  const p = await newPage(browser, 'phone', lang);
  await p.goto(url(m.people[name].url));
  await p.waitForSelector('.participant-app');
  return p;
}

test('a meeting from opening to closing: quorum, attendance, a vote, the minutes', async () => {
  // ---- the chair opens the meeting ----
  const chair = await newPage(browser, 'laptop', 'en');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app .meeting-strip');
  const chip = chair.locator('.state-chip');
  assert.equal((await chip.textContent()).trim(), 'Draft');
  // The chair is checked in by joining: 1 of the chair and 5 members.
  await chair.locator('.quorum-line[data-reached="false"]', { hasText: 'Present 1 of 6 — no quorum (4 needed)' }).waitFor();
  assert.equal(await chair.locator('.meeting-close-btn').isHidden(), true);
  await shots(chair, 'chair-draft');
  await chair.locator('.meeting-open-btn').click();
  await chair.locator('.state-chip[data-state="live"]', { hasText: 'Live' }).waitFor();
  assert.equal(await chair.locator('.meeting-open-btn').isHidden(), true);

  const screen = await newPage(browser, 'laptop', 'vi');
  await screen.goto(url(m.display_url));
  await screen.waitForSelector('.screen-app');

  // ---- the quorum line follows the members as they join ----
  const an = await member('Nguyễn Văn An', 'vi');
  const binh = await member('Trần Thị Bình', 'en');
  await chair.locator('.quorum-line', { hasText: 'Present 3 of 6 — no quorum (4 needed)' }).waitFor();
  await row(chair, 'Nguyễn Văn An').locator('.att-state[data-state="present"]', { hasText: /Present since \d\d:\d\d/ }).waitFor();
  const cuong = await member('Lê Hoàng Cường', 'vi');
  await chair.locator('.quorum-line[data-reached="true"]', { hasText: 'Present 4 of 6 — quorum' }).waitFor();
  await chair.locator('.toast', { hasText: 'Quorum reached: 4 of 6 present' }).waitFor();
  await shots(chair, 'chair-quorum');
  assert.equal(await row(chair, 'Phạm Quốc Dũng').locator('.att-state').getAttribute('data-state'), 'away');

  // ---- the secretary: one absent with a reason, one checked in ----
  const sec = await newPage(browser, 'laptop', 'vi');
  await sec.goto(url(m.secretary_url));
  await sec.waitForSelector('.secretary-app .minutes');
  await sec.locator('.quorum-line', { hasText: 'Có mặt 4/6 — đủ túc số' }).waitFor();
  await row(sec, 'Phạm Quốc Dũng').locator('.att-absent').click();
  const dialog = sec.locator('dialog.absent-dialog');
  await dialog.waitFor();
  assert.match(await dialog.locator('.dialog-title').textContent(), /Ghi vắng mặt: Phạm Quốc Dũng/);
  await dialog.locator('.att-chip', { hasText: 'Đi công tác' }).click();
  assert.equal(await dialog.locator('input.att-reason').inputValue(), 'Đi công tác');
  await shots(sec, 'secretary-absent-dialog');
  await dialog.locator('.dialog-action').click();
  await dialog.waitFor({ state: 'detached' });
  await row(sec, 'Phạm Quốc Dũng').locator('.att-state[data-state="absent"]', { hasText: 'Vắng mặt: Đi công tác' }).waitFor();
  await row(chair, 'Phạm Quốc Dũng').locator('.att-state', { hasText: 'Absent: Đi công tác' }).waitFor();

  await row(sec, 'Hoàng Thu Hà').locator('.att-checkin').click();
  await row(sec, 'Hoàng Thu Hà').locator('.att-state[data-state="present"]', { hasText: /Có mặt từ \d\d:\d\d/ }).waitFor();
  await sec.locator('.quorum-line', { hasText: 'Có mặt 5/6 — đủ túc số' }).waitFor();
  await chair.locator('.quorum-line', { hasText: 'Present 5 of 6 — quorum' }).waitFor();
  await row(chair, 'Hoàng Thu Hà').locator('.att-state[data-state="present"]').waitFor();

  // A second device of the secretary, whose Wi-Fi the test controls.
  const tablet = await newPage(browser, 'tablet', 'vi');
  const wifi = await cuttable(tablet);
  await tablet.goto(url(m.secretary_url));
  await tablet.waitForSelector('.secretary-app .minutes');
  await item1(tablet).locator('.minutes-status[data-phase="empty"]', { hasText: 'Chưa có nội dung' }).waitFor();

  // ---- a vote: three members on their phones, the secretary follows ----
  await chair.locator('.vote-btn').click();
  await chair.locator('#poll-question').fill(QUESTION);
  await chair.locator('.poll-open-btn').click();
  // Eligible: the chair and the four members present.
  await chair.locator('.poll-live .poll-progress', { hasText: '0 of 5' }).waitFor();
  await sec.locator('.poll-watch .poll-progress', { hasText: 'Đã có 0/5 đại biểu biểu quyết' }).waitFor();
  for (const [p, option] of [[an, 0], [binh, 0], [cuong, 1]]) {
    await p.locator('.ballot-screen .ballot-question', { hasText: QUESTION }).waitFor();
    await p.locator(`.ballot-btn[data-option="${option}"]`).click();
    await p.locator('.ballot-recorded').waitFor();
  }
  await sec.locator('.poll-watch .poll-progress', { hasText: '3/5' }).waitFor();
  // For the pictures: the attendance list from its top, no button under the mouse.
  await sec.mouse.move(0, 0);
  await sec.locator('.chair-people').evaluate((el) => { el.scrollTop = 0; });
  await screen.locator('.screen-vote-progress', { hasText: '3/5' }).waitFor();
  await shots(sec, 'secretary-vote');
  await chair.locator('.poll-close-btn').click();
  // 2 for, 1 against of the votes cast: passed, everywhere.
  for (const p of [an, binh, cuong, screen]) await p.locator('.poll-result[data-outcome="passed"]').waitFor();
  await sec.locator('.poll-watch .poll-result[data-outcome="passed"]').waitFor();
  assert.match(await sec.locator('.poll-watch .poll-row[data-option="0"]').textContent(), /2 · 67%/);
  assert.match(await sec.locator('.poll-watch .poll-row[data-option="1"] .poll-names').textContent(), /Lê Hoàng Cường/);
  await shots(sec, 'secretary-result');
  await chair.locator('.poll-panel .poll-panel-head button').click();

  // ---- the minutes of item 1, and an edit made offline on the tablet ----
  await wifi.cut();
  await tablet.locator('.banner-offline').waitFor();
  await item1(tablet).locator('textarea').fill(TABLET_1);
  await item1(tablet).locator('textarea').blur();
  await item1(tablet).locator('.minutes-status[data-phase="offline"]', { hasText: 'Chưa lưu — mất kết nối' }).waitFor();

  await item1(sec).locator('textarea').fill(MINUTES_1);
  const saved = item1(sec).locator('.minutes-status[data-phase="saved"]');
  await saved.waitFor();
  assert.match((await saved.textContent()).trim(), /^Đã lưu \d\d:\d\d$/);
  await shots(sec, 'secretary-saved');

  // Back online, the tablet's text goes out from the old version: the server
  // keeps it and the tablet shows both texts, side by side.
  await wifi.restore();
  await item1(tablet).locator('.minutes-conflict').waitFor();
  await item1(tablet).locator('.minutes-status[data-phase="conflict"]').waitFor();
  assert.equal((await item1(tablet).locator('.conflict-col.theirs .conflict-text').textContent()).trim(), MINUTES_1);
  assert.match(await item1(tablet).locator('.conflict-col.theirs h4').textContent(), new RegExp(`Bản do ${SECRETARY} lưu lúc \\d\\d:\\d\\d`));
  assert.equal(await item1(tablet).locator('.conflict-mine').inputValue(), TABLET_1);
  await shots(tablet, 'tablet-conflict');
  // Merge by hand: both texts in one field, then saved from the current version.
  await item1(tablet).locator('[data-action="merge"]').click();
  const merged = await item1(tablet).locator('.conflict-mine').inputValue();
  assert.ok(merged.includes(MINUTES_1) && merged.includes(TABLET_1), merged);
  await item1(tablet).locator('[data-action="keep"]').click();
  await item1(tablet).locator('.minutes-status[data-phase="saved"]').waitFor();
  assert.equal(await item1(tablet).locator('.minutes-conflict').isHidden(), true);
  // The other device had nothing unsaved: it takes the merged text.
  await sec.waitForFunction((want) => document.querySelector('.minutes-item textarea').value === want, merged);

  // Offline again: item 2's text waits on the tablet, saved when the Wi-Fi returns.
  await wifi.cut();
  await tablet.locator('.banner-offline').waitFor();
  const item2 = tablet.locator('.minutes-item').nth(1);
  await item2.locator('textarea').fill(ITEM_2);
  await item2.locator('textarea').blur();
  await item2.locator('.minutes-status[data-phase="offline"]').waitFor();
  await wifi.restore();
  await item2.locator('.minutes-status[data-phase="saved"]', { hasText: /^Đã lưu \d\d:\d\d$/ }).waitFor();
  await sec.waitForFunction((want) => document.querySelectorAll('.minutes-item textarea')[1].value === want, ITEM_2);

  // ---- the filed documents ----
  const pdf = await download(sec, sec.locator('.export-link[data-format="pdf"]'));
  assert.match(pdf.name, /^minutes-.*\.pdf$/);
  assert.equal(pdf.bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(pdf.bytes.length > 5000, `the PDF has ${pdf.bytes.length} bytes`);
  const md = await download(sec, sec.locator('.export-link[data-format="md"]'));
  assert.match(md.name, /^minutes-.*\.md$/);
  const text = md.bytes.toString('utf8');
  assert.ok(text.includes(QUESTION), 'the Markdown has the vote');
  assert.ok(text.includes(MINUTES_1) && text.includes(TABLET_1), 'the Markdown has the minutes of item 1');
  assert.ok(text.includes(ITEM_2), 'the Markdown has the minutes of item 2');
  assert.match(text, /BIÊN BẢN CUỘC HỌP/);
  assert.match(text, /Phạm Quốc Dũng[^\n]*Đi công tác/);
  // The same, in English, from the language choice.
  await sec.locator('input[name="minutes-lang"][value="en"]').check();
  const mdEn = await download(sec, sec.locator('.export-link[data-format="md"]'));
  assert.match(mdEn.bytes.toString('utf8'), /MINUTES OF THE MEETING/);
  const csv = await download(sec, sec.locator('.export-link[data-format="events-csv"]'));
  assert.match(csv.name, /\.csv$/);
  assert.match(csv.bytes.toString('utf8'), /^\uFEFFseq,at,type,actor,actor_name,details/);

  // ---- closing: refused while a vote is open, in the server's words ----
  await chair.locator('.vote-btn').click();
  await chair.locator('.poll-new-btn').click();
  await chair.locator('#poll-question').fill('Giao Văn phòng hoàn thiện kế hoạch trước ngày 05/12?');
  await chair.locator('.poll-open-btn').click();
  await chair.locator('.poll-live').waitFor();
  await chair.locator('.poll-panel .poll-panel-head button').click();
  await chair.locator('.meeting-close-btn').click();
  const confirm = chair.locator('dialog.close-dialog');
  await confirm.waitFor();
  await shots(chair, 'chair-close-confirm');
  await confirm.locator('.dialog-action').click();
  await confirm.locator('.dialog-error', { hasText: 'The meeting was not closed: a vote is open: close it before closing the meeting' }).waitFor();
  await shots(chair, 'chair-close-refused');
  await confirm.locator('.dialog-cancel').click();
  await confirm.waitFor({ state: 'detached' });
  await chair.locator('.vote-btn').click();
  await chair.locator('.poll-close-btn').click();
  await chair.locator('.poll-closed').waitFor();
  await chair.locator('.poll-panel .poll-panel-head button').click();

  await chair.locator('.meeting-close-btn').click();
  await confirm.waitFor();
  await confirm.locator('.dialog-action').click();
  await confirm.waitFor({ state: 'detached' });
  await chair.locator('.closed-banner', { hasText: /This meeting closed at \d\d:\d\d/ }).waitFor();
  await chair.locator('.state-chip[data-state="closed"]', { hasText: 'Closed' }).waitFor();
  await sec.locator('.closed-banner', { hasText: 'Bạn vẫn có thể hoàn thiện và xuất biên bản' }).waitFor();
  // What the closed meeting refuses is gone: presenting, uploads, attendance.
  assert.equal(await chair.locator('button.thumb').count(), 0);
  assert.equal(await chair.locator('.upload-btn').count(), 0);
  assert.equal(await chair.locator('.att-actions').count(), 0);
  assert.equal(await sec.locator('.att-actions').count(), 0);
  assert.equal(await chair.locator('.meeting-close-btn').isHidden(), true);
  await shots(chair, 'chair-closed');

  // The minutes stay writable: the general text, after the meeting.
  const general = sec.locator('.minutes-item[data-item=""]');
  await general.locator('textarea').fill(GENERAL);
  await general.locator('textarea').blur();
  await general.locator('.minutes-status[data-phase="saved"]').waitFor();
  await shots(sec, 'secretary-closed');

  // The secretary on a phone: strip, vote, minutes and attendance, one column.
  const phone = await newPage(browser, 'phone', 'vi');
  await phone.goto(url(m.secretary_url));
  await phone.waitForSelector('.secretary-app .minutes');
  await phone.waitForFunction((want) => document.querySelector('.minutes-item[data-item=""] textarea')?.value === want, GENERAL);
  await shots(phone, 'secretary-phone');

  for (const p of [chair, sec, tablet, an, binh, cuong, screen, phone]) assert.deepEqual(p.errors, []);
});
