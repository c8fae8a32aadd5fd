import { createHash } from 'node:crypto';
import { SESSIONS_SCRIPT } from './client/sessions-script';
import { USAGE_SCRIPT } from './client/usage-script';
import { escapeHtml, inlineCode } from './html';
import { WEB_PATHS, commandsResponse } from './routes';
import { pageHeaders } from './security';
import { renderSessionsPage } from './sessions-page';
import { renderUsagePage } from './usage-page';

const relay = { httpBase: 'https://relay.example.com/cv', wsBase: 'wss://relay.example.com/cv' };
const usage = (query: string, basePath = '/cv') =>
  renderUsagePage({ relay, query: new URLSearchParams(query), version: '1.2.3', basePath });
const INJECTION = '"><script>alert(1)</script>';

function inline(html: string, tag: 'script' | 'style'): string {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html);
  if (!match) throw new Error(`no <${tag}>`);
  return match[1]!;
}

describe('escapeHtml', () => {
  it('escapes the five characters that matter', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(inlineCode('run `a<b` now')).toBe('run <code>a&lt;b</code> now');
  });
});

describe('renderUsagePage', () => {
  it('renders an accessible GET form with the commands for the query', () => {
    const html = usage('ci=gitlab&keys=github&user=octocat&id=my-build');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<form class="card choices" id="choices" method="get" action="/cv/">');
    expect(html.match(/<fieldset>/g)).toHaveLength(5);
    expect(html.match(/<legend>/g)).toHaveLength(5);
    expect(html).toContain('<input type="radio" name="mode" id="mode-step" value="step" checked>');
    expect(html).toContain('<label for="field-buildCommand">Build command</label>');
    expect(html).toContain('<input type="radio" name="ci" id="ci-gitlab" value="gitlab" checked>');
    expect(html).toContain('<label for="ci-gitlab">GitLab CI</label>');
    expect(html).toContain('id="field-githubUser" name="user" value="octocat"');
    expect(html).toContain('--github-user octocat --id my-build');
    expect(html).toContain('root@my-build');
    expect(html).toContain('data-copy="job-code"');
    expect(html).toContain('data-base-path="/cv"');
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('prefers-color-scheme: dark');
  });

  it.each([
    ['user', `keys=github&user=${encodeURIComponent(INJECTION)}`],
    ['key', `keys=paste&key=${encodeURIComponent(`ssh-ed25519 AAAAC3Nz ${INJECTION}`)}`],
    ['file', `keys=file&file=${encodeURIComponent(INJECTION)}`],
    ['id', `id=${encodeURIComponent(INJECTION)}`],
    ['unknown', `ci=${encodeURIComponent(INJECTION)}&os=${encodeURIComponent(INJECTION)}`],
  ])('escapes a %s that holds markup', (name, query) => {
    const html = usage(query);
    if (name !== 'unknown') expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('"><script');
  });

  it('echoes an invalid value into its field with the problem beside it', () => {
    const html = usage('user=bad--name');
    expect(html).toContain('value="bad--name"');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toMatch(/<p class="problem" id="problem-githubUser" data-problem-for="githubUser">Not a GitHub user name/);
  });

  it('escapes the relay address and base path', () => {
    const html = renderUsagePage({
      relay: { httpBase: 'https://x/<b>', wsBase: 'wss://x/<b>' },
      query: new URLSearchParams(),
      version: '<v>',
      basePath: '/a"b',
    });
    expect(html).not.toMatch(/<b>|<v>|\/a"b/);
  });
});

describe('renderSessionsPage', () => {
  it('renders the frame the script fills, with test ids and API paths under the base path', () => {
    const html = renderSessionsPage({ basePath: '/cv', version: '1.2.3', tokenRequired: false });
    expect(html).toContain('data-testid="connection-state"');
    expect(html).toContain('data-api="/cv/api/sessions" data-events="/cv/api/sessions/events"');
    expect(html).toContain('No agents connected.');
    expect(html).toContain('<form class="card token" id="token-form" hidden>');
    expect(html).toContain('data-token-required="false"');
  });

  it('shows the token form when a token is required', () => {
    const html = renderSessionsPage({ basePath: '', version: '1', tokenRequired: true });
    expect(html).toContain('<form class="card token" id="token-form">');
    expect(html).toContain('data-token-required="true"');
    expect(html).toContain('Wrong token');
  });

  it('escapes the base path', () => {
    expect(renderSessionsPage({ basePath: '/"><x', version: '<v>', tokenRequired: false })).not.toMatch(/"><x|<v>/);
  });
});

describe('inline scripts', () => {
  it.each([
    ['usage', USAGE_SCRIPT],
    ['sessions', SESSIONS_SCRIPT],
  ])('the %s script parses and cannot end its <script> element early', (_name, script) => {
    expect(() => new Function(script)).not.toThrow();
    expect(script).not.toMatch(/<\/script|<!--/i);
  });

  it('builds data into the DOM without innerHTML', () => {
    expect(SESSIONS_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect(USAGE_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('calls the paths the relay serves', () => {
    expect(USAGE_SCRIPT).toContain(`'${WEB_PATHS.commands}?'`);
    expect(SESSIONS_SCRIPT).toContain("new EventSource(eventsUrl + tokenQuery())");
  });
});

describe('pageHeaders', () => {
  it.each([
    ['usage', usage('')],
    ['sessions', renderSessionsPage({ basePath: '', version: '1', tokenRequired: true })],
  ] as const)('allows exactly the inline script and style of the %s page', (page, html) => {
    const csp = pageHeaders(page)['content-security-policy']!;
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(csp).toContain(`script-src ${hash(inline(html, 'script'))}`);
    expect(csp).toContain(`style-src ${hash(inline(html, 'style'))}`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
  });
});

describe('commandsResponse', () => {
  it('answers the commands API from the query', () => {
    const response = commandsResponse(relay, new URLSearchParams('ci=shell&keys=file&file=/k'));
    expect(response.job.language).toBe('sh');
    expect(JSON.parse(JSON.stringify(response))).toEqual(response);
  });
});
