// SPDX-License-Identifier: AGPL-3.0-or-later
// The meeting console in a real browser (docs/user-guide.md, "The meeting
// console"): a secretary signs in, creates a meeting with three agenda
// items, orders them by keyboard and by drag and drop, imports the roster
// from a Vietnamese CSV file (byte-order mark, semicolons, one bad row the
// preview refuses), uploads a Word document onto item 2 and waits for its
// pages, downloads the invitation cards, opens the meeting; then a member
// joins with the link on their card (its QR code read back from the PDF)
// and sees the agenda. Also: a wrong password and too many of them said in
// words, a session that ends under the page, a second secretary who does
// not see the first one's meeting, an administrator's staff accounts, and
// a clone. Every console screen is photographed in Vietnamese and English
// at laptop and tablet widths into $PLENUM_ARTIFACTS (console-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server, launch, shot, BIN, DATA, WEB } from './helpers.mjs';

const ADMIN = { name: 'Nguyễn Quản Trị', email: 'quantri@so-tttt.gov.vn', password: 'quan-tri-2026!', role: 'admin' };
const SEC = { name: 'Trần Thị Bình', email: 'binh@so-tttt.gov.vn', password: 'binh-mat-khau-2026', role: 'secretary' };
const OTHER = { name: 'Lê Minh Châu', email: 'chau@so-tttt.gov.vn', password: 'chau-mat-khau-2026', role: 'secretary' };

const DOCX = path.join(DATA, 'hop-giao-ban.docx');
const en = JSON.parse(fs.readFileSync(path.join(WEB, 'console/i18n/en.json'), 'utf8'));
const vi = JSON.parse(fs.readFileSync(path.join(WEB, 'console/i18n/vi.json'), 'utf8'));
// A key name on screen looks like "agenda.upload" or "why.row.email".
const PREFIXES = [...new Set(Object.keys(en).map((k) => k.split('.')[0]))];
const KEY_RE = new RegExp(`\\b(${PREFIXES.join('|')})\\.[a-z][A-Za-z]+\\b`);

