// Signs in with the session cookies the AuthService sets; this script never sees a token.
const form = document.getElementById('sign-in');
const message = document.getElementById('message');
const notice = document.getElementById('notice');
const button = form.querySelector('button');
const codeStep = document.getElementById('code-step');

const reasons = {
  'session-ended': 'Your session has ended. Please sign in again.',
  'signed-out': 'You have signed out.',
};
const reason = new URLSearchParams(window.location.search).get('reason');
if (reason && reasons[reason]) {
  notice.textContent = reasons[reason];
  notice.hidden = false;
}

function retryText(response) {
  const seconds = Number(response.headers.get('Retry-After'));
  if (!Number.isFinite(seconds) || seconds <= 0) {
    return 'Too many attempts. Try again later.';
  }
  const when = new Date(Date.now() + seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return seconds < 90
    ? `Too many attempts. Try again in ${Math.ceil(seconds)} seconds (at ${when}).`
    : `Too many attempts. Try again in ${Math.ceil(seconds / 60)} minutes (at ${when}).`;
}

// Passkeys: the button asks the browser for any passkey of this site; where the browser offers them in the username
// field's autofill (conditional mediation), picking one there signs in the same way. Neither needs a username.
const passkeyStep = document.getElementById('passkey-step');
const passkeyButton = document.getElementById('passkey');
const passkeysSupported = typeof window.PublicKeyCredential === 'function'
  && typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function';
let autofill = null;

async function post(path, body) {
  return fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function signInWithPasskey(mediation, signal) {
  const begun = await post('/api/auth/passkeys/login/options');
  if (!begun.ok) return begun;
  const { ceremony, options } = await begun.json();
  const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options), mediation, signal });
  return post('/api/auth/passkeys/login', { ceremony, credential: credential.toJSON() });
}

async function passkeySignIn(mediation) {
  const controller = new AbortController();
  let refused = false;
  if (mediation === 'conditional') {
    autofill = controller;
  } else {
    autofill?.abort();
    message.textContent = '';
  }
  try {
    const response = await signInWithPasskey(mediation, controller.signal);
    if (response.ok) {
      window.location.assign('/app/');
      return;
    }
    refused = response.status === 401;
    message.textContent = refused
      ? 'That passkey was not accepted. Try another, or sign in with your password.'
      : response.status === 429 ? retryText(response) : 'The server could not sign you in right now. Please try again in a moment.';
  } catch (error) {
    if (controller.signal.aborted) return; // the autofill request gave way to the button, or was renewed
    message.textContent = error?.name === 'SecurityError'
      ? 'Passkeys of this site cannot be used from this address. Open the dashboard at its usual address.'
      : error instanceof DOMException ? 'No passkey was used.' : 'The server cannot be reached. Check your connection and try again.';
  }
  // Offer the passkeys in the autofill again: after the button, or after one picked there was refused.
  if (mediation !== 'conditional' || refused) startAutofill();
}

// A ceremony lives five minutes: a page left open longer asks for a new one before the autofill's expires.
const autofillRenewal = 4 * 60 * 1000;

async function startAutofill() {
  if (!await PublicKeyCredential.isConditionalMediationAvailable?.()) return;
  const pending = passkeySignIn('conditional');
  const controller = autofill;
  setTimeout(() => {
    if (autofill === controller && !controller.signal.aborted) {
      controller.abort();
      startAutofill();
    }
  }, autofillRenewal);
  await pending;
}

if (passkeysSupported) {
  passkeyStep.hidden = false;
  passkeyButton.addEventListener('click', () => passkeySignIn(undefined));
  startAutofill();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  message.textContent = '';
  if (!form.username.value || !form.password.value) {
    message.textContent = 'Enter your username and password.';
    return;
  }
  button.disabled = true;
  try {
    const response = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ username: form.username.value, password: form.password.value, code: codeStep.hidden ? undefined : form.code.value.trim() }),
    });
    if (response.ok) {
      window.location.assign('/app/');
      return;
    }
    const problem = (response.headers.get('Content-Type') || '').includes('json') ? await response.json().catch(() => null) : null;
    if (response.status === 401 && problem?.mfa === 'totp') {
      // The password was right; the account also wants a code. Keep the password for the second try.
      const asked = !codeStep.hidden;
      codeStep.hidden = false;
      form.code.value = '';
      form.code.focus();
      message.textContent = asked ? 'That code is wrong or was already used. Wait for the next one and try again.' : 'Enter the code from your authenticator app.';
      return;
    }
    form.password.value = '';
    codeStep.hidden = true;
    if (response.status === 401 && problem?.mfa === 'passkey') {
      message.textContent = 'This account signs in with a passkey: use "Sign in with a passkey".';
      passkeyButton.focus();
    } else if (response.status === 401) {
      message.textContent = 'Wrong username or password.';
    } else if (response.status === 429) {
      message.textContent = retryText(response);
    } else if (response.status === 400) {
      message.textContent = 'Check your username and password: they are not in a form this system accepts.';
    } else {
      message.textContent = 'The server could not sign you in right now. Please try again in a moment.';
    }
  } catch {
    message.textContent = 'The server cannot be reached. Check your connection and try again.';
  } finally {
    button.disabled = false;
  }
});
