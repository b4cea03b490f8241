import { escapeHtml } from '../html/escape-html.js';

const STYLE = `body{font-family:system-ui,sans-serif;background:#0e0e10;color:#efeff1;display:flex;justify-content:center;padding:4rem 1rem}
main{background:#18181b;border-radius:8px;padding:2rem;max-width:28rem;width:100%}
h1{font-size:1.25rem;margin-top:0}ul{padding-left:1.2rem}code{color:#bf94ff}
.actions{display:flex;gap:1rem;margin-top:1.5rem}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:4px;border:0;cursor:pointer}
.approve{background:#9147ff;color:#fff}.deny{background:#3a3a3d;color:#efeff1}
.note{color:#adadb8;font-size:.85rem}`;

function page(title: string, content: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body><main>${content}<p class="note">Fake Twitch (twitchapi-oauth/testing): no real account is involved.</p></main></body></html>`;
}

function hiddenFields(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
}

/** Twitch's consent page: the app, the user, the scopes, Authorize and Cancel. */
export function consentPage(input: {
  appName: string;
  login: string;
  scopes: readonly string[];
  action: string;
  fields: Readonly<Record<string, string>>;
}): string {
  const scopes =
    input.scopes.length === 0
      ? '<p>No permissions beyond your public profile.</p>'
      : `<ul>${input.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('')}</ul>`;
  return page(
    'Authorize application',
    `<h1><strong>${escapeHtml(input.appName)}</strong> wants to access your account</h1>
<p>Logged in as <strong>${escapeHtml(input.login)}</strong>. It will be able to:</p>${scopes}
<form method="post" action="${escapeHtml(input.action)}">${hiddenFields(input.fields)}
<div class="actions"><button class="deny" name="decision" value="deny">Cancel</button>
<button class="approve" name="decision" value="approve" id="authorize">Authorize</button></div></form>`,
  );
}

/** The device activation page behind the fake's `verification_uri`. */
export function activationPage(input: { userCode: string; login: string; action: string }): string {
  return page(
    'Activate your device',
    `<h1>Activate your device</h1><p>Code <code>${escapeHtml(input.userCode)}</code>, as <strong>${escapeHtml(input.login)}</strong>.</p>
<form method="post" action="${escapeHtml(input.action)}">${hiddenFields({ user_code: input.userCode })}
<div class="actions"><button class="deny" name="decision" value="deny">Cancel</button>
<button class="approve" name="decision" value="approve" id="activate">Activate</button></div></form>`,
  );
}

/** A plain message page, for the fake's own error and confirmation pages. */
export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