// The widths the console is laid out for.
const SIZES = {
  laptop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
  tablet: { viewport: { width: 768, height: 1024 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};

// The roster as a spreadsheet saves it: UTF-8 with a byte-order mark,
// semicolons, a quoted field holding one, a column the console ignores
// (STT), and line 4 with an email that is not one.
const CSV = '\ufeffSTT;Họ và tên;Chức vụ;Đơn vị;Vai trò;Email\r\n'
  + '1;Lê Văn Cường;Phó Giám đốc;Sở Tài chính;đại biểu;cuong@stc.gov.vn\r\n'
  + '2;Phạm Thị Dung;Trưởng phòng Kế hoạch;"Sở Kế hoạch; Đầu tư";thành viên;dung@skhdt.gov.vn\r\n'
  + '3;Hoàng Minh Đức;Chuyên viên;UBND Quận 1;khách mời;duc@@quan1\r\n'
  + '4;Vũ Thị Hoa;Chánh Văn phòng;Sở Nội vụ;;hoa@snv.gov.vn\r\n';

const ITEMS = [
  ['Khai mạc', 'Nguyễn Văn An', '10'],
  ['Báo cáo tình hình tháng 11', 'Vũ Thị Hoa', '30'],
  ['Thảo luận và kết luận', '', '45'],
];

let srv; let browser; let tmp;
const state = {}; // what the steps pass on: the meeting's id, the pages

function addUser(u) {
  execFileSync(BIN, ['user', 'add', '--data', srv.data, '--name', u.name, '--email', u.email, '--role', u.role],
    { input: `${u.password}\n`, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60000 });
}

before(async () => {
  srv = await new Server().init();
  for (const u of [ADMIN, SEC, OTHER]) addUser(u);
  await srv.start();
  browser = await launch();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-console-'));
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function newPage(size, lang = 'vi') {
  const ctx = await browser.newContext({ ...SIZES[size], locale: lang === 'vi' ? 'vi-VN' : 'en-GB', acceptDownloads: true });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    // A refused request is logged by the browser itself; the page says it in words.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.errors.push(m.text());
  });
  page.size = size;
  return page;
}

const lang = (page) => page.evaluate(() => document.documentElement.lang);

async function setLang(page, l) {
  if (await lang(page) === l) return;
  // A click from the page's script: an open dialog makes the bar inert.
  await page.evaluate((want) => document.querySelector(`.lang-switch button[data-lang="${want}"]`).click(), l);
  await page.waitForFunction((want) => document.documentElement.lang === want, l);
}

// The screen in both languages: no key name on it in either, every
// translated string changed, and nothing wider than the window.
async function shots(page, name) {
  // Toasts go by themselves; a tap sends them sooner, as here.
  await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
  const first = await lang(page);
  const other = first === 'vi' ? 'en' : 'vi';
  const text1 = await page.locator('body').innerText();
  assert.doesNotMatch(text1, KEY_RE, `${name} (${first}): a key name is on screen`);
  await shot(page, `console-${page.size}-${name}-${first}`);
  await setLang(page, other);
  const text2 = await page.locator('body').innerText();
  assert.doesNotMatch(text2, KEY_RE, `${name} (${other}): a key name is on screen`);
  assert.notEqual(text2, text1, `${name}: the language switch changed nothing`);
  await shot(page, `console-${page.size}-${name}-${other}`);
  await setLang(page, first);
}

async function signIn(page, u, { expectFail = false } = {}) {
  if (!/\/console/.test(page.url())) await page.goto(`${srv.url}/console`);
  await page.locator('.c-signin-form').waitFor();
  await page.getByLabel(/^(Email)/).fill(u.email);
  await page.locator('input[name="password"]').fill(u.password);
  await page.locator('.c-signin-form button[type="submit"]').click();
  if (!expectFail) await page.locator('.c-bar').waitFor();
}

// A tab of the meeting, by the words on it.
const TAB_KEYS = { details: 'mtg.tabDetails', agenda: 'mtg.tabAgenda', roster: 'mtg.tabRoster', print: 'mtg.tabPrint' };
const tab = (page, name) => page.locator('.c-tabs').getByRole('link', { name: new RegExp(`^${vi[TAB_KEYS[name]]}`) });
const item = (page, i) => page.locator('.c-item').nth(i);
const titles = (page) => page.locator('.c-item .c-item-title').evaluateAll((els) => els.map((e) => e.value));

// The links in the QR codes of a PDF's first sheet (mutool and zbarimg).
function qrLinks(pdf) {
  const png = path.join(tmp, 'sheet.png');
  execFileSync('mutool', ['draw', '-q', '-r', '150', '-o', png, pdf, '1'], { stdio: 'pipe' });
  const out = execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' });
  return out.split('\n').map((s) => s.trim()).filter(Boolean);
}

function have(cmd) {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' }); return true; } catch { return false; }
}

test('the console speaks both languages: the same keys, none empty, every key it uses is there', () => {
  assert.deepEqual(Object.keys(vi).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(vi)) assert.ok(v.trim(), `vi ${k} is empty`);
  for (const [k, v] of Object.entries(en)) assert.ok(v.trim(), `en ${k} is empty`);
  const ph = (str) => (str.match(/\{\w+\}/g) || []).sort().join();
  for (const k of Object.keys(en)) assert.equal(ph(vi[k]), ph(en[k]), `placeholders of ${k}`);
  // The console's words as the agencies write them.
  assert.equal(vi['signin.submit'], 'Đăng nhập');
  assert.equal(vi['roster.heading'], 'Danh sách đại biểu');
  assert.equal(vi['agenda.title'], 'Chương trình họp');
  assert.equal(vi['print.cardsTitle'], 'Giấy mời');
  assert.equal(vi['form.rule'], 'Túc số');
  // Every literal key in the scripts: in the console's file or the app's.
  const app = JSON.parse(fs.readFileSync(path.join(WEB, 'i18n/en.json'), 'utf8'));
  const files = ['app.js', ...['js', 'views'].flatMap((d) => fs.readdirSync(path.join(WEB, 'console', d)).map((f) => `${d}/${f}`))];
  for (const f of files) {
    const src = fs.readFileSync(path.join(WEB, 'console', f), 'utf8');
    for (const [, key] of src.matchAll(/(?<!h\()'([a-z]+(?:\.[A-Za-z0-9_]+)+)'/g)) { // not h('tag.class')
      if (!PREFIXES.includes(key.split('.')[0]) && !(key.split('.')[0] in { role: 1, meeting: 1, error: 1, dialog: 1, doc: 1, lang: 1, footer: 1 })) continue;
      assert.ok(key in en || key in app, `${f}: the key ${key} is in no dictionary`);
    }
  }
});

test('sign-in: a wrong password and too many of them are said in words', async () => {
  const page = await newPage('laptop', 'vi');
  await page.goto(`${srv.url}/console`);
  await page.locator('.c-signin-form').waitFor();
  await shots(page, 'signin');

  await signIn(page, { email: SEC.email, password: 'không đúng mật khẩu' }, { expectFail: true });
  const error = page.locator('.c-signin-form .c-error');
  await error.waitFor();
  assert.equal((await error.innerText()).trim(), vi['why.wrongPassword']);
  assert.equal(await page.locator('input[name="password"]').inputValue(), '', 'the wrong password is cleared');
  await shots(page, 'signin-wrong');
  await setLang(page, 'en');
  assert.equal((await error.innerText()).trim(), en['why.wrongPassword']);
  await setLang(page, 'vi');

  // Five failures a minute per account, then the time to wait, counted down.
  const ghost = { email: 'khong-co@so-tttt.gov.vn', password: 'sai-mat-khau-1' };
  for (let i = 0; i < 5; i++) {
    await signIn(page, ghost, { expectFail: true });
    await page.waitForFunction(() => !document.querySelector('.c-signin-form button[type="submit"]').disabled);
  }
  await signIn(page, ghost, { expectFail: true });
  await page.locator('.c-signin-form .c-error', { hasText: /thử lại sau \d+ giây/ }).waitFor();
  const said = await error.innerText();
  const secs = Number(/sau (\d+) giây/.exec(said)[1]);
  assert.ok(secs > 0 && secs <= 60, said);
  await shots(page, 'signin-limited');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a secretary creates a meeting and its agenda, ordered by keyboard and by drag and drop', async () => {
  const page = await newPage('laptop', 'vi');
  state.page = page;
  await signIn(page, SEC);
  await page.locator('.c-status', { hasText: vi['list.none.upcoming'] }).waitFor();
  assert.equal(await page.locator('.c-who-name').innerText(), SEC.name);
  await shots(page, 'list-empty');

  await page.getByRole('link', { name: vi['list.new'] }).click();
  await page.locator('form.c-form').waitFor();
  await page.getByLabel(vi['form.title']).fill('Họp giao ban tháng 12');
  await page.getByLabel(vi['form.org']).fill('Sở Thông tin và Truyền thông');
  await page.getByLabel(vi['form.location']).fill('Phòng họp 301');
  await page.getByLabel(vi['form.starts']).fill('2026-12-01T08:30');
  await page.getByLabel(vi['form.ends']).fill('2026-12-01T10:30');
  await page.getByLabel(vi['form.rule']).selectOption('two_thirds');
  await page.getByLabel(vi['form.guests']).check();
  await page.getByLabel(vi['form.chair']).fill('Nguyễn Văn An');
  await page.getByLabel(vi['form.secretary']).fill(SEC.name);
  await page.getByLabel(vi['form.ssid']).fill('Phong hop 301');
  await page.getByLabel(vi['form.wifiPassword']).fill('hop301@2026');
  await page.evaluate(() => window.scrollTo(0, 0));
  await shots(page, 'new');
  await page.getByRole('button', { name: vi['form.create'] }).click();

  // The new meeting opens on its agenda, empty.
  await page.waitForURL(/\/console\/m\/[a-z0-9]+\/agenda$/);
  state.meeting = /\/m\/([a-z0-9]+)\//.exec(page.url())[1];
  await page.locator('.c-agenda .c-empty').waitFor();
  assert.equal(await page.locator('.c-meeting-name').innerText(), 'Họp giao ban tháng 12');
  assert.equal(await page.locator('.c-meeting-head .state-chip').innerText(), 'Chưa bắt đầu');

  for (const [title, presenter, minutes] of ITEMS) {
    await page.locator('.c-add-item').getByLabel(new RegExp(`^${vi['agenda.newTitle']}`)).fill(title);
    await page.locator('.c-add-item').getByLabel(vi['agenda.presenter']).fill(presenter);
    await page.locator('.c-add-item').getByLabel(vi['agenda.minutes']).fill(minutes);
    await page.getByRole('button', { name: vi['agenda.add'], exact: true }).click();
    await page.locator('.c-item .c-item-title').nth(ITEMS.findIndex((x) => x[0] === title)).waitFor();
  }
  assert.deepEqual(await titles(page), ITEMS.map((x) => x[0]));
  assert.equal(await page.locator('.c-add-item').getByLabel(new RegExp(`^${vi['agenda.newTitle']}`)).evaluate((e) => e === document.activeElement), true, 'the focus stays in the form for the next item');
  assert.match(await page.locator('.c-agenda-summary').innerText(), /3 nội dung · dự kiến 85 trên tổng 120 phút của cuộc họp/);

  // Rename in place: Enter saves.
  const t1 = item(page, 0).locator('.c-item-title');
  await t1.fill('Khai mạc và giới thiệu đại biểu');
  await t1.press('Enter');
  await item(page, 0).locator('.c-save', { hasText: vi['con.saved'] }).waitFor();

  // The keyboard: Alt+↑ on the third item's handle makes it second.
  await item(page, 2).locator('.c-handle').focus();
  await page.keyboard.press('Alt+ArrowUp');
  await page.waitForFunction(() => document.querySelectorAll('.c-item .c-item-title')[1]?.value === 'Thảo luận và kết luận');
  assert.deepEqual(await titles(page), ['Khai mạc và giới thiệu đại biểu', 'Thảo luận và kết luận', 'Báo cáo tình hình tháng 11']);
  assert.equal(await page.evaluate(() => document.activeElement.closest('.c-item')?.dataset.item === document.querySelectorAll('.c-item')[1].dataset.item), true,
    'the focus moved with the item');
  // Drag and drop: the report's handle onto the upper half of the second item.
  const target = await item(page, 1).boundingBox();
  await item(page, 2).locator('.c-handle').dragTo(item(page, 1), { targetPosition: { x: 40, y: Math.min(12, target.height / 4) } });
  await page.waitForFunction(() => document.querySelectorAll('.c-item .c-item-title')[1]?.value === 'Báo cáo tình hình tháng 11');
  assert.deepEqual(await titles(page), ['Khai mạc và giới thiệu đại biểu', 'Báo cáo tình hình tháng 11', 'Thảo luận và kết luận']);
  // On the handle the arrow keys alone move it, and the focus follows.
  await item(page, 1).locator('.c-handle').focus();
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.querySelectorAll('.c-item .c-item-title')[2]?.value === 'Báo cáo tình hình tháng 11');
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction(() => document.querySelectorAll('.c-item .c-item-title')[1]?.value === 'Báo cáo tình hình tháng 11');
  // And the move buttons.
  await item(page, 2).getByRole('button', { name: /lên trên/ }).click();
  await page.waitForFunction(() => document.querySelectorAll('.c-item .c-item-title')[1]?.value === 'Thảo luận và kết luận');
  await item(page, 1).getByRole('button', { name: /xuống dưới/ }).click();
  await page.waitForFunction(() => document.querySelectorAll('.c-item .c-item-title')[2]?.value === 'Thảo luận và kết luận');

  // An item removed after a question.
  await page.locator('.c-add-item').getByLabel(new RegExp(`^${vi['agenda.newTitle']}`)).fill('Mục thêm nhầm');
  await page.getByRole('button', { name: vi['agenda.add'], exact: true }).click();
  await page.locator('.c-item').nth(3).waitFor();
  await item(page, 3).getByRole('button', { name: 'Xóa “Mục thêm nhầm”' }).click();
  const dlg = page.locator('dialog.dialog');
  await dlg.waitFor();
  assert.match(await dlg.innerText(), /Xóa “Mục thêm nhầm” khỏi chương trình họp\?/);
  await dlg.locator('.dialog-action').click();
  await dlg.waitFor({ state: 'detached' });
  assert.equal(await page.locator('.c-item').count(), 3);

  // What the server has, in this order.
  const m = await page.evaluate(async (id) => (await (await fetch(`/api/console/meetings/${id}`)).json()).meeting, state.meeting);
  assert.deepEqual(m.agenda.map((a) => [a.title, a.presenter, a.planned_minutes]),
    [['Khai mạc và giới thiệu đại biểu', 'Nguyễn Văn An', 10], ['Báo cáo tình hình tháng 11', 'Vũ Thị Hoa', 30], ['Thảo luận và kết luận', '', 45]]);
  assert.equal(m.quorum_rule, 'two_thirds');
  assert.equal(m.guests, true);
  assert.deepEqual(m.wifi, { ssid: 'Phong hop 301', password: 'hop301@2026' });
  assert.equal(new Date(m.starts).getTime(), new Date('2026-12-01T08:30').getTime(), 'the start as typed, on this clock');
  assert.deepEqual(page.errors, []);
});

test('the roster comes from a CSV file, previewed row by row before anything is added', async () => {
  const page = state.page;
  await tab(page, 'roster').click();
  await page.waitForURL(/\/roster$/);
  await page.locator('.c-roster-table tbody tr').first().waitFor();
  // The chair and the secretary from the form, and the room display.
  assert.deepEqual(await page.locator('.c-roster-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.role)), ['chair', 'secretary', 'display']);

  // A file the server cannot read as a roster: said in words, nothing added.
  const bad = path.join(tmp, 'bang-tinh.csv');
  fs.writeFileSync(bad, 'STT;Số điện thoại\r\n1;0912345678\r\n');
  await page.locator('input.c-csv-file').setInputFiles(bad);
  const failed = page.locator('.c-preview.error-card');
  await failed.waitFor();
  assert.match(await failed.locator('.c-error').innerText(), /^Dòng đầu tiên phải là tên các cột, trong đó có cột “Họ và tên”/);
  await shots(page, 'csv-refused-file');
  await failed.getByRole('button', { name: vi['con.close'] }).click();

  const file = path.join(tmp, 'danh-sach-dai-bieu.csv');
  fs.writeFileSync(file, CSV);
  await page.locator('input.c-csv-file').setInputFiles(file);
  const preview = page.locator('.c-preview');
  await preview.locator('.c-preview-rows').waitFor();
  // Nothing is written yet.
  const before = await page.evaluate(async (id) => (await (await fetch(`/api/console/meetings/${id}`)).json()).meeting.participants.length, state.meeting);
  assert.equal(before, 3);
  assert.match(await preview.innerText(), /3 người sẽ được thêm\./);
  assert.deepEqual(await preview.locator('.c-preview-rows tbody tr').evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.innerText.trim()))), [
    ['2', 'Lê Văn Cường', 'Phó Giám đốc', 'Sở Tài chính', 'Đại biểu', 'cuong@stc.gov.vn'],
    ['3', 'Phạm Thị Dung', 'Trưởng phòng Kế hoạch', 'Sở Kế hoạch; Đầu tư', 'Đại biểu', 'dung@skhdt.gov.vn'],
    ['5', 'Vũ Thị Hoa', 'Chánh Văn phòng', 'Sở Nội vụ', 'Đại biểu', 'hoa@snv.gov.vn'],
  ]);
  const refused = await preview.locator('.c-refused-rows tbody tr').evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.innerText.trim())));
  assert.deepEqual(refused, [['4', 'Email “duc@@quan1” không đúng định dạng địa chỉ email.']]);
  assert.match(await preview.innerText(), /Các cột không dùng: STT\./);
  await preview.scrollIntoViewIfNeeded();
  await shots(page, 'csv-preview');
  await setLang(page, 'en');
  assert.deepEqual(await preview.locator('.c-refused-rows tbody tr td.c-reason').allInnerTexts(), ['The email “duc@@quan1” is not an email address.']);
  await setLang(page, 'vi');

  await preview.getByRole('button', { name: 'Thêm 3 người này' }).click();
  await preview.waitFor({ state: 'detached' });
  await page.locator('.toast', { hasText: 'Đã thêm 3 đại biểu.' }).waitFor();
  const names = await page.locator('.c-roster-table tbody .c-person-name').allInnerTexts();
  for (const n of ['Lê Văn Cường', 'Phạm Thị Dung', 'Vũ Thị Hoa']) assert.ok(names.includes(n), `${n} on the roster`);
  assert.ok(!names.includes('Hoàng Minh Đức'), 'the refused row is not added');
  assert.match(await page.locator('.c-roster-count').innerText(), /5 người được mời/);

  // One more by hand, then edited.
  await page.getByRole('button', { name: vi['roster.add'] }).click();
  let dlg = page.locator('dialog.dialog');
  await dlg.getByLabel(vi['roster.name']).fill('Đặng Văn Giang');
  await dlg.getByLabel(vi['roster.title']).fill('Phó Chánh Văn phòng');
  await dlg.getByLabel(vi['roster.role']).selectOption('guest');
  await dlg.locator('.dialog-action').click();
  await dlg.waitFor({ state: 'detached' });
  const giang = page.locator('.c-roster-table tbody tr', { hasText: 'Đặng Văn Giang' });
  assert.equal(await giang.locator('.c-role-chip').innerText(), 'Khách mời');
  await giang.getByRole('button', { name: 'Sửa thông tin Đặng Văn Giang' }).click();
  dlg = page.locator('dialog.dialog');
  await dlg.getByLabel(vi['roster.role']).selectOption('member');
  await dlg.getByLabel(vi['roster.email']).fill('giang@so-tttt.gov.vn');
  await dlg.locator('.dialog-action').click();
  await dlg.waitFor({ state: 'detached' });
  await giang.locator('.c-email', { hasText: 'giang@so-tttt.gov.vn' }).waitFor();
  await shots(page, 'roster');

  // A personal link re-issued: asked twice, then shown once with Copy.
  const cuong = page.locator('.c-roster-table tbody tr', { hasText: 'Lê Văn Cường' });
  await cuong.getByRole('button', { name: 'Liên kết cá nhân của Lê Văn Cường' }).click();
  dlg = page.locator('dialog.dialog');
  const old = await dlg.locator('.c-link-input').inputValue();
  assert.match(old, /\/j\/[A-Za-z0-9_-]{22}$/);
  await dlg.getByRole('button', { name: vi['roster.reissue'] }).click();
  await dlg.getByRole('button', { name: vi['roster.reissueYes'] }).click();
  await dlg.locator('.c-new-link').waitFor();
  const fresh = await dlg.locator('.c-link-input').inputValue();
  assert.notEqual(fresh, old);
  await dlg.getByRole('button', { name: vi['con.copy'] }).click();
  await dlg.getByRole('button', { name: vi['con.copied'] }).waitFor();
  await shots(page, 'link-reissued');
  await dlg.getByRole('button', { name: vi['con.close'] }).click();
  const gone = await page.evaluate(async (tok) => (await fetch(`/api/join/${tok}`)).status, old.split('/').pop());
  assert.equal(gone, 404, 'the old link no longer works');
  state.cuong = fresh;
  assert.deepEqual(page.errors, []);
});

