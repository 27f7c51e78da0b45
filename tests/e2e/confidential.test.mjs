// SPDX-License-Identifier: AGPL-3.0-or-later
// A confidential document in the browser: the chair sees the lock and the
// "confidential" checkbox by the upload buttons; a member following the
// chair sees the page with their own name burned in, and the note that says
// so. Screenshots of the participant view (Vietnamese and English) go to
// $PLENUM_ARTIFACTS, to check by eye that the mark reads and the page too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, launch, newPage, shot, waitForPage, tokenOf, cli, PDF_VI } from './helpers.mjs';

const MEMBERS = [['Nguyễn Thị Hương Giang', 'Phó Giám đốc'], ['Trần Văn Bình', 'Chánh Văn phòng']];

let srv; let m; let browser; let secret;

before(async () => {
  srv = await new Server().init();
  m = srv.meeting({ members: MEMBERS });
  // No agenda item: `doc add` names the last document of the meeting's
  // list, which is this one only when it comes after every agenda item's.
  secret = cli(['doc', 'add', '--data', srv.data, '--meeting', m.meeting,
    '--title', 'Dự thảo kế hoạch (mật)', '--confidential', PDF_VI, '--json']).doc;
  await srv.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

const url = (link) => `${srv.url}/j/${tokenOf(link)}`;

test('a confidential page carries the viewer\'s name, with a note and a lock', async () => {
  const chair = await newPage(browser, 'laptop', 'en');
  await chair.goto(url(m.chair_url));
  await chair.waitForSelector('.chair-app');
  await chair.locator('.confidential-box input[type="checkbox"]').waitFor();
  assert.equal(await chair.locator('.lock-badge').count(), 1, 'one document has the lock');
  await chair.locator(`.thumb[data-doc="${secret}"][data-page="1"]`).click();

  for (const [size, lang] of [['phone', 'vi'], ['tablet', 'en']]) {
    const member = await newPage(browser, size, lang);
    await member.goto(url(m.people[MEMBERS[0][0]].url));
    await member.waitForSelector('.participant-app');
    await waitForPage(member, 1);
    const note = member.locator('.confidential-note');
    await note.waitFor({ state: 'visible' });
    assert.match(await note.innerText(), lang === 'vi' ? /tên của bạn/ : /your name is on every page/);
    // The image is this member's: private, not stored by the browser.
    const src = await member.locator('#stage img.page-img').getAttribute('src');
    const r = await member.request.get(new URL(src, srv.url).toString());
    assert.equal(r.status(), 200);
    assert.match(r.headers()['cache-control'], /no-store/);
    await shot(member, `confidential-participant-${size}-${lang}`);
    // The original is refused, for them as for the chair.
    const file = await member.request.get(`${srv.url}/api/docs/${secret}/file`);
    assert.equal(file.status(), 403);
    assert.deepEqual(member.errors, []);
    await member.context().close();
  }
  await shot(chair, 'confidential-chair-en');
  assert.deepEqual(chair.errors, []);
});
