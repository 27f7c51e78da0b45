// SPDX-License-Identifier: AGPL-3.0-or-later
// The console's requests: JSON over HTTP with the server's error shape
// {"error": {code, message, retry_after?}}, a CSV file as a request body,
// an upload that reports its progress, and a PDF fetched whole before it
// is handed to the browser as a download (so the page can say "preparing…"
// while the server lays it out).
//
// A 401 on any request but the sign-in itself (and a wrong current password
// when changing it) means the staff session has
// ended (expired, signed out elsewhere, the account disabled): the event
// `console:expired` goes to the document, and app.js shows the sign-in
// page with the reason, then comes back to the same place.
//
// Browsers add the Origin header the server asks of every POST by itself.

export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message || code);
    this.status = status; // 0 when the server could not be reached
    this.code = code;
    this.retryAfter = extra.retry_after ?? null;
  }
}

// A wrong password is a 401 too, but ends nothing.
function expired(path, status, message) {
  if (status === 401 && path !== '/api/staff/signin' && message !== 'the current password is wrong') {
    document.dispatchEvent(new CustomEvent('console:expired'));
  }
}

async function answer(res, path) {
  let data = null;
  try { data = await res.json(); } catch { /* empty, or not JSON */ }
  if (!res.ok) {
    const e = data?.error || {};
    expired(path, res.status, e.message);
    throw new ApiError(res.status, e.code || `http_${res.status}`, e.message || res.statusText, e);
  }
  return data;
}

async function send(path, init) {
  try {
    return await fetch(path, { credentials: 'same-origin', ...init });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
}

export async function api(method, path, body) {
  const res = await send(path, {
    method,
    headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return answer(res, path);
}

// A file (a Blob) as the request's body, as the roster's CSV routes take it.
export async function postFile(path, file, type = 'text/csv') {
  const res = await send(path, { method: 'POST', headers: { 'Content-Type': type }, body: file });
  return answer(res, path);
}

// A document into a meeting (and an agenda item), by XMLHttpRequest: only it
// reports the upload's progress. onProgress(fraction 0..1) while the bytes
// go; onSent() once they are all sent and the server is reading (and, for
// a Word file, converting) it. Resolves to the server's reply.
export function uploadDocument(meeting, file, { item, onProgress, onSent } = {}) {
  const path = `/api/meetings/${encodeURIComponent(meeting)}/documents`;
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('file', file);
    if (item) form.append('item', item);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && e.total) onProgress?.(e.loaded / e.total); };
    xhr.upload.onload = () => onSent?.();
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) { resolve(xhr.response); return; }
      const e = xhr.response?.error || {};
      expired(path, xhr.status, e.message);
      reject(new ApiError(xhr.status, e.code || `http_${xhr.status}`, e.message || xhr.statusText, e));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network'));
    xhr.send(form);
  });
}

// A PDF made by the server: fetched whole (onProgress(received bytes) as it
// arrives), then saved under the server's file name.
export async function downloadPdf(path, onProgress) {
  const res = await send(path, { method: 'GET' });
  if (!res.ok) return answer(res, path);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '')?.[1] || 'plenum.pdf';
  const parts = [];
  let got = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    got += value.length;
    onProgress?.(got);
  }
  const blob = new Blob(parts, { type: 'application/pdf' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return { name, bytes: got };
}