test('a Word document is uploaded onto item 2 and converted, with its progress shown', async () => {
  const page = state.page;
  await tab(page, 'agenda').click();
  await page.waitForURL(/\/agenda$/);
  const report = item(page, 1);
  await report.locator('.c-doc-none').waitFor();
  // The server converts before it answers, in a second or two: the page's
  // XMLHttpRequest is held back from hearing the answer until the page has
  // been seen saying so (the bytes and the conversion are real).
  await page.evaluate(() => {
    const send = XMLHttpRequest.prototype.send;
    window.testHeld = new Promise((r) => { window.testRelease = r; });
    XMLHttpRequest.prototype.send = function (body) {
      const onload = this.onload;
      this.onload = (e) => window.testHeld.then(() => onload.call(this, e));
      XMLHttpRequest.prototype.send = send;
      return send.call(this, body);
    };
  });
  await report.locator('input.c-file').setInputFiles(DOCX);
  await report.locator('.c-upload-line', { hasText: 'Đang chuyển hop-giao-ban.docx sang PDF' }).waitFor();
  await shots(page, 'agenda-converting');
  await page.evaluate(() => window.testRelease());
  await report.locator('.c-upload-done', { hasText: 'Đã thêm hop-giao-ban.docx: 2 trang.' }).waitFor();
  const doc = report.locator('.c-doc');
  await doc.waitFor();
  assert.equal(await doc.locator('.c-doc-title').innerText(), 'hop-giao-ban');
  assert.equal(await doc.locator('.c-doc-pages').innerText(), '2 trang');
  // Renamed from its menu of buttons.
  await doc.getByRole('button', { name: 'Đổi tên “hop-giao-ban”' }).click();
  const dlg = page.locator('dialog.dialog');
  await dlg.getByLabel(vi['agenda.docTitle']).fill('Báo cáo giao ban tháng 11');
  await dlg.locator('.dialog-action').click();
  await dlg.waitFor({ state: 'detached' });
  await doc.locator('.c-doc-title', { hasText: 'Báo cáo giao ban tháng 11' }).waitFor();
  // Moved out of the agenda and back, with the dialog's list of items.
  const move = async (from, to) => {
    await from.getByRole('button', { name: 'Chuyển “Báo cáo giao ban tháng 11” sang nội dung khác' }).click();
    await page.locator('dialog.dialog').getByLabel(vi['agenda.docMoveTo']).selectOption({ label: to });
    await page.locator('dialog.dialog .dialog-action').click();
    await page.locator('dialog.dialog').waitFor({ state: 'detached' });
  };
  await move(doc, vi['agenda.docNoItem']);
  await page.locator('.c-unfiled .c-doc', { hasText: 'Báo cáo giao ban tháng 11' }).waitFor();
  await report.locator('.c-doc-none').waitFor();
  await move(page.locator('.c-unfiled .c-doc'), '2. Báo cáo tình hình tháng 11');
  await doc.waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shots(page, 'agenda');
  // A file the server refuses is said in words, in the reader's language.
  await report.locator('input.c-file').setInputFiles({ name: 'rac.docx', mimeType: 'application/octet-stream', buffer: Buffer.from('không phải tài liệu Word '.repeat(40)) });
  const failed = report.locator('.c-upload-failed');
  await failed.waitFor();
  assert.match(await failed.innerText(), /Chưa thêm được rac\.docx: Plenum không mở được tệp này: Tệp có đuôi \.docx/);
  await failed.getByRole('button', { name: vi['con.dismiss'] }).click();
  assert.deepEqual(page.errors, []);
});

