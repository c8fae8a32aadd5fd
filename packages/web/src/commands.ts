// The exact commands for a set of usage choices: the CI step that starts the agent, the ssh command to
// connect, an ~/.ssh/config block, and notes. Pure; every value is quoted for the shell it lands in.
import { hostKeyAlias } from '@converge/protocol';
import type { ChoiceProblem, UsageChoices } from './choices';
import {
  escapeCmdSetValue,
  escapeGithubExpressions,
  escapeGitlabVariable,
  escapeSshPercent,
  powerShellString,
  quoteCmd,
  quotePosix,
  quotePowerShellArg,
  quoteYaml,
} from './quote';

export type JobLanguage = 'yaml' | 'sh' | 'powershell' | 'bat';

export interface RelayBases {
  readonly httpBase: string;
  readonly wsBase: string;
}

export interface UsageCommands {
  readonly job: { readonly title: string; readonly language: JobLanguage; readonly text: string };
  readonly connect: { readonly text: string };
  /** `text` goes into the file at `path`; then `connect` is all there is to type. */
  readonly sshConfig: { readonly path: string; readonly text: string; readonly connect: string };
  /** Plain text; `code` spans are marked with backticks. */
  readonly notes: readonly string[];
  /** What was wrong with the submitted choices (the fields fell back to empty). */
  readonly problems: readonly ChoiceProblem[];
}

export const AUTHORIZED_KEYS_ENV = 'CONVERGE_AUTHORIZED_KEYS';
export const ID_PLACEHOLDER = '<id printed by the job>';
export const HOST_KEY_PLACEHOLDER = 'SHA256:<host key printed by the job>';
export const SSH_HOST_SUFFIX = '.converge';
/** GitLab ends after_script after 5 minutes unless told otherwise; a debugging session needs longer. */
const GITLAB_AFTER_SCRIPT_TIMEOUT = '30m';

/** Text the person has to fill in: shown as is, never quoted. */
interface Placeholder {
  readonly placeholder: string;
}
type Arg = string | Placeholder;

function render(arg: Arg, quote: (value: string) => string): string {
  return typeof arg === 'string' ? quote(arg) : arg.placeholder;
}

function commandLine(args: readonly Arg[], quote: (value: string) => string): string {
  return args.map((arg) => render(arg, quote)).join(' ');
}

/** In a GitHub Actions step, the login of whoever started the run: access limited to them by default. */
const GITHUB_ACTOR: Placeholder = { placeholder: '"${{ github.actor }}"' };

function keyArgs(choices: UsageChoices): Arg[] {
  switch (choices.keys) {
    case 'github':
      return ['--github-user', choices.githubUser || (choices.ci === 'github' ? GITHUB_ACTOR : { placeholder: '<your-github-user>' })];
    case 'file':
      return ['--authorized-keys', choices.keyFile || { placeholder: '<path-to-authorized_keys>' }];
    case 'paste':
      return [];
  }
}

/** The build command as the CI's shell runs it: the agent's run mode takes a program, not a shell line. */
function buildCommandArgs(choices: UsageChoices): Arg[] {
  const command: Arg = choices.buildCommand || { placeholder: '<your build command>' };
  if (choices.ci === 'powershell') return ['powershell', '-NoProfile', '-Command', command];
  if (choices.ci === 'cmd') return ['cmd', '/d', '/c', command];
  return ['sh', '-c', command];
}

function agentArgs(choices: UsageChoices, wsBase: string): Arg[] {
  const common = [...keyArgs(choices), ...(choices.id ? ['--id', choices.id] : [])];
  if (choices.mode === 'wrap') {
    return ['npx', '-y', '@converge/agent', 'run', wsBase, ...common, '--when', choices.when, '--', ...buildCommandArgs(choices)];
  }
  return ['npx', '-y', '@converge/agent', wsBase, ...common];
}

/** A placeholder in a GitHub step stays as written (the actor expression must reach GitHub unescaped). */
function githubCommandLine(args: readonly Arg[]): string {
  return args.map((arg) => (typeof arg === 'string' ? escapeGithubExpressions(quotePosix(arg)) : arg.placeholder)).join(' ');
}

/** The pasted key for CONVERGE_AUTHORIZED_KEYS, or undefined when keys come from elsewhere. */
function keyEnv(choices: UsageChoices): Arg | undefined {
  if (choices.keys !== 'paste') return undefined;
  return choices.publicKey || { placeholder: '<your public key: ssh-ed25519 AAAA...>' };
}

function indent(text: string, spaces: number): string {
  return text.replace(/^/gm, ' '.repeat(spaces));
}

