import { setUpRecordings } from './recordings.js';
import { showActivity } from './activity.js';
import { setUpUsers } from './users.js';
import { setUpSecurity } from './security.js';
import { setUpPasskeys } from './passkeys.js';
import { signOut, start } from './session.js';
import { labelCellsFromHeadings } from './dom.js';

// A page restored from the back/forward cache after sign-out must not show data: load it afresh.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) window.location.reload();
});

const me = await start();
if (me?.mfaSetupRequired) {
  // An admin who must add a passkey or set up two-step sign-in first (a passkey only, when passkeys are required):
  // nothing else answers until they have.
  document.getElementById('who').textContent = `${me.username} (${me.role})`;
  document.getElementById('sign-out').addEventListener('click', signOut);
  for (const tab of document.querySelectorAll('.tab')) tab.hidden = true;
  document.getElementById('recordings').hidden = true;
  document.getElementById('security').hidden = false;
  setUpPasskeys({ required: true, passkeyRequired: me.passkeyRequired });
  if (me.passkeyRequired) {
    for (const part of document.querySelectorAll('#security [id^="mfa-"], #security-title')) part.hidden = true;
  } else {
    await setUpSecurity({ required: true }).show();
  }
} else if (me) {
  const isAdmin = me.role === 'admin';
  document.getElementById('who').textContent = `${me.username} (${me.role})`;
  document.getElementById('sign-out').addEventListener('click', signOut);
  for (const element of document.querySelectorAll('[data-admin]')) element.hidden = !isAdmin;
  for (const table of document.querySelectorAll('.table-wrap table')) labelCellsFromHeadings(table);

  const recordings = setUpRecordings({ isAdmin });
  const users = isAdmin ? setUpUsers({ self: me.username }) : null;
  const security = setUpSecurity({ required: false });
  const passkeys = setUpPasskeys({ required: false });
  const sections = {
    recordings: () => {},
    activity: showActivity,
    users: () => users?.show(),
    security: () => Promise.all([passkeys.show(), security.show()]),
  };

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