test('the invitation cards are downloaded, the meeting opened, and a member joins with a card', async () => {
  const page = state.page;
  await tab(page, 'print').click();
  await page.waitForURL(/\/print$/);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: vi['print.cards'] }).click()]);
  const pdf = path.join(tmp, dl.suggestedFilename());
  await dl.saveAs(pdf);
  assert.match(dl.suggestedFilename(), /^invitations-[a-z0-9]+\.pdf$/);
  assert.equal(fs.readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');
  await page.locator('.c-pdf-done', { hasText: dl.suggestedFilename() }).waitFor();
  const [poster] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: vi['print.poster'] }).click()]);
  assert.equal(fs.readFileSync(await poster.path()).subarray(0, 5).toString(), '%PDF-');
  await shots(page, 'print');

  // Open the meeting: asked, then live.
  await page.getByRole('button', { name: vi['mtg.open'] }).click();
  const dlg = page.locator('dialog.dialog');
  await shots(page, 'open-dialog');
  await dlg.locator('.dialog-action').click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator('.c-meeting-head .state-chip[data-state="live"]').waitFor();
  assert.equal(await page.locator('.c-meeting-head .state-chip').innerText(), 'Đang họp');
  await page.getByRole('button', { name: vi['mtg.close'] }).waitFor();

  // Cường's card: its QR code is his (re-issued) link.
  let link = state.cuong;
  if (have('mutool') && have('zbarimg')) {
    const links = qrLinks(pdf);
    assert.ok(links.length >= 5, `QR codes on the first sheet: ${links.length}`);
    assert.ok(links.includes(state.cuong), `Cường's link is on a card: ${links.join(' ')}`);
    link = links.find((l) => l === state.cuong);
  } else {
    console.log('# mutool or zbarimg missing: the link is taken from the console, not read from the card');
  }

  // A member on a phone opens it and sees the agenda in its order.
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN' });
  const phone = await ctx.newPage();
  const errors = [];
  phone.on('pageerror', (e) => errors.push(e.message));
  await phone.goto(link.replace(/^https?:\/\/[^/]+/, srv.url));
  await phone.waitForURL(/\/m\/[a-z0-9]+$/);
  await phone.locator('.idle .agenda li').first().waitFor();
  assert.deepEqual(await phone.locator('.idle .agenda li').allInnerTexts(),
    ['Khai mạc và giới thiệu đại biểu', 'Báo cáo tình hình tháng 11', 'Thảo luận và kết luận']);
  assert.match(await phone.locator('body').innerText(), /Họp giao ban tháng 12/);
  await shot(phone, 'console-participant-joined-vi');
  // The console renames item 3 while the meeting runs: the phone follows
  // without being reloaded.
  const renamed = await page.evaluate(async (id) => {
    const m = (await (await fetch(`/api/console/meetings/${id}`)).json()).meeting;
    const item = m.agenda[2].id;
    const r = await fetch(`/api/console/meetings/${id}/agenda/${item}`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Thảo luận, kết luận và bế mạc' }) });
    return r.status;
  }, state.meeting);
  assert.equal(renamed, 200);
  await phone.locator('.idle .agenda li', { hasText: 'Thảo luận, kết luận và bế mạc' }).waitFor();
  assert.deepEqual(errors, []);
  await ctx.close();

  // The roster in the console says he is present.
  await tab(page, 'roster').click();
  await page.locator('.c-roster-table tbody tr', { hasText: 'Lê Văn Cường' }).locator('.c-badge-ok').waitFor();
  await tab(page, 'details').click();
  await page.locator('form.c-form').waitFor();
  await shots(page, 'details-live');
  assert.deepEqual(page.errors, []);
});