function githubStep(choices: UsageChoices, wsBase: string): string {
  const key = keyEnv(choices);
  const run = githubCommandLine(agentArgs(choices, wsBase));
  const wrap = choices.mode === 'wrap';
  return [
    wrap ? '- name: Build (Converge opens a shell if it fails)' : '- name: Debug with Converge',
    // Wrapped, the step is the build itself: it always runs, and its exit code is the build's.
    ...(wrap ? [] : [`  if: \${{ ${choices.when}() }}`]),
    '  shell: bash',
    ...(key ? ['  env:', `    ${AUTHORIZED_KEYS_ENV}: ${render(key, (v) => quoteYaml(escapeGithubExpressions(v)))}`] : []),
    '  run: |',
    indent(run, 4),
  ].join('\n');
}

function gitlabJob(choices: UsageChoices, wsBase: string): string {
  const key = keyEnv(choices);
  const run = commandLine(agentArgs(choices, wsBase), quotePosix);
  if (choices.mode === 'wrap') {
    return [
      'your-job:  # the job to debug; keep its image',
      ...(key ? ['  variables:', `    ${AUTHORIZED_KEYS_ENV}: ${render(key, (v) => quoteYaml(escapeGitlabVariable(v)))}`] : []),
      '  script:',
      '    - |',
      indent(run, 6),
    ].join('\n');
  }
  const script =
    choices.when === 'failure' ? ['if [ "$CI_JOB_STATUS" = failed ]; then', `  ${run}`, 'fi'].join('\n') : run;
  return [
    'your-job:  # the job to debug; keep its image and script',
    '  variables:',
    `    RUNNER_AFTER_SCRIPT_TIMEOUT: ${GITLAB_AFTER_SCRIPT_TIMEOUT}`,
    ...(key ? [`    ${AUTHORIZED_KEYS_ENV}: ${render(key, (v) => quoteYaml(escapeGitlabVariable(v)))}`] : []),
    '  after_script:',
    '    - |',
    indent(script, 6),
  ].join('\n');
}

const WHEN_COMMENT = {
  failure: 'Run this when a build step fails.',
  always: 'Run this at the end of the job.',
} as const;

/** The comment above the job's lines. */
function whenComment(choices: UsageChoices): string {
  if (choices.mode === 'wrap') return `Run this instead of the build command: it runs it and keeps its exit code${choices.when === 'failure' ? '; a failure opens the shell.' : ', then opens the shell.'}`;
  return WHEN_COMMENT[choices.when];
}

function shellLines(choices: UsageChoices, wsBase: string): string {
  const key = keyEnv(choices);
  return [
    `# ${whenComment(choices)}`,
    ...(key ? [`export ${AUTHORIZED_KEYS_ENV}=${render(key, quotePosix)}`] : []),
    commandLine(agentArgs(choices, wsBase), quotePosix),
  ].join('\n');
}

function powershellLines(choices: UsageChoices, wsBase: string): string {
  const key = keyEnv(choices);
  return [
    `# ${whenComment(choices)}`,
    ...(key ? [`$env:${AUTHORIZED_KEYS_ENV} = ${render(key, powerShellString)}`] : []),
    commandLine(agentArgs(choices, wsBase), quotePowerShellArg),
  ].join('\n');
}

function cmdLines(choices: UsageChoices, wsBase: string): string {
  const key = keyEnv(choices);
  return [
    `REM ${whenComment(choices)}`,
    ...(key ? [`set ${AUTHORIZED_KEYS_ENV}=${render(key, escapeCmdSetValue)}`] : []),
    `call ${commandLine(agentArgs(choices, wsBase), quoteCmd)}`,
  ].join('\n');
}

function jobSnippet(choices: UsageChoices, wsBase: string): UsageCommands['job'] {
  switch (choices.ci) {
    case 'github':
      return {
        title: choices.mode === 'wrap' ? 'Use this step for your build in your GitHub Actions job' : 'Add this step at the end of your GitHub Actions job',
        language: 'yaml',
        text: githubStep(choices, wsBase),
      };
    case 'gitlab':
      return { title: 'Add this to your GitLab CI job', language: 'yaml', text: gitlabJob(choices, wsBase) };
    case 'shell':
      return { title: 'Run this in the job (sh, bash, zsh)', language: 'sh', text: shellLines(choices, wsBase) };
    case 'powershell':
      return { title: 'Run this in the job (PowerShell)', language: 'powershell', text: powershellLines(choices, wsBase) };
    case 'cmd':
      return { title: 'Put this in the job’s batch script (cmd)', language: 'bat', text: cmdLines(choices, wsBase) };
  }
}

/** The user name to log in as: any name works, but these match what the job runs as. Elsewhere none is
 *  written: ssh then sends the local user name (`$USER@` would break where USER is unset). */
function loginUser(choices: UsageChoices): string | undefined {
  if (choices.ci === 'github') return 'runner';
  if (choices.ci === 'gitlab') return 'root';
  return undefined;
}

/**
 * The person's commands pin the agent's host key: wsproxy --host-key refuses any other agent, and ssh
 * files the key under an alias unique to it (StrictHostKeyChecking accept-new, never a prompt, never
 * `ssh-keygen -R`). Until the person pastes the fingerprint from the job log, a placeholder stands.
 */
