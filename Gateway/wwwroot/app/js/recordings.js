import { api, describe } from './api.js';
import { clear, el, formatDuration, formatTime } from './dom.js';
import { connectLive } from './live.js';

const PAGE = 50;

export function setUpRecordings({ isAdmin }) {
  const table = document.querySelector('#recordings-table tbody');
  const more = document.getElementById('more');
  const empty = document.getElementById('empty');
  const filters = document.getElementById('filters');
  const filterError = document.getElementById('filter-error');
  const live = document.getElementById('live');
  const player = document.getElementById('player');
  const details = document.getElementById('player-details');
  const audio = document.getElementById('audio');
  const download = document.getElementById('download');
  const deleteButton = document.getElementById('delete');
  const playerError = document.getElementById('player-error');
  const confirm = document.getElementById('confirm-delete');
  const rows = new Map();
  let cursor = null;
  let query = new URLSearchParams();
  let selected = null;

  function matchesFilters(recording) {
    if (query.get('callSid') && recording.callSid !== query.get('callSid')) return false;
    if (query.get('status') && recording.status !== query.get('status')) return false;
    const at = recording.startTime || recording.createdAt;
    if (query.get('from') && at < query.get('from')) return false;
    if (query.get('to') && at > query.get('to')) return false;
    return true;
  }

  function row(recording) {
    const play = el('button', { type: 'button', onClick: () => select(recording.sid) }, 'Play');
    play.setAttribute('aria-label', `Play recording ${recording.sid}`);
    return el('tr', { dataset: { sid: recording.sid }, className: recording.sid === selected ? 'selected' : '' },
      el('td', {}, formatTime(recording.startTime || recording.createdAt)),
      el('td', {}, formatDuration(recording.durationSeconds)),
      el('td', { className: 'sid' }, recording.callSid),
      el('td', { className: `status status-${recording.status}` }, recording.status),
      el('td', {}, recording.source ?? '—'),
      el('td', {}, play));
  }

  function put(recording, { fresh = false, append = false } = {}) {
    const existing = rows.get(recording.sid);
    const element = row(recording);
    element.recording = recording;
    if (existing) {
      existing.replaceWith(element);
    } else if (append) {
      table.append(element);
    } else {
      table.prepend(element);
    }
    rows.set(recording.sid, element);
    if (fresh) element.classList.add('fresh');
    empty.hidden = rows.size > 0;
    if (recording.sid === selected) showDetails(recording);
  }

  async function load(reset) {
    if (reset) {
      clear(table);
      rows.clear();
      cursor = null;
    }
    const params = new URLSearchParams(query);
    params.set('limit', String(PAGE));
    if (cursor) params.set('cursor', cursor);
    try {
      const page = await api(`/api/recordings?${params}`);
      for (const recording of page.items) put(recording, { append: true });
      cursor = page.nextCursor;
      more.hidden = !cursor;
      empty.hidden = rows.size > 0;
      filterError.textContent = '';
    } catch (error) {
      filterError.textContent = describe(error);
    }
  }

  function showDetails(recording) {
    clear(details);
    const entries = [
      ['Recording', recording.sid], ['Call', recording.callSid], ['Status', recording.status],
      ['Started', formatTime(recording.startTime)], ['Duration', formatDuration(recording.durationSeconds)],
      ['Channels', recording.channels ?? '—'], ['Source', recording.source ?? '—'], ['Error code', recording.errorCode ?? '—'],
    ];
    for (const [name, value] of entries) details.append(el('dt', {}, name), el('dd', {}, value));
    const deleted = recording.status === 'deleted';
    audio.hidden = deleted;
    download.hidden = deleted;
    deleteButton.hidden = !isAdmin || deleted;
  }

  function select(sid) {
    const recording = rows.get(sid)?.recording;
    if (!recording) return;
    selected = sid;
    for (const [key, element] of rows) element.classList.toggle('selected', key === sid);
    player.hidden = false;
    playerError.textContent = '';
    showDetails(recording);
    const source = `/api/recordings/${encodeURIComponent(sid)}/audio?format=mp3`;
    if (recording.status !== 'deleted' && audio.getAttribute('src') !== source) {
      audio.src = source;
      download.href = `${source}&download=1`;
    }
    audio.focus();
  }

  audio.addEventListener('error', () => {
    if (audio.getAttribute('src')) playerError.textContent = 'The audio could not be loaded from Twilio. Try again later.';
  });

  deleteButton.addEventListener('click', () => {
    document.getElementById('confirm-sid').textContent = selected;
    confirm.returnValue = '';
    confirm.showModal();
  });

  confirm.addEventListener('close', async () => {
    if (confirm.returnValue !== 'delete' || !selected) return;
    try {
      await api(`/api/recordings/${encodeURIComponent(selected)}`, { method: 'DELETE' });
      const recording = await api(`/api/recordings/${encodeURIComponent(selected)}`);
      audio.removeAttribute('src');
      audio.load();
      put(recording);
    } catch (error) {
      playerError.textContent = describe(error);
    }
  });

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(filters);
    query = new URLSearchParams();
    const callSid = String(form.get('callSid') || '').trim();
    if (callSid) query.set('callSid', callSid);
    if (form.get('status')) query.set('status', String(form.get('status')));
    // Dates are the user's local days.
    if (form.get('from')) query.set('from', new Date(`${form.get('from')}T00:00:00`).toISOString());
    if (form.get('to')) query.set('to', new Date(`${form.get('to')}T23:59:59.999`).toISOString());
    load(true);
  });
  filters.addEventListener('reset', () => {
    query = new URLSearchParams();
    setTimeout(() => load(true));
  });
  more.addEventListener('click', () => load(false));

  connectLive({
    onRecording: (recording) => {
      if (rows.has(recording.sid) || matchesFilters(recording)) put(recording, { fresh: true });
    },
    onResync: () => load(true),
    onState: (state, delay) => {
      live.dataset.state = state;
      live.textContent = state === 'connected' ? 'Live updates: on'
        : state === 'reconnecting' ? `Live updates: off, reconnecting in ${delay} s`
        : 'Live updates: connecting…';
    },
  });

  return { load: () => load(true) };
}