test('a session that ends under the page comes back to the sign-in page, then to the same place', async () => {
  const page = state.page;
  // Signed out from another tab of the same browser.
  const other = await page.context().newPage();
  await other.goto(`${srv.url}/console`);
  await other.locator('.c-bar').waitFor();
  await other.getByRole('button', { name: vi['con.signOut'] }).click();
  await other.locator('.c-signin-form').waitFor();
  assert.match(await other.locator('.c-signin-notice').innerText(), /Bạn đã đăng xuất\./);
  await other.close();

  await tab(page, 'roster').click();
  await page.locator('.c-signin-notice', { hasText: vi['signin.expired'] }).waitFor();
  await shots(page, 'signin-expired');
  await signIn(page, SEC);
  await page.locator('.c-roster-table').waitFor();
  assert.equal(page.url(), `${srv.url}/console/m/${state.meeting}/roster`);
  assert.deepEqual(page.errors, []);
});

test('the meeting closed, then found among the past ones and cloned; the list searched', async () => {
  const page = state.page;
  await page.getByRole('link', { name: vi['con.navMeetings'], exact: true }).first().click();
  await page.locator('.c-status', { hasText: vi['list.none.upcoming'] }).waitFor();
  await page.getByRole('link', { name: vi['list.live'] }).click();
  await page.locator('.c-meeting').first().waitFor();
  assert.equal(await page.locator('.c-meeting .c-meeting-title').innerText(), 'Họp giao ban tháng 12');

  // Closed after a question; then read-only.
  await page.locator('.c-meeting .c-meeting-title').click();
  await page.getByRole('button', { name: vi['mtg.close'] }).click();
  const ask = page.locator('dialog.dialog');
  assert.match(await ask.innerText(), /Kết thúc cuộc họp\?/);
  await ask.locator('.dialog-action').click();
  await ask.waitFor({ state: 'detached' });
  await page.locator('.c-meeting-head .state-chip[data-state="closed"]').waitFor();
  await tab(page, 'agenda').click();
  await page.locator('.c-agenda-tab .notice', { hasText: vi['agenda.closed'] }).waitFor();
  assert.equal(await page.locator('.c-add-item').count(), 0, 'no item can be added to a closed meeting');
  assert.equal(await page.locator('.c-item .c-item-title').first().isDisabled(), true);
  await shots(page, 'agenda-closed');

  // Among the past meetings; cloned for January: agenda and roster, not the documents.
  await page.getByRole('link', { name: vi['con.navMeetings'], exact: true }).first().click();
  await page.getByRole('link', { name: vi['list.past'] }).click();
  await page.locator('.c-meeting[data-state="closed"]').waitFor();
  await page.locator('.c-meeting').getByRole('button', { name: /Nhân bản/ }).click();
  const dlg = page.locator('dialog.dialog');
  await dlg.getByLabel(vi['form.title']).fill('Họp giao ban tháng 1');
  await dlg.getByLabel(vi['form.starts']).fill('2027-01-05T08:30');
  await shots(page, 'clone');
  await dlg.locator('.dialog-action').click();
  await page.waitForURL(/\/console\/m\/[a-z0-9]+$/);
  await page.locator('.c-meeting-name', { hasText: 'Họp giao ban tháng 1' }).waitFor();
  state.clone = /\/m\/([a-z0-9]+)$/.exec(page.url())[1];
  assert.equal(await page.locator('.c-meeting-head .state-chip').innerText(), 'Chưa bắt đầu');
  assert.equal(await page.locator('.c-tab[data-tab="agenda"] .c-tab-count').innerText(), '3');
  assert.equal(await page.locator('.c-tab[data-tab="roster"] .c-tab-count').innerText(), '6');
  await shots(page, 'details');

  // The list: search by words without their accents, and by dates.
  await page.getByRole('link', { name: vi['con.navMeetings'], exact: true }).first().click();
  await page.getByRole('link', { name: vi['list.all'] }).click();
  await page.locator('.c-meeting').nth(1).waitFor();
  await page.getByLabel(vi['list.q']).fill('giao ban thang 1');
  await page.getByRole('button', { name: vi['list.search'], exact: true }).click();
  await page.waitForURL(/q=giao/);
  await page.waitForFunction(() => document.querySelectorAll('.c-meeting').length === 2);
  await page.getByLabel(vi['list.from']).fill('2027-01-01');
  await page.getByLabel(vi['list.to']).fill('2027-01-31');
  await page.getByRole('button', { name: vi['list.search'], exact: true }).click();
  await page.waitForURL(/from=2027-01-01/);
  await page.waitForFunction(() => document.querySelectorAll('.c-meeting').length === 1);
  assert.equal(await page.locator('.c-meeting .c-meeting-title').innerText(), 'Họp giao ban tháng 1');
  await shots(page, 'list-search');
  await page.getByRole('button', { name: vi['list.clear'] }).click();
  await page.waitForFunction(() => document.querySelectorAll('.c-meeting').length === 2);
  await shots(page, 'list');
  assert.deepEqual(page.errors, []);
});

