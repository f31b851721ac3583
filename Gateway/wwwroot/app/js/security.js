import { api, describe } from './api.js';
import { clear, el } from './dom.js';
import { refresh } from './session.js';

// Two-step sign-in (TOTP): set it up with a QR code, confirm with a first code, keep the recovery codes, turn it off.
// With `required` (an admin who must enrol before anything else) finishing reloads the dashboard with full access.
export function setUpSecurity({ required }) {
  const state = document.getElementById('mfa-state');
  const begin = document.getElementById('mfa-begin');
  const enrol = document.getElementById('mfa-enrol');
  const confirm = document.getElementById('mfa-confirm');
  const recovery = document.getElementById('mfa-recovery');
  const off = document.getElementById('mfa-off');
  const message = document.getElementById('mfa-message');
  document.getElementById('mfa-required').hidden = !required;

  function showOnly(...visible) {
    for (const part of [begin, enrol, recovery, off]) part.hidden = !visible.includes(part);
  }

  async function show() {
    message.textContent = '';
    if (required) {
      state.textContent = 'Two-step sign-in is off.';
      showOnly(begin);
      return;
    }
    try {
      const status = await api('/api/auth/mfa/totp');
      state.textContent = status.enabled
        ? `Two-step sign-in is on. ${status.recoveryCodesLeft} of 10 recovery codes left.`
        : 'Two-step sign-in is off: your password alone signs you in.';
      showOnly(status.enabled ? off : begin);
    } catch (error) {
      message.textContent = describe(error);
    }
  }

  begin.addEventListener('click', async () => {
    message.textContent = '';
    try {
      const setup = await api('/api/auth/mfa/totp/setup', { method: 'POST' });
      // The SVG is drawn by the AuthService from the otpauth URI; parsed as SVG (never as HTML) and adopted.
      const svg = new DOMParser().parseFromString(setup.qrSvg, 'image/svg+xml').documentElement;
      const qr = document.getElementById('mfa-qr');
      clear(qr);
      if (svg.nodeName === 'svg') qr.append(document.importNode(svg, true));
      document.getElementById('mfa-secret').textContent = setup.secret.match(/.{1,4}/g).join(' ');
      showOnly(enrol);
      confirm.code.focus();
    } catch (error) {
      message.textContent = describe(error);
    }
  });

  confirm.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    try {
      const result = await api('/api/auth/mfa/totp/confirm', { method: 'POST', body: { code: confirm.code.value.trim() } });
      confirm.reset();
      const list = document.getElementById('mfa-codes');
      clear(list);
      for (const code of result.recoveryCodes) list.append(el('li', {}, code));
      state.textContent = 'Two-step sign-in is on.';
      showOnly(recovery);
    } catch (error) {
      message.textContent = describe(error);
    }
  });

  document.getElementById('mfa-saved').addEventListener('click', async () => {
    clear(document.getElementById('mfa-codes'));
    if (required) {
      // The session's next token is a full one: start the dashboard afresh with it.
      if (await refresh()) window.location.reload();
      return;
    }
    await show();
  });

  off.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.textContent = '';
    try {
      await api('/api/auth/mfa/totp', { method: 'DELETE', body: { code: off.code.value.trim() } });
      off.reset();
      await show();
    } catch (error) {
      message.textContent = describe(error);
    }
  });

  return { show };
}
