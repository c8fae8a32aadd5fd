// HTML building blocks shared by the pages: escaping, the page shell (head, header, footer) and the CSS.
// Pages are plain strings; every interpolated value goes through escapeHtml.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and for double- or single-quoted attribute values. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

/** Escapes text, then shows `backticked` spans as <code>: how notes are written. */
export function inlineCode(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

export const PAGE_CSS = `
:root { color-scheme: light dark; --bg: #f7f8fa; --fg: #1b1f24; --muted: #57606a; --card: #fff; --line: #d0d7de;
  --code-bg: #f0f2f5; --accent: #0b5cd5; --accent-fg: #fff; --ok: #1a7f37; --bad: #c62828; --warn: #9a6700; --focus: #0b5cd5; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1217; --fg: #e6edf3; --muted: #9da7b3; --card: #171b22; --line: #30363d; --code-bg: #0b0e13;
    --accent: #4f9dff; --accent-fg: #0b0e13; --ok: #3fb950; --bad: #ff7b72; --warn: #d29922; --focus: #79b8ff; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.875rem; }
p code, li code { background: var(--code-bg); padding: 0.1em 0.3em; border-radius: 4px; overflow-wrap: anywhere; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--card); padding: 0.5rem; z-index: 1; }
header.top { border-bottom: 1px solid var(--line); background: var(--card); }
.wrap { max-width: 76rem; margin: 0 auto; padding: 0 1rem; }
header.top .wrap { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; min-height: 3.5rem; }
.brand { font-weight: 700; font-size: 1.15rem; color: var(--fg); text-decoration: none; }
nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
nav a { color: var(--muted); text-decoration: none; padding: 0.25rem 0; }
nav a[aria-current="page"] { color: var(--fg); border-bottom: 2px solid var(--accent); }
main.wrap { padding-top: 2rem; padding-bottom: 2rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 0.5rem; }
h2 { font-size: 1.15rem; margin: 0 0 0.5rem; }
.lead { color: var(--muted); max-width: 48rem; margin: 0 0 1.5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; }
footer.wrap { color: var(--muted); font-size: 0.85rem; padding-top: 1rem; padding-bottom: 2rem; }
button, .button { font: inherit; font-size: 0.9rem; border: 1px solid var(--line); background: var(--card); color: var(--fg);
  border-radius: 6px; padding: 0.35rem 0.8rem; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-fg); font-weight: 600; }
input[type="text"], input[type="password"], textarea { font: inherit; font-size: 0.95rem; width: 100%; padding: 0.45rem 0.6rem;
  border: 1px solid var(--muted); border-radius: 6px; background: var(--bg); color: var(--fg); }
.hint { color: var(--muted); font-size: 0.85rem; margin: 0.25rem 0 0; }
.problem { color: var(--bad); font-size: 0.875rem; margin: 0.25rem 0 0; }
[hidden] { display: none !important; }
`;

export interface LayoutOptions {
  readonly title: string;
  readonly basePath: string;
  readonly version: string;
  readonly current: 'usage' | 'sessions';
  readonly css: string;
  readonly body: string;
  readonly script: string;
}

/** A whole page: the shell around `body`, with `css` after the shared CSS and `script` inline at the end. */
export function renderLayout(options: LayoutOptions): string {
  const base = escapeHtml(options.basePath);
  const link = (page: LayoutOptions['current'], href: string, label: string) =>
    `<li><a href="${base}${href}"${options.current === page ? ' aria-current="page"' : ''}>${label}</a></li>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(options.title)} · Converge</title>
<style>${PAGE_CSS}${options.css}</style>
</head>
<body data-base-path="${base}">
<a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="wrap">
<a class="brand" href="${base}/">Converge</a>
<nav aria-label="Pages"><ul>${link('usage', '/', 'Get started')}${link('sessions', '/sessions', 'Sessions')}</ul></nav>
</div></header>
<main id="main" class="wrap">
${options.body}
</main>
<footer class="wrap">Converge ${escapeHtml(options.version)} · SSH runs end to end: the relay only passes encrypted bytes.</footer>
<script>${options.script}</script>
</body>
</html>
`;
}