test('a second secretary neither lists nor opens the first one\'s meeting', async () => {
  const page = await newPage('laptop', 'vi');
  await signIn(page, OTHER);
  await page.getByRole('link', { name: vi['list.all'] }).click();
  await page.locator('.c-status', { hasText: vi['list.none.all'] }).waitFor();
  assert.equal(await page.locator('.c-meeting').count(), 0);
  await page.goto(`${srv.url}/console/m/${state.meeting}/roster`);
  const error = page.locator('.error-card .c-error');
  await error.waitFor();
  assert.equal((await error.innerText()).trim(), vi['why.notYours']);
  await shots(page, 'not-yours');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('an administrator sees every meeting and manages the staff accounts', async () => {
  const page = await newPage('laptop', 'en');
  await signIn(page, ADMIN);
  await page.getByRole('link', { name: en['list.all'] }).click();
  await page.locator('.c-meeting').nth(1).waitFor();
  await page.getByRole('link', { name: en['con.navStaff'] }).click();
  await page.locator('.c-staff-table tbody tr').nth(2).waitFor();
  await page.getByRole('button', { name: en['staff.add'] }).click();
  const dlg = page.locator('dialog.dialog');
  await dlg.getByLabel(en['staff.name']).fill('Đỗ Văn Em');
  await dlg.getByLabel(en['staff.email']).fill('em@so-tttt.gov.vn');
  await dlg.getByLabel(en['staff.password']).fill('short');
  await dlg.locator('.dialog-action').click();
  assert.equal((await dlg.locator('.c-error').innerText()).trim(), en['why.newPassword']);
  await dlg.getByLabel(en['staff.password']).fill('em-mat-khau-2026');
  await dlg.locator('.dialog-action').click();
  await dlg.waitFor({ state: 'detached' });
  const em = page.locator('.c-staff-table tbody tr', { hasText: 'Đỗ Văn Em' });
  await em.getByRole('button', { name: 'Disable the account of Đỗ Văn Em' }).click();
  await page.locator('dialog.dialog .dialog-action').click();
  await em.locator('.c-badge', { hasText: 'disabled' }).waitFor();
  await shots(page, 'staff');
  // One's own account, from the name in the bar.
  await page.locator('.c-who').click();
  const mine = page.locator('dialog.dialog');
  await mine.getByLabel(en['account.current']).fill('not my password at all');
  await mine.getByLabel(en['staff.newPassword'], { exact: true }).fill('quan-tri-moi-2027');
  await mine.getByLabel(en['account.again']).fill('quan-tri-moi-2027');
  await mine.locator('.dialog-action').click();
  await mine.locator('.c-error', { hasText: en['why.currentWrong'] }).waitFor();
  assert.equal(await page.locator('.c-bar').count(), 1, 'a wrong current password does not sign out');
  await shots(page, 'account');
  await mine.getByRole('button', { name: 'Cancel' }).click();

  // The January meeting given to the second secretary, who then has it.
  await page.goto(`${srv.url}/console/m/${state.clone}`);
  await page.getByLabel(en['details.giveEmail']).fill(OTHER.email);
  await page.getByRole('button', { name: en['details.give'] }).click();
  await page.locator('.c-staff', { hasText: OTHER.name }).waitFor();
  await page.locator('.c-staff', { hasText: SEC.name }).locator('.c-badge', { hasText: en['details.creator'] }).waitFor();
  const chau = await newPage('laptop', 'vi');
  await signIn(chau, OTHER);
  await chau.getByRole('link', { name: vi['list.all'] }).click();
  await chau.locator('.c-meeting .c-meeting-title', { hasText: 'Họp giao ban tháng 1' }).waitFor();
  assert.equal(await chau.locator('.c-meeting').count(), 1);
  await chau.context().close();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('every console screen at tablet width, in both languages', async () => {
  const page = await newPage('tablet', 'vi');
  await signIn(page, SEC);
  await page.getByRole('link', { name: vi['list.all'] }).click();
  await page.locator('.c-meeting').nth(1).waitFor();
  await shots(page, 'list');
  // The January meeting, cloned from December's, is being prepared.
  await page.goto(`${srv.url}/console/m/${state.clone}`);
  await page.locator('form.c-form').waitFor();
  await shots(page, 'details');
  await tab(page, 'agenda').click();
  await item(page, 1).locator('input.c-file').setInputFiles(path.join(DATA, 'hop-giao-ban.pdf'));
  await item(page, 1).locator('.c-doc').waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shots(page, 'agenda');
  await tab(page, 'roster').click();
  await page.locator('.c-roster-table tbody tr').nth(5).waitFor();
  await shots(page, 'roster');
  const file = path.join(tmp, 'them.csv');
  fs.writeFileSync(file, '\ufeffHọ và tên;Chức vụ;Vai trò;Email\r\nNgô Thị Lan;Chuyên viên;thư ký;lan@so-tttt.gov.vn\r\nLê Văn Cường;Phó Giám đốc;;cuong@stc.gov.vn\r\n');
  await page.locator('input.c-csv-file').setInputFiles(file);
  await page.locator('.c-preview-rows').waitFor();
  await shots(page, 'csv-preview');
  await page.getByRole('button', { name: vi['csv.cancel'] }).click();
  await tab(page, 'print').click();
  await page.getByRole('button', { name: vi['print.cards'] }).waitFor();
  await shots(page, 'print');
  await page.goto(`${srv.url}/console/new`);
  await page.locator('form.c-form').waitFor();
  await shots(page, 'new');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
