import { api, describe } from './api.js';
import { clear, el, formatTime } from './dom.js';

export function setUpUsers({ self }) {
  const body = document.querySelector('#users-table tbody');
  const message = document.getElementById('users-message');
  const create = document.getElementById('create-user');
  const resetDialog = document.getElementById('reset-password');
  let resetting = null;

  resetDialog.addEventListener('close', async () => {
    const input = resetDialog.querySelector('input');
    const password = input.value;
    input.value = '';
    if (resetDialog.returnValue === 'reset' && resetting && password) {
      await change(resetting, { password }, `Password of ${resetting} reset; their sessions were ended.`);
    }
  });

  async function change(username, body_, done) {
    try {
      await api(`/api/users/${encodeURIComponent(username)}`, { method: 'PUT', body: body_ });
      message.textContent = done;
      await show();
    } catch (error) {
      message.textContent = describe(error);
    }
  }

  function row(user) {
    const role = el('select', { 'aria-label': `Role of ${user.username}` }, el('option', {}, 'viewer'), el('option', {}, 'admin'));
    role.value = user.role;
    role.addEventListener('change', () => change(user.username, { role: role.value }, `${user.username} is now ${role.value}; their sessions were ended.`));
    const reset = el('button', { type: 'button', onClick: () => {
      resetting = user.username;
      document.getElementById('reset-user').textContent = user.username;
      resetDialog.returnValue = '';
      resetDialog.showModal();
    } }, 'Reset password');
    const toggle = el('button', { type: 'button', onClick: () => change(user.username, { disabled: !user.disabled },
      user.disabled ? `${user.username} enabled.` : `${user.username} disabled; their sessions were ended.`) }, user.disabled ? 'Enable' : 'Disable');
    const remove = el('button', { type: 'button', className: 'danger', onClick: async () => {
      if (!window.confirm(`Delete ${user.username}? Their sessions end at once.`)) return;
      try {
        await api(`/api/users/${encodeURIComponent(user.username)}`, { method: 'DELETE' });
        message.textContent = `${user.username} deleted.`;
        await show();
      } catch (error) {
        message.textContent = describe(error);
      }
    } }, 'Delete');
    const resetFactor = user.mfa ? el('button', { type: 'button', onClick: async () => {
      if (!window.confirm(`Remove ${user.username}'s two-step sign-in (a lost phone)? Their sessions end; they set it up again after signing in.`)) return;
      try {
        await api(`/api/users/${encodeURIComponent(user.username)}/mfa`, { method: 'DELETE' });
        message.textContent = `${user.username}'s two-step sign-in removed; their sessions were ended.`;
        await show();
      } catch (error) {
        message.textContent = describe(error);
      }
    } }, 'Reset two-step') : null;
    const resetPasskeys = user.passkeys > 0 ? el('button', { type: 'button', onClick: async () => {
      if (!window.confirm(`Remove all of ${user.username}'s passkeys (a lost device)? Their sessions end.`)) return;
      try {
        await api(`/api/users/${encodeURIComponent(user.username)}/passkeys`, { method: 'DELETE' });
        message.textContent = `${user.username}'s passkeys removed; their sessions were ended.`;
        await show();
      } catch (error) {
        message.textContent = describe(error);
      }
    } }, 'Remove') : null;
    return el('tr', { dataset: { username: user.username } },
      el('td', {}, user.username, user.username === self ? ' (you)' : ''),
      el('td', {}, role),
      el('td', {}, user.disabled ? 'disabled' : 'active'),
      el('td', {}, user.mfa ? 'on' : 'off'),
      el('td', {}, String(user.passkeys), resetPasskeys),
      el('td', {}, formatTime(user.lastSignInAt)),
      el('td', { className: 'actions' }, reset, resetFactor, toggle, remove));
  }

  async function show() {
    try {
      const users = await api('/api/users');
      clear(body);
      for (const user of users) body.append(row(user));
    } catch (error) {
      message.textContent = describe(error);
    }
  }

  create.addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(create);
    try {
      await api('/api/users', { method: 'POST', body: { username: form.get('username'), password: form.get('password'), role: form.get('role') } });
      message.textContent = `${form.get('username')} created.`;
      create.reset();
      await show();
    } catch (error) {
      message.textContent = describe(error);
    }
  });

  return { show };
}
