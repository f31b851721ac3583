// The session lives in HttpOnly cookies; this module only knows who is signed in and when to refresh.
let me = null;
let timer = null;
let refreshing = null;

function ended() {
  window.location.replace('/?reason=session-ended');
}

async function fetchMe() {
  const response = await fetch('/api/auth/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!response.ok) return null;
  return response.json();
}

function schedule() {
  clearTimeout(timer);
  if (!me) return;
  // Refresh a minute before the access token expires (sooner for very short tokens).
  const remaining = new Date(me.expiresAt).getTime() - Date.now();
  const lead = Math.min(60_000, remaining / 4);
  timer = setTimeout(() => refresh().catch(ended), Math.max(5_000, remaining - lead));
}

async function refreshOnce() {
  const known = me?.expiresAt;
  // Another tab may have refreshed already: the cookie then holds a newer token, and our old refresh token is dead.
  const current = await fetchMe();
  if (current && known && new Date(current.expiresAt) > new Date(known) && new Date(current.expiresAt) - Date.now() > 120_000) {
    me = current;
    return true;
  }
  const response = await fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!response.ok) return false;
  me = await fetchMe();
  return me !== null;
}

/** Gets a new access token through the refresh cookie; one at a time, across tabs where the browser allows. */
export function refresh() {
  if (!refreshing) {
    const run = () => refreshOnce();
    const locked = navigator.locks ? navigator.locks.request('session-refresh', run) : run();
    refreshing = locked.then((ok) => {
      if (!ok) ended();
      schedule();
      return ok;
    }).finally(() => { refreshing = null; });
  }
  return refreshing;
}

export async function start() {
  me = await fetchMe();
  if (!me && !(await refresh())) return null;
  schedule();
  return me;
}

export function current() {
  return me;
}

export async function signOut() {
  clearTimeout(timer);
  try {
    await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' });
  } finally {
    window.location.replace('/?reason=signed-out');
  }
}

export { ended };
