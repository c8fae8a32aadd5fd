// Response headers for the pages. The inline script and style of each page are constant strings, so a
// Content-Security-Policy can allow exactly them by hash and nothing else inline.
import { createHash } from 'node:crypto';
import { PAGE_CSS } from './html';
import { USAGE_CSS } from './usage-page';
import { SESSIONS_CSS } from './sessions-page';
import { USAGE_SCRIPT } from './client/usage-script';
import { SESSIONS_SCRIPT } from './client/sessions-script';

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

const POLICIES = {
  usage: { style: sha256(PAGE_CSS + USAGE_CSS), script: sha256(USAGE_SCRIPT) },
  sessions: { style: sha256(PAGE_CSS + SESSIONS_CSS), script: sha256(SESSIONS_SCRIPT) },
} as const;

export type PageName = keyof typeof POLICIES;

/** Headers the relay should send with a page from renderUsagePage ('usage') or renderSessionsPage ('sessions'). */
export function pageHeaders(page: PageName): Record<string, string> {
  const policy = POLICIES[page];
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': [
      "default-src 'none'",
      `script-src ${policy.script}`,
      `style-src ${policy.style}`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}
