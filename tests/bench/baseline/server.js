// SPDX-License-Identifier: AGPL-3.0-or-later
//
// server.js — the fan-out benchmark's baseline: a plain, idiomatic Node.js
// broadcast server (the `ws` package, one process, one event loop) speaking
// the few plenum.v1 messages that tests/bench/fanout/loadtool.c uses:
//
//   GET /healthz                         → {"ok": true}   (readiness probe)
//   upgrade /ws?session=S, plenum.v1     → 403 without a session; a session
//                                          starting with "chair" is the chair
//   {"id", "type": "hello"}              → {"re", "ok", "seq", "you", "state"}
//   {"id", "type": "present", doc, page} → {"re", "ok", "seq"} to the chair,
//                                          then the event
//                                          {"seq", "type": "presented", "at",
//                                           "doc", "page", "by"} to everyone
//   {"id", "type": "ping"}               → {"re", "ok": true}
//
// It is what a competent Node developer would write for this job, and no
// less: the event is serialised once and the same buffer is sent to every
// client, permessage-deflate is off (as Plenum's is), messages are capped at
// 64 KiB like Plenum's. It keeps its state in memory and writes nothing to
// disk, where Plenum commits each page change to SQLite before sending it:
// the comparison favours the baseline on that count.
//
// usage: node server.js [--host 127.0.0.1] [--port 0]
// Prints "listening 127.0.0.1:PORT" on stdout once it accepts connections.

'use strict';

const http = require('node:http');
const { WebSocketServer, WebSocket } = require('ws');

const PROTOCOL = 'plenum.v1';
const MAX_MESSAGE = 64 * 1024;
const KEPT_EVENTS = 500;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const host = arg('--host', '127.0.0.1');
const port = Number(arg('--port', '0'));

// The one meeting this server holds.
const meeting = {
  id: 'bench0meeting',
  title: 'Fan-out benchmark',
  org: '',
  location: '',
  starts: new Date().toISOString(),
  state: 'live',
  join_url: `http://${host}/j/bench`,
};
let seq = 0;
let presented = null;
const events = []; // the last KEPT_EVENTS events, for hello with since

function reply(ws, id, fields) {
  ws.send(JSON.stringify({ re: id, ok: true, ...fields }));
}

function refuse(ws, id, code, message) {
  ws.send(JSON.stringify({ re: id, ok: false, error: { code, message } }));
}

function broadcast(event) {
  events.push(event);
  if (events.length > KEPT_EVENTS) events.shift();
  // Serialise once; every client gets the same bytes.
  const data = Buffer.from(JSON.stringify(event));
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) client.send(data, { binary: false });
  }
}

function onHello(ws, msg) {
  const you = {
    participant: ws.plenum.participant,
    name: ws.plenum.role === 'chair' ? 'Chair' : 'Member',
    role: ws.plenum.role,
    meeting: meeting.id,
  };
  if (Number.isInteger(msg.since)) {
    if (msg.since > seq) return refuse(ws, msg.id, 'bad_request', 'since is in the future');
    const after = events.filter((e) => e.seq > msg.since);
    if (seq - msg.since <= after.length) return reply(ws, msg.id, { seq, you, events: after });
  }
  reply(ws, msg.id, {
    seq,
    you,
    state: {
      meeting,
      agenda: [],
      documents: [],
      presented,
      participants: [],
    },
  });
}

function onPresent(ws, msg) {
  if (ws.plenum.role !== 'chair') return refuse(ws, msg.id, 'forbidden', 'only the chair presents');
  if (typeof msg.doc !== 'string' || !Number.isInteger(msg.page) || msg.page < 1) {
    return refuse(ws, msg.id, 'bad_request', 'present needs a doc and a page');
  }
  seq += 1;
  presented = { doc: msg.doc, page: msg.page, by: ws.plenum.participant };
  reply(ws, msg.id, { seq });
  broadcast({
    seq,
    type: 'presented',
    at: new Date().toISOString(),
    doc: msg.doc,
    page: msg.page,
    by: ws.plenum.participant,
  });
}

function onMessage(ws, data, isBinary) {
  let msg;
  try {
    msg = JSON.parse(isBinary ? '' : data.toString('utf8'));
  } catch {
    return refuse(ws, null, 'bad_request', 'a message is one JSON object');
  }
  if (!msg || typeof msg !== 'object' || !Number.isInteger(msg.id)) {
    return refuse(ws, null, 'bad_request', 'a request needs an integer id');
  }
  switch (msg.type) {
    case 'hello': return onHello(ws, msg);
    case 'present': return onPresent(ws, msg);
    case 'ping': return reply(ws, msg.id, {});
    default: return refuse(ws, msg.id, 'bad_request', `unknown type ${msg.type}`);
  }
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, connections: wss.clients.size }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'not_found', message: 'no such route' } }));
});

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: MAX_MESSAGE,
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
});

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://localhost');
  const session = url.searchParams.get('session');
  if (url.pathname !== '/ws' || !session) {
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const chair = session.startsWith('chair');
    ws.plenum = { role: chair ? 'chair' : 'member', participant: chair ? 'chair' : 'member' };
    ws.on('message', (data, isBinary) => onMessage(ws, data, isBinary));
    ws.on('error', () => ws.terminate());
  });
});

server.listen(port, host, () => {
  const a = server.address();
  process.stdout.write(`listening ${a.address}:${a.port}\n`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const client of wss.clients) client.terminate();
    server.close(() => process.exit(0));
  });
}
