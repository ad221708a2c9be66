// The API, as the pages call it: JSON in and out, the bearer token from the token hook, and every failure turned into
// an ApiProblem read from the answer's application/problem+json (title, code, field, …) — never shown as raw JSON.
import { config, getToken } from './config.js';

export class ApiProblem extends Error {
  constructor(status, problem) {
    super(problem.title || `The request failed (${status}).`);
    this.status = status;
    this.problem = problem;
    this.code = problem.code;
    this.field = problem.field;
  }
}

/** Calls the API. `path` starts with '/', e.g. '/invoices/inv_…'. Resolves the parsed body (null for none). */
export async function api(method, path, { body, idempotencyKey, signal } = {}) {
  const headers = { Accept: 'application/json' };
  const token = await getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(config.apiBase + path, {
      method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiProblem(0, { title: 'The payments service could not be reached. Check your connection and try again.', code: 'unreachable' });
  }
  const type = response.headers.get('Content-Type') || '';
  const text = await response.text();
  let parsed = null;
  if (text && type.includes('json')) {
    try { parsed = JSON.parse(text); } catch { parsed = null; }
  }
  if (!response.ok) {
    throw new ApiProblem(response.status, parsed && typeof parsed === 'object' && parsed.title
      ? parsed
      : { title: `The payments service answered ${response.status}.`, status: response.status });
  }
  return { status: response.status, body: parsed };
}

/** A fresh Idempotency-Key for one payment or refund attempt. */
export function newIdempotencyKey() {
  return crypto.randomUUID();
}
