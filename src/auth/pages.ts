// The server-rendered pages of sign-in (D10: login pages answer with a page): plain, accessible
// HTML that works without JavaScript; no inline script or style (the CSP forbids both); every
// form carries the CSRF token of its authorization.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

const alert = (message: string | undefined) =>
  message ? `<p class="error" role="alert" id="form-error">${escapeHtml(message)}</p>` : '';
const csrfField = (csrf: string) => `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`;
const described = (message: string | undefined) => (message ? ' aria-describedby="form-error"' : '');

export function loginPage(o: { csrf: string; clientName: string; email?: string; error?: string }): string {
  return layout(
    'Sign in',
    `<p>${escapeHtml(o.clientName)} asks to use your health record. Sign in to continue.</p>
${alert(o.error)}
<form method="post" action="login">
${csrfField(o.csrf)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(o.email ?? '')}"${described(o.error)}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

export function secondFactorPage(o: { csrf: string; error?: string }): string {
  return layout(
    'Second factor',
    `<p>Enter the six-digit code from your authenticator app.</p>
${alert(o.error)}
<form method="post" action="mfa">
${csrfField(o.csrf)}
<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required${described(o.error)}>
<button type="submit">Continue</button>
</form>`,
  );
}

export interface PatientChoice {
  id: string;
  name: string;
  birthDate?: string;
  number: string;
}

export function patientPickerPage(o: { csrf: string; patients: PatientChoice[]; q?: string; error?: string }): string {
  const rows = o.patients
    .map(
      (
        p,
        i,
      ) => `<li><input type="radio" name="patient" id="patient-${i}" value="${escapeHtml(p.id)}"${i === 0 ? ' required' : ''}>
<label for="patient-${i}">${escapeHtml(p.name)} (${escapeHtml(p.number)}${p.birthDate ? `, born ${escapeHtml(p.birthDate)}` : ''})</label></li>`,
    )
    .join('\n');
  return layout(
    'Choose a patient',
    `${alert(o.error)}
<form method="get" action="patient" role="search">
<label for="q">Find by name or number</label>
<input id="q" name="q" type="search" value="${escapeHtml(o.q ?? '')}">
<button type="submit">Search</button>
</form>
<form method="post" action="patient">
${csrfField(o.csrf)}
<fieldset>
<legend>Patients</legend>
${rows ? `<ul class="choices">${rows}</ul>` : '<p>No patient matches.</p>'}
</fieldset>
<button type="submit">Continue</button>
</form>`,
  );
}

export function describeScope(scope: string): string {
  const known: Record<string, string> = {
    openid: 'Know who you are (OpenID Connect)',
    fhirUser: 'Know your FHIR user record',
    launch: 'Open in the context of the current record',
    'launch/patient': 'Know which patient is selected',
    'launch/encounter': 'Know which encounter is selected',
    offline_access: 'Keep access when you are not using it',
    online_access: 'Keep access while you are signed in',
  };
  return known[scope] ?? scope;
}

export function consentPage(o: { csrf: string; clientName: string; scopes: string[]; patientName?: string }): string {
  const items = o.scopes
    .map(
      (s, i) => `<li><input type="checkbox" name="scope" id="scope-${i}" value="${escapeHtml(s)}" checked>
<label for="scope-${i}">${escapeHtml(describeScope(s))}${describeScope(s) !== s ? ` <code>${escapeHtml(s)}</code>` : ''}</label></li>`,
    )
    .join('\n');
  return layout(
    'Allow access?',
    `<p><strong>${escapeHtml(o.clientName)}</strong> asks for the access below${o.patientName ? ` to the record of <strong>${escapeHtml(o.patientName)}</strong>` : ''}. Untick what you do not want to share.</p>
<form method="post" action="consent">
${csrfField(o.csrf)}
<fieldset>
<legend>Requested access</legend>
<ul class="choices">${items}</ul>
</fieldset>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<p role="alert">${escapeHtml(message)}</p>`);
}

/** The redirect_uri of the demo app: shows what a SMART app receives. */
export function demoCallbackPage(query: Record<string, string | undefined>): string {
  const rows = Object.entries(query)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd><code>${escapeHtml(v ?? '')}</code></dd>`)
    .join('\n');
  return layout(
    'Demo app callback',
    `<p>This is what the demo SMART app received. Exchange the code at the token endpoint (with the PKCE verifier the app made) within two minutes.</p>
<dl>${rows}</dl>`,
  );
}

export function resetPage(o: { token: string; error?: string }): string {
  return layout(
    'Choose a new password',
    `${alert(o.error)}
<form method="post" action="reset">
<input type="hidden" name="token" value="${escapeHtml(o.token)}">
<label for="password">New password (at least 10 characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required${described(o.error)}>
<label for="confirm">Repeat it</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="10" required>
<button type="submit">Set password</button>
</form>`,
  );
}

export const STYLESHEET = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1b1f24}
main{max-width:32rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}
label{display:block;margin-top:1rem;font-weight:600}
input[type=email],input[type=password],input[type=search],input:not([type]){width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #6b7280;border-radius:4px}
button{margin-top:1.25rem;padding:.6rem 1.2rem;font:inherit;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
button.secondary{background:#4b5563}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.error{color:#991b1b;background:#fee2e2;padding:.5rem;border-radius:4px}
.choices{list-style:none;padding:0}.choices li{display:flex;gap:.5rem;align-items:baseline}.choices label{display:inline;font-weight:400;margin:0}
fieldset{border:1px solid #d1d5db;border-radius:4px;margin-top:1rem}
`;
