// SPDX-License-Identifier: AGPL-3.0-or-later
// JSON over HTTP, with the server's error shape {"error": {code, message}}.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status; // 0 when the server could not be reached
    this.code = code;
  }
}

export async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  let data = null;
  try { data = await res.json(); } catch { /* empty or not JSON */ }
  if (!res.ok) {
    throw new ApiError(res.status, data?.error?.code || `http_${res.status}`, data?.error?.message || res.statusText);
  }
  return data;
}
