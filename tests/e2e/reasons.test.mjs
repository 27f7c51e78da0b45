// SPDX-License-Identifier: AGPL-3.0-or-later
// The server's reasons in the reader's language: a page the renderer cannot
// draw (its content nested too deeply) is listed under its document in the
// chair's view in Vietnamese, and so is the refusal of a file that is not a
// document; English keeps the server's sentence. Search hits follow a
// document that is renamed or removed. Screenshots in Vietnamese and English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, launch, newPage, shot, tokenOf } from './helpers.mjs';

let srv; let m; let browser;

before(async () => {
  srv = await new Server().init();
  m = srv.meeting({ members: [['Nguyễn Văn An', 'Phó Giám đốc']] });
  await srv.start();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

const url = (link) => `${srv.url}/j/${tokenOf(link)}`;

// A one-page PDF whose content stream opens 100,000 arrays: MuPDF refuses
// the page ("nested too deeply"), not the file.
function nestedPdf() {
  const content = `${'['.repeat(100000)}${']'.repeat(100000)} pop 0 0 1 rg 10 10 100 100 re f`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const STRINGS = {
  vi: { page: /Không hiển thị được trang 1: Nội dung trang có lỗi: cấu trúc lồng nhau quá sâu\./, refused: /Chưa thêm được “rac\.pdf”: Plenum không mở được tệp này: Tệp PDF bị hỏng hoặc không đầy đủ: / },
  en: { page: /Page 1 could not be rendered: The page cannot be rendered: it is nested too deeply\./, refused: /“rac\.pdf” was not added: Plenum cannot open this file: This PDF is damaged or incomplete: / },
};

test('search hits follow a renamed and a removed document', async () => {
  const page = await newPage(browser, 'laptop', 'vi');
  await page.goto(url(m.chair_url));
  await page.waitForSelector('.chair-app');
  await page.fill('.chair-search .search-input', 'bien ban');
  const hits = page.locator('.chair-search .search-hit');
  await hits.first().waitFor({ timeout: 30000 });
  const doc = await hits.first().getAttribute('data-doc');

  // What another device of the chair's would send.
  const send = (type, payload) => page.evaluate(async ([t, p]) => {
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws`, 'plenum.v1');
    await new Promise((r, e) => { ws.onopen = r; ws.onerror = e; });
    const replies = [];
    ws.onmessage = (ev) => replies.push(JSON.parse(ev.data));
    ws.send(JSON.stringify({ id: 1, type: 'hello' }));
    ws.send(JSON.stringify({ id: 2, type: t, ...p }));
    for (let i = 0; i < 100 && !replies.some((x) => x.re === 2); i++) await new Promise((r) => setTimeout(r, 50));
    ws.close();
    return replies.find((x) => x.re === 2);
  }, [type, payload]);

  assert.equal((await send('doc.rename', { doc, title: 'Biên bản đã đổi tên' })).ok, true);
  await page.locator('.chair-search .search-hit-title', { hasText: 'Biên bản đã đổi tên' }).first().waitFor({ timeout: 10000 });
  await shot(page, 'search-renamed-vi');
  assert.equal((await send('doc.remove', { doc })).ok, true);
  await page.waitForFunction((d) => !document.querySelector(`.chair-search .search-hit[data-doc="${d}"]`), doc, { timeout: 10000 });
  assert.match(await page.locator('.chair-search .search-status').innerText(), /Không tìm thấy|bien ban/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

for (const lang of ['vi', 'en']) {
  test(`the renderer's reasons in the chair's view (${lang})`, async () => {
    const page = await newPage(browser, 'laptop', lang);
    await page.goto(url(m.chair_url));
    await page.waitForSelector('.chair-app');
    const item = page.locator('.chair-item').first();

    await item.locator('.upload input[type=file]').setInputFiles({ name: `long-nhau-${lang}.pdf`, mimeType: 'application/pdf', buffer: nestedPdf() });
    const line = page.locator(`.doc-entry:has(.doc-title:text-is("long-nhau-${lang}")) .doc-errors li`);
    await line.waitFor({ state: 'attached', timeout: 30000 });
    // Open the document to see its pages and the line about page 1.
    if (!(await line.isVisible())) await page.locator(`.doc-entry:has(.doc-title:text-is("long-nhau-${lang}")) summary .doc-title`).click();
    assert.match(await line.innerText(), STRINGS[lang].page);

    await item.locator('.upload input[type=file]').setInputFiles({ name: 'rac.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\nrác, không phải tài liệu\n'.repeat(20)) });
    const status = page.locator('.upload-status.form-error');
    await status.waitFor({ timeout: 30000 });
    assert.match(await status.innerText(), STRINGS[lang].refused);
    // The list is drawn again on each event: the line may be replaced meanwhile.
    for (let i = 0; i < 5; i++) {
      try { await line.scrollIntoViewIfNeeded({ timeout: 2000 }); break; } catch { await page.waitForTimeout(200); }
    }
    await shot(page, `reasons-chair-${lang}`);

    // The other language, by the switch: the lines follow.
    const other = lang === 'vi' ? 'en' : 'vi';
    await page.click(`.lang-switch button[data-lang="${other}"]`);
    await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('.doc-errors li')?.textContent || ''), STRINGS[other].page.source);
    assert.match(await status.innerText(), STRINGS[other].refused);
    // The refused upload and the page that cannot be drawn answer 415 and 503.
    assert.deepEqual(page.errors.filter((e) => !/status of (415|503)/.test(e)), []);
    await page.context().close();
  });
}

