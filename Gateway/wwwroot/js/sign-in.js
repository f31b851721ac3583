// Signs in with the session cookies the AuthService sets; the token itself is never read by this script.
const form = document.getElementById('sign-in');
const message = document.getElementById('message');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  message.textContent = '';
  const body = JSON.stringify({ username: form.username.value, password: form.password.value });
  try {
    const response = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body,
    });
    if (response.ok) {
      window.location.assign('/app/');
    } else if (response.status === 401) {
      message.textContent = 'Wrong username or password.';
    } else if (response.status === 429) {
      const retry = Number(response.headers.get('Retry-After'));
      message.textContent = Number.isFinite(retry) && retry > 0
        ? `Too many attempts. Try again in ${Math.ceil(retry / 60)} minute(s).`
        : 'Too many attempts. Try again later.';
    } else {
      message.textContent = 'The server could not sign you in right now. Please try again.';
    }
  } catch {
    message.textContent = 'The server cannot be reached. Check your connection and try again.';
  }
});
