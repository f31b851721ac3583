import { api } from './api.js';
import { refresh } from './session.js';

/**
 * Keeps a WebSocket to /ws open, reconnecting with growing pauses (1 s, 2 s, 4 s … 30 s), and reports each
 * recording.updated event and every change of state ("connecting", "connected", "reconnecting"). It keeps a cursor
 * (the server's time when it first connected, then the latest updatedAt it saw) and reconnects with ?since= it, so
 * what changed while it was away — a replica restarting, a network blip — arrives before the live events. A later
 * connection's time is not taken: the replay behind it may be cut short. When more changed than the server replays,
 * it says "resync": the list is reloaded (onResync) and its time is the cursor.
 */
export function connectLive({ onRecording, onResync, onState }) {
  let attempt = 0;
  let socket = null;
  let cursor = null;

  function advance(time) {
    if (typeof time === 'string' && (cursor === null || Date.parse(time) > Date.parse(cursor))) cursor = time;
  }

  function open() {
    onState('connecting');
    let opened = false;
    const since = cursor === null ? '' : `?since=${encodeURIComponent(cursor)}`;
    socket = new WebSocket(`${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/ws${since}`);
    socket.addEventListener('open', () => {
      opened = true;
      attempt = 0;
      onState('connected');
    });
    socket.addEventListener('message', (event) => {
      try {
        const message = JSON.parse(event.data);
        if (message.type === 'connected') {
          if (cursor === null) advance(message.at);
        } else if (message.type === 'recording.updated' && message.recording) {
          advance(message.recording.updatedAt);
          onRecording(message.recording);
        } else if (message.type === 'resync') {
          advance(message.at);
          onResync();
        }
      } catch {
        // Not an event we understand: ignore it.
      }
    });
    socket.addEventListener('close', async (event) => {
      // Closed for an ended session: refresh (or go to sign-in) before trying again.
      if (event.code === 1008 && event.reason === 'session ended') {
        if (!(await refresh())) return;
      } else if (!opened) {
        // Refused before it opened: perhaps the session expired. This refreshes it, or goes to sign-in.
        try { await api('/api/auth/me'); } catch { /* the server is down: keep retrying */ }
      }
      const delay = Math.min(30, 2 ** attempt);
      attempt += 1;
      onState('reconnecting', delay);
      setTimeout(open, delay * 1000);
    });
  }

  open();
  return () => socket?.close();
}
