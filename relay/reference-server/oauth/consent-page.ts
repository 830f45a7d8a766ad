// The consent page of /authorize: names the client and the scopes it asks for, and offers Approve / Deny.
// The client's name, URI and redirect come from an unauthenticated registration (RFC 7591 §5: "the
// authorization server SHOULD NOT present [client metadata] to the end user without ... a warning"), so every
// value is HTML-escaped, the page says the name is the client's own claim, and it may not be framed
// (clickjacking: a framing page could place the Approve button under the user's click).
import type { ServerResponse } from 'node:http';

export interface ConsentView {
  consentId: string;
  clientName: string | undefined;
  clientId: string;
  /** Where Approve/Deny lead (the form's redirect): the only other place the form may go (CSP form-action). */
  redirectOrigin: string;
  redirectHost: string;
  scopes: string[];
  tenant: string;
}

/** The HTML-special characters, so text from a registration can only ever be text. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  // Not no-referrer: Chromium then sends `Origin: null` with the form's POST, which the Host/Origin guard
  // refuses; same-origin keeps the page's URL (state, challenge) from any other site all the same.
  'referrer-policy': 'same-origin',
};

export function sendConsentPage(res: ServerResponse, view: ConsentView): void {
  const name = view.clientName?.trim() ? escapeHtml(view.clientName.trim()) : '(unnamed client)';
  const scopes = view.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize ${name}</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto">
<h1>Authorize <span id="client-name">${name}</span>?</h1>
<p>An application calling itself <strong>${name}</strong> (client id <code>${escapeHtml(view.clientId)}</code>,
returning to <code>${escapeHtml(view.redirectHost)}</code>) asks to act for tenant <strong>${escapeHtml(view.tenant)}</strong>
on this push server. The name is the application's own claim; approve only if you started this sign-in.</p>
<p>It asks for:</p><ul id="scopes">${scopes || '<li>no scopes</li>'}</ul>
<form method="post" action="/authorize">
<input type="hidden" name="consent_id" value="${escapeHtml(view.consentId)}">
<button type="submit" name="decision" value="approve" id="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form></body></html>`;
  // CSP form-action also governs the redirect after the POST (Chromium enforces it), so it names the client's.
  const csp = `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${view.redirectOrigin}; frame-ancestors 'none'`;
  res.writeHead(200, { ...PAGE_HEADERS, 'content-security-policy': csp, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

/** An /authorize failure shown to the user, for errors that must not redirect (RFC 6749 §4.1.2.1). */
export function sendErrorPage(res: ServerResponse, status: number, message: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto"><h1>Sign-in failed</h1><p id="error">${escapeHtml(message)}</p></body></html>`;
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}
