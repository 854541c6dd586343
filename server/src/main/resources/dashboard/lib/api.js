// The admin API, as the dashboard calls it: the same endpoints a script uses, with the signed-in credential.
import * as session from './session.js';

/** An answer the API refused: its problem's detail is what the page shows. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `the admin API answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

const listeners = new Set();
/** Called when the API says the credential is no longer good (401), so the app can ask to sign in again. */
export function onSignedOut(fn) {
  listeners.add(fn);
}

/**
 * Calls the admin API. Resolves to {data, headers, status}; rejects with an ApiError carrying the problem's detail.
 * @param {string} path e.g. '/keys?limit=50'
 */
export async function api(path, {method = 'GET', body, signal, credential, anonymous = false} = {}) {
  const headers = {...(anonymous ? {} : session.headers(credential)), 'Accept': 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store'});
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, {detail: `the admin listener cannot be reached (${e.message}); is the node running?`});
  }
  const type = response.headers.get('content-type') || '';
  const data = response.status === 204 ? null
    : type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    if (response.status === 401 && !credential && !anonymous) listeners.forEach(fn => fn(data?.detail));
    throw new ApiError(response.status, typeof data === 'object' ? data : {detail: String(data).slice(0, 300)});
  }
  return {data, headers: response.headers, status: response.status};
}

/** The URL of the next page from a Link header (rel="next"), or null. */
export function nextLink(headers) {
  const link = headers.get('link');
  const match = link && link.match(/<([^>]+)>;\s*rel="next"/);
  return match ? match[1] : null;
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
