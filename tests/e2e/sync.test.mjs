// SPDX-License-Identifier: AGPL-3.0-or-later
// The client's resync logic (web/js/ws.js), driven message by message in a
// real browser: events are applied in seq order, a gap asks for what was
// missed with hello {since}, replays and duplicates are ignored, and events
// that arrive while hello is pending wait for its reply.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, launch } from './helpers.mjs';

let srv; let browser; let page;

before(async () => {
  srv = await new Server().init();
  await srv.start();
  browser = await launch();
  page = await (await browser.newContext()).newPage();
  await page.goto(`${srv.url}/`); // any page of the server: the module's origin
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('events apply in order; a gap resyncs with hello {since}', async () => {
  const log = await page.evaluate(async () => {
    const { MeetingClient } = await import('/js/ws.js');
    const out = { sent: [], changes: [] };
    const c = new MeetingClient('m0', { onChange: (ch) => out.changes.push(ch.kind + ':' + (ch.msg.type || '')), onStatus: () => {} });
    c.send = (o) => { out.sent.push(o); return true; };
    const rx = (o) => c.receive(JSON.stringify(o));
    const doc = { id: 'd1', title: 'A', pages: 9, item: null };

    c.sendHello();
    const h1 = out.sent.at(-1);
    rx({ seq: 6, type: 'presented', doc: 'd1', page: 2 }); // before hello's reply: waits
    rx({ re: h1.id, ok: true, seq: 5, you: { role: 'member', meeting: 'm0' },
      state: { meeting: { id: 'm0' }, agenda: [], documents: [doc], presented: null, participants: [] } });
    out.afterHello = { seq: c.seq, presented: c.state.presented };

    rx({ seq: 7, type: 'presented', doc: 'd1', page: 3 });
    rx({ seq: 7, type: 'presented', doc: 'd1', page: 3 }); // duplicate
    rx({ seq: 9, type: 'presented', doc: 'd1', page: 5 }); // 8 is missing
    const h2 = out.sent.at(-1);
    out.resync = { type: h2.type, since: h2.since, seq: c.seq, page: c.state.presented.page };
    rx({ re: h2.id, ok: true, seq: 9, events: [
      { seq: 8, type: 'presented', doc: 'd1', page: 4 },
      { seq: 9, type: 'presented', doc: 'd1', page: 5 }] });
    out.end = { seq: c.seq, page: c.state.presented.page };
    rx({ type: 'presence', participant: 'x', online: true }); // a notice: no seq
    rx({ seq: 10, type: 'presented', doc: null, page: 0 });
    out.stopped = c.state.presented;
    c.stop();
    return out;
  });
  assert.deepEqual(log.afterHello, { seq: 6, presented: { doc: 'd1', page: 2, by: undefined } });
  assert.deepEqual(log.resync, { type: 'hello', since: 7, seq: 7, page: 3 });
  assert.deepEqual(log.end, { seq: 9, page: 5 });
  assert.equal(log.stopped, null);
  assert.deepEqual(log.changes.filter((x) => x.startsWith('event')).length, 5);
});

test('a since the server refuses starts over without it', async () => {
  const sent = await page.evaluate(async () => {
    const { MeetingClient } = await import('/js/ws.js');
    const sent = [];
    const c = new MeetingClient('m0', { onChange: () => {}, onStatus: () => {} });
    c.send = (o) => { sent.push(o); return true; };
    c.state = { meeting: {}, agenda: [], documents: [], presented: null, participants: [] };
    c.seq = 40;
    c.sendHello();
    c.receive(JSON.stringify({ re: sent[0].id, ok: false, error: { code: 'bad_request', message: 'since' } }));
    c.stop();
    return sent;
  });
  assert.equal(sent[0].since, 40);
  assert.equal(sent[1].type, 'hello');
  assert.equal('since' in sent[1], false);
});
