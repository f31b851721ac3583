// Builds elements with text content only: nothing that came from users or Twilio is ever parsed as HTML.
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function clear(element) {
  element.replaceChildren();
}

export function formatTime(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}

// Each body cell carries its column's heading as data-label, kept up to date as rows come and go: on a phone the
// stylesheet shows every row as a card of "heading: value" lines instead of a table wider than the screen.
export function labelCellsFromHeadings(table) {
  const headings = [...table.querySelectorAll('thead th')].map((th) => (th.querySelector('.visually-hidden') ? '' : th.textContent.trim()));
  const body = table.tBodies[0];
  const label = () => {
    for (const row of body.rows) {
      [...row.cells].forEach((cell, index) => {
        if (headings[index] && cell.colSpan === 1) cell.dataset.label = headings[index];
      });
    }
  };
  label();
  new MutationObserver(label).observe(body, { childList: true });
}
