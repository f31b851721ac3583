import { api, describe } from './api.js';
import { clear, el, formatTime } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_PAGES = 50;

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A bar chart in SVG: one bar per bucket, each with a text title; labels every few buckets. */
function barChart(container, buckets, { labelEvery, alertFrom = Infinity, unit }) {
  const width = 600;
  const height = 180;
  const bottom = 24;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const step = width / buckets.length;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img' });
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  chart.append(svg('title', {}, `${total} ${unit} in total; highest ${max} in one bar`));
  buckets.forEach((bucket, index) => {
    const barHeight = ((height - bottom - 12) * bucket.count) / max;
    const bar = svg('rect', {
      x: index * step + 1, y: height - bottom - barHeight, width: Math.max(1, step - 2), height: barHeight,
      class: bucket.count >= alertFrom ? 'bar alert' : 'bar',
    });
    bar.append(svg('title', {}, `${bucket.label}: ${bucket.count} ${unit}`));
    chart.append(bar);
    if (index % labelEvery === 0) chart.append(svg('text', { x: index * step + 2, y: height - 8 }, bucket.label));
  });
  chart.append(svg('line', { class: 'axis', x1: 0, y1: height - bottom, x2: width, y2: height - bottom }));
  chart.append(svg('text', { x: 2, y: 10 }, `max ${max}`));
  clear(container);
  container.append(chart);
}

async function collect(path, keep, stop) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await api(`${path}${path.includes('?') ? '&' : '?'}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const batch = result.items;
    items.push(...batch.filter(keep));
    cursor = result.nextCursor;
    if (!cursor || (batch.length > 0 && stop(batch[batch.length - 1]))) break;
  }
  return items;
}

function auditRows(table, events) {
  const body = table.querySelector('tbody');
  clear(body);
  for (const event of events) {
    body.append(el('tr', {},
      el('td', {}, formatTime(event.at)), el('td', {}, event.action), el('td', {}, event.outcome),
      el('td', {}, event.actor ?? '—'), el('td', { className: 'sid' }, event.target ?? '—'),
      el('td', {}, event.clientIp ?? '—'), el('td', {}, event.detail ?? '')));
  }
  if (events.length === 0) body.append(el('tr', {}, el('td', { colspan: 7, className: 'muted' }, 'Nothing yet.')));
}

// Unusual access, bursts of refused callbacks and of failed sign-ins, newest first, from both audits.
const ALERTS = [['/api/audit/recordings', 'access-alert'], ['/api/audit/recordings', 'callback-alert'], ['/api/audit/auth', 'sign-in-alert']];

async function showAlerts() {
  const table = document.getElementById('alerts');
  const body = table.querySelector('tbody');
  try {
    const pages = await Promise.all(ALERTS.map(([path, action]) => api(`${path}?action=${action}&limit=20`)));
    const alerts = pages.flatMap((page) => page.items).sort((a, b) => (a.at < b.at ? 1 : -1)).slice(0, 20);
    clear(body);
    for (const alert of alerts) {
      body.append(el('tr', { className: 'alert' },
        el('td', {}, formatTime(alert.at)), el('td', {}, alert.action), el('td', {}, alert.actor ?? alert.target ?? '—'),
        el('td', {}, alert.clientIp ?? '—'), el('td', {}, alert.detail ?? '')));
    }
    if (alerts.length === 0) body.append(el('tr', {}, el('td', { colspan: 5, className: 'muted' }, 'No alerts.')));
  } catch (error) {
    clear(body);
    body.append(el('tr', {}, el('td', { colspan: 5, className: 'error' }, describe(error))));
  }
}

export async function showActivity() {
  showAlerts();
  const now = new Date();
  const days = [...Array(30).keys()].map((i) => {
    const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 29 + i);
    return { start: day, label: day.toLocaleDateString([], { month: 'short', day: 'numeric' }), count: 0 };
  });
  const hours = [...Array(24).keys()].map((i) => {
    const hour = new Date(now.getTime() - (23 - i) * 3_600_000);
    hour.setMinutes(0, 0, 0);
    return { start: hour, label: hour.toLocaleTimeString([], { hour: '2-digit' }), count: 0 };
  });
  const charts = [document.getElementById('chart-recordings'), document.getElementById('chart-failures')];
  try {
    const since = days[0].start.toISOString();
    const dayAgo = hours[0].start.toISOString();
    const [recordings, authEvents, accessEvents] = await Promise.all([
      collect(`/api/recordings?from=${encodeURIComponent(since)}`, () => true, () => false),
      collect('/api/audit/auth', (e) => e.at >= dayAgo, (e) => e.at < dayAgo),
      api('/api/audit/recordings?limit=50'),
    ]);
    for (const recording of recordings) {
      const at = new Date(recording.startTime || recording.createdAt);
      const bucket = days.findLast((d) => d.start <= at);
      if (bucket) bucket.count += 1;
    }
    for (const event of authEvents.filter((e) => e.action === 'sign-in' && e.outcome === 'failure')) {
      const bucket = hours.findLast((h) => h.start <= new Date(event.at));
      if (bucket) bucket.count += 1;
    }
    barChart(charts[0], days, { labelEvery: 5, unit: 'recordings' });
    barChart(charts[1], hours, { labelEvery: 4, alertFrom: 10, unit: 'failed sign-ins' });
    auditRows(document.getElementById('audit-auth'), authEvents.slice(0, 50));
    auditRows(document.getElementById('audit-recordings'), accessEvents.items);
  } catch (error) {
    for (const chart of charts) chart.replaceChildren(el('p', { className: 'error' }, describe(error)));
  }
}
