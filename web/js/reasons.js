// SPDX-License-Identifier: AGPL-3.0-or-later
// The server's reasons in the reader's language. The renderer and the
// upload route explain a failure in an English sentence (docs/protocol.md:
// doc.error's `error`, `errors` in hello, the message of a 415 or 503);
// the server's text stays as it is on the wire, and the known sentences are
// matched here to a translation key with their numbers and details as
// arguments. A reason this table does not know is shown as the server
// wrote it.
//
// reason(text) gives what i18n's t() takes as an argument: the text itself,
// or {key, args} that t() translates when it fills the sentence in, so a
// language switch re-translates it too.

// [pattern, key, names of the captured groups]. A group named `reason` or
// `detail` is itself looked up again ("…: This PDF is damaged…").
const PATTERNS = [
  // render.c, render_worker.c
  [/^Rendering timed out after (\d+) s\.?$/, 'reason.timeout', ['s']],
  [/^Rendering timed out after (\d+) ms\.?$/, 'reason.timeoutMs', ['ms']],
  [/^This document needs a password\.?$/, 'reason.password', []],
  [/^This PDF is damaged or incomplete: (.+?)\.?$/, 'reason.damaged', ['detail']],
  [/^This PDF is damaged or incomplete\.?$/, 'reason.damagedBare', []],
  [/^This file is not a PDF or another kind of document the renderer can read: (.+?)\.?$/, 'reason.notDocument', ['detail']],
  [/^This file is not a PDF or another kind of document the renderer can read\.?$/, 'reason.notDocumentBare', []],
  [/needs more memory than the renderer may use/, 'reason.memory', []],
  [/^The renderer ran out of memory\.?$/, 'reason.memory', []],
  [/^The renderer (crashed|answered nonsense) on this document\.?$/, 'reason.crashed', ['-']],
  [/^The page cannot be rendered: (.+?)\.?$/, 'reason.pageBroken', ['detail']],
  [/^The document has no pages\.?$/, 'reason.noPages', []],
  [/^The document is empty \(0 bytes\)\.?$/, 'reason.empty', []],
  [/^Rendering was stopped\.?$/, 'reason.stopped', []],
  // MuPDF details the worker passes on
  [/^it is nested too deeply$/, 'reason.tooDeep', []],
  [/^no pages were found in it$/, 'reason.noPagesFound', []],
  // http.c, office.c: upload refusals (415) and a busy server (503)
  [/^this file is not a document Plenum can open: (.+)$/, 'reason.notOpenable', ['reason']],
  [/^this file could not be converted to PDF: (.+)$/, 'reason.notConverted', ['reason']],
  [/^this page could not be rendered: (.+)$/, 'reason.pageNotRendered', ['reason']],
  [/^the file is empty$/, 'reason.empty', []],
  [/^the file is named \.(\w+) but is not /, 'reason.wrongKind', ['ext']],
  [/^conversion timed out after (\d+) s$/, 'reason.convertTimeout', ['s']],
  [/^LibreOffice could not read this file/, 'reason.officeUnreadable', []],
  [/^LibreOffice crashed on this file/, 'reason.officeCrashed', []],
  [/^Word, Excel and PowerPoint files need LibreOffice on the server: (.+)$/, 'reason.needsOffice', ['cmd']],
  [/^the (renderer|converter) is busy; try again$/, 'reason.busy', ['-']],
  [/^the server cannot (store|take) uploads right now$/, 'reason.uploadsDown', ['-']],
  [/^the upload could not be stored$/, 'reason.uploadsDown', []],
  // ws.c: the meeting's lifecycle
  [/^this meeting is closed$/, 'reason.meetingClosed', []],
  [/^this meeting is open already$/, 'reason.meetingOpen', []],
  [/^a vote is open: close it before closing the meeting$/, 'reason.voteOpen', []],
  [/^someone has the floor: end the turn before closing the meeting$/, 'reason.floorTaken', []],
];

const NESTED = new Set(['reason', 'detail']);

// The server's sentence as a t() argument: {key, args}, or the text itself.
export function reason(text) {
  const s = String(text ?? '').trim();
  for (const [re, key, names] of PATTERNS) {
    const m = re.exec(s);
    if (!m) continue;
    const args = {};
    names.forEach((n, i) => {
      if (n === '-') return;
      args[n] = NESTED.has(n) ? reason(m[i + 1]) : m[i + 1];
    });
    return { key, args };
  }
  return s;
}
