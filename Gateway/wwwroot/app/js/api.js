import { refresh } from './session.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function send(path, method, body) {
  return fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Calls the API with the session cookie; a 401 gets one silent refresh and retry, then the sign-in page. */
export async function api(path, { method = 'GET', body } = {}) {
  let response = await send(path, method, body);
  if (response.status === 401 && await refresh()) {
    response = await send(path, method, body);
  }
  if (response.status === 204) return null;
  const json = (response.headers.get('Content-Type') || '').includes('json') ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/** A problem's message for people, with the per-field errors of a 400 when there are some. */
export function describe(error) {
  if (!(error instanceof ApiError)) return 'The server cannot be reached. Check your connection and try again.';
  const fields = error.problem?.errors ? Object.values(error.problem.errors).flat().join(' ') : '';
  if (error.status === 429) return 'Too many requests. Wait a moment and try again.';
  if (error.status >= 500) return 'The server could not do this right now. Please try again.';
  return fields || error.message;
}
