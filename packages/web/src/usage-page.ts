// The page at `/`: what Converge is, a form for the person's setup (GET, so it works without
// JavaScript) and the exact commands for it. The inline script updates the commands live.
import { CHOICE_PARAMS, parseUsageChoices, type ChoiceField, type ChoiceProblem, type UsageChoices } from './choices';
import { buildCommands, type RelayBases, type UsageCommands } from './commands';
import { escapeHtml, inlineCode, renderLayout } from './html';
import { USAGE_SCRIPT } from './client/usage-script';

export interface UsagePageContext {
  readonly relay: RelayBases;
  readonly query: URLSearchParams;
  readonly version: string;
  /** `''` or `/base`: where the relay serves the pages and the API. */
  readonly basePath: string;
}

export const USAGE_CSS = `
.usage { display: grid; gap: 1.5rem; }
@media (min-width: 60rem) { .usage { grid-template-columns: minmax(18rem, 25rem) minmax(0, 1fr); align-items: start; } }
.choices fieldset { border: 0; margin: 0; padding: 0.6rem 0 0.6rem; min-width: 0; }
.choices legend { font-weight: 600; padding: 0; }
.choices h2 { margin-bottom: 0.25rem; }
.options { display: flex; flex-wrap: wrap; gap: 0.35rem 1rem; margin-top: 0.35rem; }
.option { display: flex; align-items: center; gap: 0.4rem; }
.option > input { margin: 0; width: 1.1rem; height: 1.1rem; accent-color: var(--accent); }
.stack .option { flex-wrap: wrap; width: 100%; }
.detail { flex-basis: 100%; padding: 0.25rem 0 0.5rem 1.5rem; }
.detail label, .field label { display: block; font-size: 0.875rem; color: var(--muted); margin-bottom: 0.2rem; }
.option:not(:has(> input:checked)) > .detail { display: none; }
.field { padding: 0.6rem 0 0.5rem; }
.field > label { color: var(--fg); font-weight: 600; font-size: 1rem; }
.actions { padding-top: 0.75rem; }
.steps { display: grid; gap: 1.25rem; min-width: 0; }
.step h2.numbered { display: flex; align-items: baseline; gap: 0.5rem; }
.step h2 code { overflow-wrap: anywhere; }
.step .num { display: inline-grid; place-items: center; width: 1.6rem; height: 1.6rem; border-radius: 50%;
  background: var(--accent); color: var(--accent-fg); font-size: 0.9rem; flex: none; }
.code { position: relative; }
.code pre { margin: 0; background: var(--code-bg); border: 1px solid var(--line); border-radius: 8px;
  padding: 0.75rem 4.5rem 0.75rem 0.9rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.code button { position: absolute; top: 0.4rem; right: 0.4rem; }
.step p { margin: 0.5rem 0; }
.notes { margin: 0; padding-left: 1.2rem; color: var(--muted); }
.notes li { margin: 0.3rem 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
`;

const CI_LABELS = { github: 'GitHub Actions', gitlab: 'GitLab CI', shell: 'Any shell (Linux, macOS)', powershell: 'PowerShell', cmd: 'cmd.exe' } as const;
const OS_LABELS = { linux: 'Linux', macos: 'macOS', windows: 'Windows' } as const;
const WHEN_LABELS = { failure: 'When the job fails', always: 'Always' } as const;

function radios<T extends string>(name: string, labels: Record<T, string>, checked: T): string {
  const items = (Object.keys(labels) as T[]).map(
    (value) =>
      `<div class="option"><input type="radio" name="${name}" id="${name}-${value}" value="${value}"${value === checked ? ' checked' : ''}>` +
      `<label for="${name}-${value}">${escapeHtml(labels[value])}</label></div>`,
  );
  return `<div class="options">${items.join('')}</div>`;
}

/** The problem slot under a text field; the script fills it on live updates. */
function problemSlot(field: ChoiceField, problems: readonly ChoiceProblem[]): string {
  const problem = problems.find((p) => p.field === field);
  return `<p class="problem" id="problem-${field}" data-problem-for="${field}"${problem ? '' : ' hidden'}>${problem ? escapeHtml(problem.message) : ''}</p>`;
}

function textInput(field: ChoiceField, query: URLSearchParams, problems: readonly ChoiceProblem[], extra: string): string {
  const invalid = problems.some((p) => p.field === field);
  const value = query.get(CHOICE_PARAMS[field]) ?? '';
  return (
    `<input type="text" id="field-${field}" name="${CHOICE_PARAMS[field]}" value="${escapeHtml(value)}" ${extra} ` +
    `autocomplete="off" autocapitalize="off" spellcheck="false" aria-describedby="problem-${field}"${invalid ? ' aria-invalid="true"' : ''}>` +
    problemSlot(field, problems)
  );
}

function keyOption(value: UsageChoices['keys'], label: string, checked: boolean, detail: string): string {
  return (
    `<div class="option"><input type="radio" name="keys" id="keys-${value}" value="${value}"${checked ? ' checked' : ''}>` +
    `<label for="keys-${value}">${label}</label><div class="detail">${detail}</div></div>`
  );
}

