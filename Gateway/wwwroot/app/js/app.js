import { setUpRecordings } from './recordings.js';
import { showActivity } from './activity.js';
import { setUpUsers } from './users.js';
import { signOut, start } from './session.js';
import { labelCellsFromHeadings } from './dom.js';

// A page restored from the back/forward cache after sign-out must not show data: load it afresh.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) window.location.reload();
});

const me = await start();
if (me) {
  const isAdmin = me.role === 'admin';
  document.getElementById('who').textContent = `${me.username} (${me.role})`;
  document.getElementById('sign-out').addEventListener('click', signOut);
  for (const element of document.querySelectorAll('[data-admin]')) element.hidden = !isAdmin;
  for (const table of document.querySelectorAll('.table-wrap table')) labelCellsFromHeadings(table);

  const recordings = setUpRecordings({ isAdmin });
  const users = isAdmin ? setUpUsers({ self: me.username }) : null;
  const sections = { recordings: () => {}, activity: showActivity, users: () => users?.show() };

  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => {
      for (const other of document.querySelectorAll('.tab')) other.removeAttribute('aria-current');
      tab.setAttribute('aria-current', 'page');
      for (const name of Object.keys(sections)) document.getElementById(name).hidden = name !== tab.dataset.section;
      sections[tab.dataset.section]();
    });
  }

  await recordings.load();
}
