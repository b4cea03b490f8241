import { escapeHtml } from '../html/escape-html.js';

/** What a custom success page may show. */
export interface SuccessPageInfo {
  /** The scopes Twitch granted. */
  readonly scopes: readonly string[];
}

/** What a custom failure page may show. Every string is already HTML-escaped. */
export interface FailurePageInfo {
  /** A short code, HTML-escaped: Twitch's `error` (`access_denied`, `redirect_mismatch`, …) or `exchange_failed`. */
  readonly error: string;
  /** What happened and what to do next, HTML-escaped. */
  readonly message: string;
}

/** A page replacing a built-in one: HTML, or a function returning HTML. */
export type CustomPage<Info> = string | ((info: Info) => string);

const STYLE = `body{font-family:system-ui,sans-serif;background:#f7f7f8;color:#18181b;display:flex;justify-content:center;padding:4rem 1rem;margin:0}
main{background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.12);padding:2rem;max-width:32rem;width:100%}
h1{font-size:1.3rem;margin-top:0}.ok{color:#107c10}.fail{color:#b00020}code{background:#efeff1;padding:0 .25rem;border-radius:3px}`;

/** A self-contained page: inline style, no script, no external asset. */
function page(title: string, heading: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${heading}${body}</main></body></html>`;
}

/** The built-in success page. */
export function successPage(info: SuccessPageInfo): string {
  const scopes =
    info.scopes.length === 0
      ? ''
      : `<p>Granted: ${info.scopes.map((scope) => `<code>${escapeHtml(scope)}</code>`).join(' ')}</p>`;
  return page(
    'Logged in to Twitch',
    '<h1 class="ok">You are logged in to Twitch</h1>',
    `<p>The app received its token. You can close this tab and return to it.</p>${scopes}`,
  );
}

/** The built-in failure page; `info.message` is already escaped. */
export function failurePage(info: FailurePageInfo): string {
  return page(
    'Twitch login failed',
    '<h1 class="fail">The Twitch login did not complete</h1>',
    `<p>${info.message}</p><p>You can close this tab. Start the login again from the app when you are ready.</p>`,
  );
}

/** A page for requests that do not end the login (404, 405, a foreign state, a finished login). */
export function noticePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>`, `<p>${escapeHtml(message)}</p>`);
}

/** Renders a page: the custom one if given, else the built-in one. */
export function renderPage<Info>(
  custom: CustomPage<Info> | undefined,
  builtIn: (info: Info) => string,
  info: Info,
): string {
  if (custom === undefined) return builtIn(info);
  return typeof custom === 'string' ? custom : custom(info);
}