function renderForm(choices: UsageChoices, query: URLSearchParams, basePath: string): string {
  const p = choices.problems;
  const keys = [
    keyOption('github', 'My GitHub account’s keys', choices.keys === 'github',
      `<label for="field-githubUser">GitHub user name</label>${textInput('githubUser', query, p, 'placeholder="octocat" maxlength="39"')}`),
    keyOption('paste', 'A public key I paste', choices.keys === 'paste',
      `<label for="field-publicKey">Public key (one line of your .pub file)</label>${textInput('publicKey', query, p, 'placeholder="ssh-ed25519 AAAA… you@laptop"')}`),
    keyOption('file', 'A file on the CI machine', choices.keys === 'file',
      `<label for="field-keyFile">Path of an authorized_keys file</label>${textInput('keyFile', query, p, 'placeholder=".github/authorized_keys"')}`),
  ];
  return `<form class="card choices" id="choices" method="get" action="${escapeHtml(basePath)}/">
<h2>Your setup</h2>
<fieldset><legend>Where does the job run?</legend>${radios('ci', CI_LABELS, choices.ci)}</fieldset>
<fieldset><legend>Who may log in?</legend><div class="options stack">${keys.join('')}</div></fieldset>
<fieldset><legend>How does the agent start?</legend><div class="options stack">
<div class="option"><input type="radio" name="mode" id="mode-step" value="step"${choices.mode === 'step' ? ' checked' : ''}><label for="mode-step">As a step after the build</label></div>
<div class="option"><input type="radio" name="mode" id="mode-wrap" value="wrap"${choices.mode === 'wrap' ? ' checked' : ''}><label for="mode-wrap">Wrapping the build command (it runs as before and keeps its exit code)</label>
<div class="detail"><label for="field-buildCommand">Build command</label>${textInput('buildCommand', query, p, 'placeholder="npm test" maxlength="1024"')}</div></div>
</div></fieldset>
<fieldset><legend>When should the job wait for you?</legend>${radios('when', WHEN_LABELS, choices.when)}</fieldset>
<fieldset><legend>Your computer</legend>${radios('os', OS_LABELS, choices.os)}</fieldset>
<div class="field"><label for="field-id">Session id (optional)</label>${textInput('id', query, p, 'placeholder="my-build" maxlength="63"')}
<p class="hint">Empty: the job picks a random id each run. A-z, 0-9 and “-”.</p></div>
<div class="field"><label for="field-hostKey">Host key (from the job log)</label>${textInput('hostKey', query, p, 'placeholder="SHA256:…" maxlength="50"')}
<p class="hint">The job prints “Host key: SHA256:…”. With it, your commands refuse any other agent.</p></div>
<div class="actions"><button type="submit" class="primary" data-submit>Show my commands</button></div>
</form>`;
}

function codeBlock(id: string, text: string, label: string): string {
  return `<div class="code"><pre><code id="${id}">${escapeHtml(text)}</code></pre><button type="button" data-copy="${id}" aria-label="Copy ${escapeHtml(label)}" hidden>Copy</button></div>`;
}

function renderCommands(commands: UsageCommands): string {
  const notes = commands.notes.map((note) => `<li>${inlineCode(note)}</li>`).join('');
  return `<section class="steps" aria-labelledby="commands-title">
<h2 id="commands-title" class="visually-hidden">Your commands</h2>
<p class="visually-hidden" role="status" id="update-status"></p>
<div class="step"><h2 class="numbered"><span class="num" aria-hidden="true">1</span><span id="job-title">${escapeHtml(commands.job.title)}</span></h2>
${codeBlock('job-code', commands.job.text, 'the job step')}</div>
<div class="step"><h2 class="numbered"><span class="num" aria-hidden="true">2</span>Connect from your computer</h2>
${codeBlock('connect-code', commands.connect.text, 'the ssh command')}</div>
<div class="step"><h2>Or add this once to <code id="config-path">${escapeHtml(commands.sshConfig.path)}</code></h2>
${codeBlock('config-code', commands.sshConfig.text, 'the ssh config block')}
<p>Then connect with:</p>
${codeBlock('config-connect', commands.sshConfig.connect, 'the short ssh command')}</div>
<div class="step"><h2>Good to know</h2><ul class="notes" id="notes">${notes}</ul></div>
</section>`;
}

/** The usage page for the submitted choices (defaults when the query is empty). */
export function renderUsagePage(context: UsagePageContext): string {
  const choices = parseUsageChoices(context.query);
  const commands = buildCommands(choices, context.relay);
  const body = `<h1>A real SSH shell into your CI job</h1>
<p class="lead">Converge lets you log in to a running CI job with plain OpenSSH: shell, scp, sftp and port
forwards. A small agent in the job dials out to this relay at <code>${escapeHtml(context.relay.httpBase)}</code> and
prints an id; you connect to that id. SSH runs end to end, so the relay only passes encrypted bytes, and only
the keys you choose can log in. Pick your setup, paste the step into your CI file and connect.</p>
<div class="usage">
${renderForm(choices, context.query, context.basePath)}
${renderCommands(commands)}
</div>`;
  return renderLayout({
    title: 'Get started',
    basePath: context.basePath,
    version: context.version,
    current: 'usage',
    css: USAGE_CSS,
    body,
    script: USAGE_SCRIPT,
  });
}
