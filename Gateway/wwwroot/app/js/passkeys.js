import { api, describe } from './api.js';
import { clear, el } from './dom.js';
import { refresh } from './session.js';

const when = (value) => (value ? new Date(value).toLocaleString() : 'never');

// The signed-in user's passkeys: list them, add one (named), remove one. With `required` (an admin who must enrol
// before anything else) the first one added reloads the dashboard with full access; `passkeyRequired` says a passkey
// it must be (PASSKEYS_REQUIRED_FOR_ADMINS), not a passkey or two-step sign-in.
export function setUpPasskeys({ required, passkeyRequired = false }) {
  const list = document.getElementById('passkey-list');
  const add = document.getElementById('passkey-add');
  const message = document.getElementById('passkey-message');
  document.getElementById('passkeys-required').hidden = !passkeyRequired;
  if (!window.PublicKeyCredential?.parseCreationOptionsFromJSON) {
    add.hidden = true;
    message.textContent = 'This browser cannot use passkeys.';
  }

  async function show() {
    clear(list);
    if (required) return; // an enrolling token may add a passkey, not list them
    try {
      const { items } = await api('/api/auth/passkeys');
      if (items.length === 0) list.append(el('li', { className: 'muted' }, 'No passkey yet.'));
      for (const passkey of items) {
        const remove = el('button', { type: 'button', className: 'danger', onClick: async () => {
          if (!window.confirm(`Remove the passkey "${passkey.name}"? It will no longer sign you in.`)) return;
          try {
            await api(`/api/auth/passkeys/${encodeURIComponent(passkey.id)}`, { method: 'DELETE' });
            message.textContent = `"${passkey.name}" removed.`;
            await show();
          } catch (error) {
            message.textContent = error.problem?.reason === 'fresh-sign-in-required'
              ? 'For your safety, removing a passkey needs a recent sign-in: sign out, sign in again, and remove it within 5 minutes.'
              : describe(error);
          }
        } }, 'Remove');
        list.append(el('li', { dataset: { passkey: passkey.id } },
          el('strong', {}, passkey.name), ` added ${when(passkey.createdAt)}, last used ${when(passkey.lastUsedAt)} `, remove));
      }
    } catch (error) {
      message.textContent = describe(error);
    }
  }

  add.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    const name = add.name.value.trim();
    try {
      const { ceremony, options } = await api('/api/auth/passkeys/register/options', { method: 'POST' });
      const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
      await api('/api/auth/passkeys/register', { method: 'POST', body: { ceremony, name, credential: credential.toJSON() } });
      add.reset();
      if (required) {
        // The session's next token is a full one: start the dashboard afresh with it.
        if (await refresh()) window.location.reload();
        return;
      }
      message.textContent = `"${name}" added: you can sign in with it.`;
      await show();
    } catch (error) {
      message.textContent = error instanceof DOMException
        ? (error.name === 'InvalidStateError' ? 'This device already has a passkey for your account.' : 'No passkey was created.')
        : describe(error);
    }
  });

  return { show };
}
