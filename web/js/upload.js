// SPDX-License-Identifier: AGPL-3.0-or-later
// Uploading a document (chair or secretary). XMLHttpRequest rather than
// fetch because only it reports upload progress, which matters for a 40 MB
// report on a hotel's Wi-Fi.
import { h } from './dom.js';
import { tx } from './i18n.js';
import { reason } from './reasons.js';

// Whether the next uploads are confidential (the chair's checkbox, below):
// one choice for the button of every agenda item and for a dropped file.
let confidentialNext = false;

function send(meetingId, file, item, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('file', file);
    if (item) form.append('item', item);
    if (confidentialNext) form.append('confidential', '1');
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/meetings/${encodeURIComponent(meetingId)}/documents`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(Math.floor((e.loaded / e.total) * 100)); };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response);
      else {
        const said = xhr.response?.error?.message;
        reject(Object.assign(new Error(said || xhr.statusText), { status: xhr.status, said }));
      }
    };
    xhr.onerror = () => reject(Object.assign(new Error('network'), { status: 0 }));
    xhr.send(form);
  });
}

// Uploads one file into an agenda item (null: none), telling its progress
// and outcome in statusEl. The button and a file dropped from the desktop
// both come here. The list itself updates from the `doc.added` event, like
// on every other device. Resolves true when the file was added.
export async function uploadFile(meetingId, file, item, statusEl) {
  statusEl.hidden = false;
  statusEl.className = 'upload-status';
  tx(statusEl, 'chair.uploading', { name: file.name, pct: 0 });
  try {
    await send(meetingId, file, item, (pct) => tx(statusEl, 'chair.uploading', { name: file.name, pct }));
    tx(statusEl, 'chair.uploaded', { name: file.name });
    setTimeout(() => { statusEl.hidden = true; }, 4000);
    return true;
  } catch (err) {
    statusEl.className = 'upload-status form-error';
    if (err.status === 413) tx(statusEl, 'chair.uploadTooLarge');
    // The server's reason, in the reader's language where it is a known one.
    else if ((err.status === 415 || err.status === 503) && err.said) tx(statusEl, 'chair.uploadRefused', { name: file.name, reason: reason(err.said) });
    else if (err.status === 415) tx(statusEl, 'chair.uploadUnsupported');
    else if (err.status === 0) tx(statusEl, 'error.network');
    else tx(statusEl, 'chair.uploadFailed', { message: err.message });
    return false;
  }
}

// A button that picks a file and uploads it into an agenda item.
export function uploadButton(meetingId, item, statusEl) {
  // What MuPDF opens (docs/protocol.md); the server still has the last word.
  const input = h('input', { type: 'file', hidden: true, accept: ACCEPT });
  const btn = h('button.btn.small-btn.upload-btn', { type: 'button' },
    h('span', { 'aria-hidden': 'true' }, '+'), h('span', { i18n: 'chair.upload' }));
  btn.addEventListener('click', () => input.click());
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    btn.disabled = true;
    try {
      await uploadFile(meetingId, file, item, statusEl);
    } finally {
      btn.disabled = false;
    }
  });
  return h('span.upload', {}, btn, input);
}

// The "confidential" checkbox beside the upload buttons: a document uploaded
// while it is ticked shows every viewer their own name on each page, and
// its file cannot be downloaded (docs/protocol.md).
export function confidentialBox() {
  const input = h('input', { type: 'checkbox' });
  input.checked = confidentialNext;
  input.addEventListener('change', () => { confidentialNext = input.checked; });
  return h('label.confidential-box.small', {}, input, ' ',
    h('span.lock-icon', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'chair.confidential' }));
}

const ACCEPT = '.pdf,.xps,.oxps,.epub,.cbz,.fb2,image/*';