function connectCommands(choices: UsageChoices, wsBase: string): Pick<UsageCommands, 'connect' | 'sshConfig'> {
  const id = choices.id || ID_PLACEHOLDER;
  const fingerprint = choices.hostKey || HOST_KEY_PLACEHOLDER;
  const alias = choices.id && choices.hostKey ? hostKeyAlias(choices.id, choices.hostKey) : `${id}~<start of the host key>`;
  const user = loginUser(choices);
  const target = user ? `${user}@${id}` : id;
  const windows = choices.os === 'windows';
  const npx = windows ? 'npx.cmd' : 'npx';
  // ssh runs ProxyCommand through the shell on Linux/macOS; Windows' ssh gets no inner quoting (untested).
  const base = windows ? wsBase : quotePosix(wsBase);
  const proxy = (host: string) => `${npx} -y @converge/wsproxy --host-key ${fingerprint} ${escapeSshPercent(base)}/client/${host}`;
  const pin = `-o HostKeyAlias=${windows ? alias : quotePosix(alias)} -o StrictHostKeyChecking=accept-new`;
  const connect = windows
    ? `ssh -o ProxyCommand="${proxy(id)}" ${pin} ${target}`
    : `ssh -o ProxyCommand=${quotePosix(proxy(id))} ${pin} ${target}`;
  const configUser = user ? [`  User ${user}`] : [];
  return {
    connect: { text: connect },
    sshConfig: {
      path: windows ? '%USERPROFILE%\\.ssh\\config' : '~/.ssh/config',
      text: [`Host ${id}${SSH_HOST_SUFFIX}`, `  ProxyCommand ${proxy('%h')}`, `  HostKeyAlias ${alias}`, '  StrictHostKeyChecking accept-new', ...configUser].join('\n'),
      connect: `ssh ${id}${SSH_HOST_SUFFIX}`,
    },
  };
}

function notes(choices: UsageChoices): string[] {
  const list: string[] = [
    choices.hostKey
      ? 'wsproxy --host-key refuses any agent whose host key is not the one you pasted, so nobody (not even the relay) can stand in for your job.'
      : 'Paste the host key the job prints (`Host key: SHA256:...`) above: the commands then refuse any agent but yours, with no prompt.',
    'The job waits for you until you exit your shell, or until nobody types for 10 minutes. If your connection drops, your shell keeps running: ssh again and you are back in it. `touch $agentdir/.hold` before you exit keeps the agent waiting for another login (still until idle).',
  ];
  if (choices.id) {
    list.push(
      `The id \`${choices.id}\` is easy to guess, but only your keys can log in, and the host key pin keeps impostors out. Each run has a new host key: paste the new one.`,
    );
  } else {
    list.push('Without a chosen id, the agent makes up a new one each run; use it where the commands say `<id printed by the job>`.');
  }
  if (choices.keys === 'github') {
    list.push(
      choices.githubUser
        ? `Every key listed at https://github.com/${choices.githubUser}.keys can log in.`
        : choices.ci === 'github'
          ? 'Only the keys of whoever started the workflow run (`github.actor`) can log in; name a GitHub user above to let someone else in.'
          : 'Fill in your GitHub user name above: its public keys (https://github.com/NAME.keys) can log in.',
    );
  } else if (choices.keys === 'paste') {
    list.push(choices.publicKey ? 'A public key is no secret: it may sit in the CI file.' : 'Paste your public key above (the one line in `~/.ssh/id_ed25519.pub`).');
  } else {
    list.push('The file lies on the CI machine (for example in your repository), in authorized_keys format: one key per line.');
  }
  if (choices.mode === 'wrap') {
    list.push(
      choices.buildCommand
        ? 'The build runs exactly as before and the job keeps its exit code, even if the relay cannot be reached.'
        : 'Fill in your build command above; it runs exactly as before and the job keeps its exit code.',
    );
  }
  if (choices.ci === 'github') list.push('GitHub-hosted runners come with Node.js; self-hosted ones need Node.js 18 or later for npx.');
  if (choices.ci === 'gitlab') {
    list.push(
      'The job image needs Node.js 18 or later for npx (for example `image: node:20`).',
      `GitLab ends after_script after 5 minutes by default; \`RUNNER_AFTER_SCRIPT_TIMEOUT\` gives you ${GITLAB_AFTER_SCRIPT_TIMEOUT} (within the job's own timeout).`,
    );
  }
  if (choices.ci === 'cmd') list.push('The lines are for a batch file (`.cmd`), as CI systems run cmd steps: there a `%` is written `%%`.');
  if (choices.os === 'windows' || choices.ci === 'powershell' || choices.ci === 'cmd') {
    list.push('The Windows commands are untested so far: please report what works.');
  }
  return list;
}

/** All commands for one set of choices, against a relay at `relay`. */
export function buildCommands(choices: UsageChoices, relay: RelayBases): UsageCommands {
  return {
    job: jobSnippet(choices, relay.wsBase),
    ...connectCommands(choices, relay.wsBase),
    notes: notes(choices),
    problems: choices.problems,
  };
}
