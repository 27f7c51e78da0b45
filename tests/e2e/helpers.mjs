// SPDX-License-Identifier: AGPL-3.0-or-later
// Shared by the end-to-end tests: a real server on a temporary data dir,
// meetings prepared with the command line, and a headless Chromium.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.PLENUM_BIN || path.resolve(here, '../../build/plenum');
export const DATA = process.env.PLENUM_TEST_DATA || path.resolve(here, '../data');
export const ARTIFACTS = process.env.PLENUM_ARTIFACTS || path.resolve(here, 'artifacts');
export const WEB = path.resolve(here, '../../web');

// Two real documents: a Vietnamese 2-page report and a 4-page LaTeX file.
export const PDF_VI = firstExisting([path.join(DATA, 'hop-giao-ban.pdf'), path.resolve(here, '../../../shared/corpus/vi/hop-giao-ban.pdf')]);
export const PDF_4 = firstExisting([path.join(DATA, 'pdflatex-4-pages.pdf'), path.resolve(here, '../../../shared/corpus/pdf/pdflatex-4-pages.pdf')]);

function firstExisting(list) {
  return list.find((f) => fs.existsSync(f)) || list[0];
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// `plenum …` with --json: the one JSON object it prints.
export function cli(args) {
  const out = execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
  const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`plenum ${args.join(' ')}: no JSON in output:\n${out}`);
  return JSON.parse(line);
}

// The token at the end of `<public-url>/j/<token>`.
export function tokenOf(url) {
  return new URL(url).pathname.split('/').filter(Boolean).pop();
}

export class Server {
  constructor() {
    this.data = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-e2e-'));
    this.proc = null;
    this.log = '';
  }

  async init() {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  // A meeting with an agenda, a roster, and two documents.
  meeting({ title = 'Họp giao ban tháng 11', guests = true, members = [] } = {}) {
    const m = cli(['meeting', 'create', '--data', this.data, '--title', title,
      '--org', 'Sở Thông tin và Truyền thông', '--location', 'Phòng họp 301',
      '--starts', '2026-11-28T01:30:00Z',
      '--agenda', 'Khai mạc', '--agenda', 'Báo cáo tình hình tháng 11', '--agenda', 'Thảo luận và kết luận',
      ...(guests ? ['--guests'] : []), '--public-url', this.url, '--json']);
    m.people = {};
    for (const [name, title2] of members) {
      m.people[name] = cli(['participant', 'add', '--data', this.data, '--meeting', m.meeting,
        '--name', name, '--title', title2, '--public-url', this.url, '--json']);
    }
    m.docs = [
      cli(['doc', 'add', '--data', this.data, '--meeting', m.meeting, '--item', '1',
        '--title', 'Chương trình họp và dự thảo kế hoạch', PDF_VI, '--json']),
      cli(['doc', 'add', '--data', this.data, '--meeting', m.meeting, '--item', '2',
        '--title', 'Báo cáo tình hình thực hiện nhiệm vụ', PDF_4, '--json']),
    ];
    return m;
  }

  async start() {
    this.proc = spawn(BIN, ['serve', '--data', this.data, '--listen', `127.0.0.1:${this.port}`,
      '--public-url', this.url, '--web-root', WEB], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b) => { this.log = (this.log + b.toString()).slice(-20000); };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`server exited (${this.proc.exitCode}):\n${this.log}`);
      try {
        const r = await fetch(`${this.url}/healthz`);
        if (r.ok) return this;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server did not answer /healthz:\n${this.log}`);
  }

  // Stops the server but keeps its data, to start it again on the same port.
  async halt() {
    if (this.proc && this.proc.exitCode === null) {
      const done = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    }
    this.proc = null;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      const done = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    }
    fs.rmSync(this.data, { recursive: true, force: true });
  }
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

export const SIZES = {
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
  tablet: { viewport: { width: 820, height: 1180 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  laptop: { viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 },
};

export const LOCALES = { en: 'en-US', vi: 'vi-VN' };

// A browser context of one size and language; page errors fail loudly.
export async function newPage(browser, size, lang) {
  const ctx = await browser.newContext({ ...SIZES[size], locale: LOCALES[lang] });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  return page;
}

export async function shot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Every view we photograph must also fit its width: no sideways scrolling.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`${name}: ${overflow}px of horizontal scroll`);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

// The page image on screen: its page number once it has loaded.
export async function shownPage(page) {
  return page.evaluate(() => {
    const img = document.querySelector('#stage img.page-img');
    if (!img || !img.complete || img.naturalWidth === 0) return null;
    const m = /\/pages\/(\d+)\.png/.exec(img.getAttribute('src'));
    return m ? Number(m[1]) : null;
  });
}

export async function waitForPage(page, n, timeout = 20000) {
  await page.waitForFunction((want) => {
    const img = document.querySelector('#stage img.page-img');
    return !!img && img.complete && img.naturalWidth > 0 && img.getAttribute('src').includes(`/pages/${want}.png`);
  }, n, { timeout });
}

// A horizontal swipe across the element, as a finger would do it.
export async function swipe(page, selector, dx) {
  const box = await page.locator(selector).boundingBox();
  const y = box.y + box.height / 2;
  const x0 = box.x + box.width / 2 - dx / 2;
  const cdp = await page.context().newCDPSession(page);
  const point = (x) => [{ x, y, id: 1 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: point(x0) });
  for (let i = 1; i <= 5; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: point(x0 + (dx * i) / 5) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

// A page whose WebSocket the test can cut and restore, as a tablet losing
// the room's Wi-Fi and finding it again: every connection to /ws goes
// through Playwright's route, cut() closes both ends and refuses new ones
// until restore(), which also tells the page it is online again (as the
// browser's `online` event does), so it reconnects at once. Call it before
// the page's goto().
export async function cuttable(page) {
  let down = false;
  const live = new Set();
  await page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
    if (down) { ws.close({ code: 1001, reason: 'cut' }); return; }
    const pair = { ws, server: ws.connectToServer() };
    live.add(pair);
    ws.onClose(() => live.delete(pair));
  });
  return {
    async cut() {
      down = true;
      for (const p of [...live]) {
        live.delete(p);
        await p.ws.close({ code: 1001, reason: 'cut' });
        await p.server.close({ code: 1001, reason: 'cut' });
      }
    },
    async restore() {
      down = false;
      await page.evaluate(() => window.dispatchEvent(new Event('online')));
    },
  };
}

// A download started by clicking `locator`: its suggested name and bytes.
export async function download(page, locator) {
  const [dl] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(file) };
}
