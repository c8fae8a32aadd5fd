// The page at `/sessions`: a live list of connected agents and their clients. The server sends only
// the frame; the inline script fills it from the relay's server-sent events (SessionsSnapshot JSON).
import { API_PATHS } from '@converge/protocol';
import { escapeHtml, renderLayout } from './html';
import { SESSIONS_SCRIPT } from './client/sessions-script';

export interface SessionsPageContext {
  /** `''` or `/base`. */
  readonly basePath: string;
  readonly version: string;
  /** The relay wants `?token=<admin token>` on the sessions API. */
  readonly tokenRequired: boolean;
}

export const SESSIONS_CSS = `
.bar { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; margin-bottom: 1rem; }
.state { display: inline-flex; align-items: center; gap: 0.45rem; font-weight: 600; font-size: 0.9rem; }
.state::before { content: ""; width: 0.65rem; height: 0.65rem; border-radius: 50%; background: var(--muted); }
.state[data-state="live"]::before { background: var(--ok); }
.state[data-state="reconnecting"]::before, .state[data-state="token"]::before { background: var(--warn); }
.summary { color: var(--muted); font-size: 0.9rem; }
.token { max-width: 28rem; margin-bottom: 1rem; }
.token label { display: block; font-weight: 600; margin-bottom: 0.3rem; }
.token .row { display: flex; gap: 0.5rem; }
.empty { color: var(--muted); padding: 2rem 1rem; text-align: center; border: 1px dashed var(--line); border-radius: 10px; }
.agents { list-style: none; margin: 0; padding: 0; display: grid; gap: 1rem; }
.agent-head { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem 0.75rem; margin-bottom: 0.5rem; }
.agent-head h2 { margin: 0; font-size: 1.1rem; overflow-wrap: anywhere; }
.agent-head a { margin-left: auto; font-size: 0.9rem; }
.badge { display: inline-block; font-size: 0.8rem; font-weight: 600; padding: 0.1rem 0.5rem; border-radius: 999px;
  border: 1px solid var(--line); color: var(--muted); }
.badge[data-state="running"] { color: var(--accent); border-color: var(--accent); }
.badge[data-state="succeeded"] { color: var(--ok); border-color: var(--ok); }
.badge[data-state="failed"] { color: var(--bad); border-color: var(--bad); }
.badge.hold { color: var(--warn); border-color: var(--warn); }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr)); gap: 0.5rem 1rem; margin: 0; }
.facts div { min-width: 0; }
.facts dt { color: var(--muted); font-size: 0.8rem; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.clients-title { font-size: 0.95rem; margin: 1rem 0 0.4rem; }
.clients { list-style: none; margin: 0; padding: 0; border-top: 1px solid var(--line); }
.clients li { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; padding: 0.45rem 0; border-bottom: 1px solid var(--line); font-size: 0.9rem; }
.clients .muted, .none { color: var(--muted); }
.none { font-size: 0.9rem; margin: 0.25rem 0 0; }
`;

/** The sessions page; all data arrives through the script. */
export function renderSessionsPage(context: SessionsPageContext): string {
  const base = escapeHtml(context.basePath);
  const body = `<h1>Sessions</h1>
<p class="lead">Agents connected to this relay, and who is connected to them. The list updates by itself.</p>
<div id="sessions" data-token-required="${context.tokenRequired ? 'true' : 'false'}"
 data-api="${base}${API_PATHS.sessions}" data-events="${base}${API_PATHS.sessionEvents}">
<div class="bar"><span class="state" data-testid="connection-state" data-state="connecting" role="status">Connecting…</span>
<span class="summary" id="summary"></span></div>
<form class="card token" id="token-form"${context.tokenRequired ? '' : ' hidden'}>
<label for="token">Admin token</label>
<div class="row"><input type="password" id="token" name="token" autocomplete="current-password" required aria-describedby="token-problem">
<button type="submit" class="primary">Show</button></div>
<p class="problem" id="token-problem" role="alert" hidden>Wrong token</p>
<p class="hint">Kept in this tab only (sessionStorage).</p>
</form>
<noscript><p>This live list needs JavaScript. The same data is at <a href="${base}${API_PATHS.sessions}">${base}${API_PATHS.sessions}</a>.</p></noscript>
<p class="empty" id="empty" hidden>No agents connected.</p>
<ul class="agents" id="agents" aria-label="Agents"></ul>
</div>`;
  return renderLayout({
    title: 'Sessions',
    basePath: context.basePath,
    version: context.version,
    current: 'sessions',
    css: SESSIONS_CSS,
    body,
    script: SESSIONS_SCRIPT,
  });
}
