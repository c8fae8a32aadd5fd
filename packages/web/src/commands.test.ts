import { execFileSync } from 'node:child_process';
import { CI_SYSTEMS, CLIENT_SYSTEMS, KEY_SOURCES, START_CONDITIONS, parseUsageChoices, type UsageChoices } from './choices';
import { hostKeyAlias } from '@converge/protocol';
import { HOST_KEY_PLACEHOLDER, ID_PLACEHOLDER, buildCommands } from './commands';

const FINGERPRINT = 'SHA256:Xq2vTjZ3oTr0l8lB+GUzW4Yb2Qm/3b0V0t5tGDs5oEQ';

const relay = { httpBase: 'https://relay.example.com/cv', wsBase: 'wss://relay.example.com/cv' };
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkx it's $(rm -rf ~) \"me\" ${{ secrets.X }} 100% a&b";
const PATH = "/tmp/it's a \"dir\"/$HOME/keys";

function choices(query: Record<string, string>): UsageChoices {
  return parseUsageChoices(new URLSearchParams(query));
}

/** Runs POSIX shell text with `npx` and `ssh` replaced by functions that print their arguments. */
function runPosix(text: string): string[] {
  const prelude =
    'npx() { for a in "$@"; do printf "arg:%s\\n" "$a"; done; printf "env:%s\\n" "$CONVERGE_AUTHORIZED_KEYS"; }\n' +
    'ssh() { for a in "$@"; do printf "arg:%s\\n" "$a"; done; }\n';
  const out = execFileSync('/bin/sh', ['-c', prelude + text], { encoding: 'utf8', env: { PATH: process.env.PATH, USER: 'me' } });
  return out.split('\n').filter(Boolean);
}

describe('buildCommands: every combination', () => {
  const values = { github: { user: 'octocat' }, paste: { key: KEY }, file: { file: PATH } } as const;
  for (const ci of CI_SYSTEMS) {
    for (const keys of KEY_SOURCES) {
      for (const os of CLIENT_SYSTEMS) {
        for (const when of START_CONDITIONS) {
          for (const id of ['', 'my-build']) {
            it(`${ci} ${keys} ${os} ${when} ${id || 'no-id'}`, () => {
              const hostkey = id ? FINGERPRINT : '';
              const c = choices({ ci, keys, os, when, id, hostkey, ...values[keys] });
              const commands = buildCommands(c, relay);
              const job = commands.job.text;
              expect(job).toContain('@converge/agent');
              expect(job).toContain('wss://relay.example.com/cv');
              if (keys === 'github') expect(job).toContain('--github-user octocat');
              if (keys === 'file') expect(job).toContain('--authorized-keys');
              if (keys === 'paste') expect(job).toContain('CONVERGE_AUTHORIZED_KEYS');
              else expect(job).not.toContain('CONVERGE_AUTHORIZED_KEYS');
              expect(job.includes('--id my-build')).toBe(id !== '');
              const shownId = id || ID_PLACEHOLDER;
              expect(commands.connect.text).toContain(`wss://relay.example.com/cv/client/${shownId}`);
              expect(commands.sshConfig.text).toContain(`Host ${shownId}.converge`);
              expect(commands.sshConfig.text).toContain('/client/%h');
              // The host key is pinned in every command, never trusted on first use.
              const pin = hostkey || HOST_KEY_PLACEHOLDER;
              expect(commands.connect.text).toContain(`--host-key ${pin}`);
              expect(commands.connect.text).toContain('StrictHostKeyChecking=accept-new');
              expect(commands.sshConfig.text).toContain(`--host-key ${pin}`);
              expect(commands.sshConfig.text).toContain('StrictHostKeyChecking accept-new');
              if (hostkey) expect(commands.sshConfig.text).toContain(`HostKeyAlias ${hostKeyAlias(id, hostkey)}`);
              expect(`${commands.connect.text} ${commands.notes.join(' ')}`).not.toMatch(/ssh-keygen -R|StrictHostKeyChecking=no|UserKnownHostsFile=\/dev\/null/);
              expect(commands.sshConfig.connect).toBe(`ssh ${shownId}.converge`);
              if (os === 'windows') {
                expect(commands.connect.text).toContain('ProxyCommand="npx.cmd -y @converge/wsproxy');
                expect(commands.sshConfig.text).toContain('ProxyCommand npx.cmd -y');
                expect(commands.notes.join(' ')).toMatch(/untested/);
              } else {
                expect(commands.connect.text).toContain("ProxyCommand='npx -y @converge/wsproxy");
              }
              const user = ci === 'github' ? 'runner' : ci === 'gitlab' ? 'root' : '';
              expect(commands.connect.text.endsWith(` ${user ? `${user}@` : ''}${shownId}`)).toBe(true);
              expect(commands.notes.length).toBeGreaterThan(2);
            });
          }
        }
      }
    }
  }
});

describe('buildCommands: GitHub Actions', () => {
  it('writes a bash step with the condition, the key in env and expressions escaped', () => {
    const { job } = buildCommands(choices({ ci: 'github', keys: 'paste', key: KEY, when: 'always', id: 'abc' }), relay);
    expect(job.language).toBe('yaml');
    const lines = job.text.split('\n');
    expect(lines.slice(0, 4)).toEqual(['- name: Debug with Converge', '  if: ${{ always() }}', '  shell: bash', '  env:']);
    const envLine = lines[4]!;
    expect(envLine.startsWith('    CONVERGE_AUTHORIZED_KEYS: "')).toBe(true);
    // A YAML double-quoted scalar with only \\ and \" escapes reads like JSON; GitHub then turns ${{ '${{' }} into ${{.
    const value = JSON.parse(envLine.slice(envLine.indexOf('"'))) as string;
    expect(value.replace("${{ '${{' }}", '${{')).toBe(KEY);
    expect(lines[5]).toBe('  run: |');
    expect(lines[6]).toBe('    npx -y @converge/agent wss://relay.example.com/cv --id abc');
  });

  it('uses failure() by default', () => {
    expect(buildCommands(choices({}), relay).job.text).toContain('if: ${{ failure() }}');
  });
});

describe('buildCommands: GitLab CI', () => {
  it('runs the agent in after_script only when the job failed', () => {
    const { job } = buildCommands(choices({ ci: 'gitlab', user: 'octocat' }), relay);
    expect(job.text).toContain('after_script:');
    expect(job.text).toContain('RUNNER_AFTER_SCRIPT_TIMEOUT: 30m');
    expect(job.text).toContain('if [ "$CI_JOB_STATUS" = failed ]; then');
    const script = job.text.slice(job.text.indexOf('- |') + 4).replace(/^ {6}/gm, '');
    expect(runPosix(`CI_JOB_STATUS=failed\n${script}`)).toContain('arg:octocat');
    expect(runPosix(`CI_JOB_STATUS=success\n${script}`)).toEqual([]);
  });

  it('escapes $ in the key variable', () => {
    const { job } = buildCommands(choices({ ci: 'gitlab', keys: 'paste', key: KEY, when: 'always' }), relay);
    expect(job.text).toContain('$$(rm -rf ~)');
    expect(job.text).not.toContain('if [');
  });
});

describe('buildCommands: POSIX shell round trips', () => {
  it('passes a nasty key and path through unchanged', () => {
    const paste = runPosix(buildCommands(choices({ ci: 'shell', keys: 'paste', key: KEY, id: 'abc' }), relay).job.text);
    expect(paste).toEqual(['arg:-y', 'arg:@converge/agent', 'arg:wss://relay.example.com/cv', 'arg:--id', 'arg:abc', `env:${KEY}`]);
    const file = runPosix(buildCommands(choices({ ci: 'shell', keys: 'file', file: PATH }), relay).job.text);
    expect(file).toEqual(['arg:-y', 'arg:@converge/agent', 'arg:wss://relay.example.com/cv', 'arg:--authorized-keys', `arg:${PATH}`, 'env:']);
  });

  it('builds an ssh command whose ProxyCommand is one argument', () => {
    const { connect } = buildCommands(choices({ ci: 'shell', id: 'abc', hostkey: FINGERPRINT }), relay);
    expect(runPosix(connect.text)).toEqual([
      'arg:-o',
      `arg:ProxyCommand=npx -y @converge/wsproxy --host-key ${FINGERPRINT} wss://relay.example.com/cv/client/abc`,
      'arg:-o',
      `arg:HostKeyAlias=${hostKeyAlias('abc', FINGERPRINT)}`,
      'arg:-o',
      'arg:StrictHostKeyChecking=accept-new',
      'arg:abc',
    ]);
  });

  it('quotes an odd relay URL inside the ProxyCommand and escapes % for ssh', () => {
    const odd = { httpBase: 'http://[fe80::1%25eth0]:8080', wsBase: 'ws://[fe80::1%25eth0]:8080' };
    const { connect, sshConfig } = buildCommands(choices({ ci: 'github', id: 'abc', hostkey: FINGERPRINT }), odd);
    const proxy = runPosix(connect.text)[1]!.slice('arg:ProxyCommand='.length);
    expect(proxy).toBe(`npx -y @converge/wsproxy --host-key ${FINGERPRINT} 'ws://[fe80::1%%25eth0]:8080'/client/abc`);
    // ssh turns %% into % and runs the command with the shell: the URL arrives whole.
    expect(runPosix(proxy.replace(/%%/g, '%'))).toContain('arg:ws://[fe80::1%25eth0]:8080/client/abc');
    expect(sshConfig.text).toContain(`ProxyCommand npx -y @converge/wsproxy --host-key ${FINGERPRINT} 'ws://[fe80::1%%25eth0]:8080'/client/%h`);
  });
});

describe('buildCommands: Windows shells', () => {
  it('writes PowerShell with a verbatim key string and a quoted package name', () => {
    const { job } = buildCommands(choices({ ci: 'powershell', keys: 'paste', key: KEY }), relay);
    expect(job.language).toBe('powershell');
    expect(job.text).toContain(`$env:CONVERGE_AUTHORIZED_KEYS = '${KEY.replace(/'/g, "''")}'`);
    expect(job.text).toContain("npx -y '@converge/agent' wss://relay.example.com/cv");
  });

  it('writes a batch file with call, caret-escaped set and quoted paths', () => {
    const paste = buildCommands(choices({ ci: 'cmd', keys: 'paste', key: KEY }), relay).job;
    expect(paste.language).toBe('bat');
    expect(paste.text).toContain('set CONVERGE_AUTHORIZED_KEYS=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHkx it\'s $^(rm -rf ~^) ^"me^" ${{ secrets.X }} 100%% a^&b');
    const file = buildCommands(choices({ ci: 'cmd', keys: 'file', file: 'C:\\my keys\\a&b%' }), relay).job;
    expect(file.text).toContain('call npx -y @converge/agent wss://relay.example.com/cv --authorized-keys "C:\\my keys\\a&b%%"');
  });
});

describe('buildCommands: placeholders and notes', () => {
  it('shows placeholders for missing values and asks for them', () => {
    const commands = buildCommands(choices({ ci: 'gitlab', keys: 'github' }), relay);
    expect(commands.job.text).toContain('--github-user <your-github-user>');
    expect(commands.notes.join('\n')).toMatch(/Fill in your GitHub user name/);
  });

  it('on GitHub Actions, access defaults to the workflow\'s actor, written for GitHub to expand', () => {
    const commands = buildCommands(choices({ ci: 'github', keys: 'github' }), relay);
    expect(commands.job.text).toContain('npx -y @converge/agent wss://relay.example.com/cv --github-user "${{ github.actor }}"');
    expect(commands.notes.join('\n')).toMatch(/whoever started the workflow run \(`github.actor`\)/);
    // A named user replaces the actor, and stays escaped like any value.
    expect(buildCommands(choices({ ci: 'github', keys: 'github', user: 'octocat' }), relay).job.text).toContain('--github-user octocat');
  });
});

describe('buildCommands: run mode wraps the build command', () => {
  const wrap = (ci: string, cmd = 'npm test && echo "ok $HOME"') => buildCommands(choices({ ci, keys: 'github', user: 'octocat', mode: 'wrap', cmd }), relay);

  it('GitHub: the build step itself, always run, its exit code kept', () => {
    const { job, notes } = wrap('github');
    expect(job.text).toBe([
      '- name: Build (Converge opens a shell if it fails)',
      '  shell: bash',
      '  run: |',
      `    npx -y @converge/agent run wss://relay.example.com/cv --github-user octocat --when failure -- sh -c 'npm test && echo "ok $HOME"'`,
    ].join('\n'));
    expect(notes.join('\n')).toMatch(/keeps its exit code/);
  });

  it('GitLab: in script, not after_script', () => {
    expect(wrap('gitlab').job.text).toMatch(/^your-job:.*\n {2}script:\n {4}- \|\n {6}npx -y @converge\/agent run .* --when failure -- sh -c 'npm test && echo "ok \$HOME"'$/s);
  });

  it('shell, PowerShell and cmd run the command with their own shell', () => {
    expect(wrap('shell').job.text).toMatch(/^# Run this instead of the build command: .*\nnpx -y @converge\/agent run .* -- sh -c 'npm test && echo "ok \$HOME"'$/);
    // PowerShell would take a bare -- and -NoProfile for itself: quoted, they reach npx.
    expect(wrap('powershell').job.text).toContain(`--when failure '--' powershell '-NoProfile' '-Command' 'npm test && echo "ok $HOME"'`);
    expect(wrap('cmd').job.text).toContain(`call npx -y @converge/agent run wss://relay.example.com/cv --github-user octocat --when failure -- cmd /d /c "npm test && echo ""ok $HOME"""`);
  });

  it('asks for the command until given; --when follows the choice', () => {
    const empty = buildCommands(choices({ ci: 'github', keys: 'github', user: 'octocat', mode: 'wrap', when: 'always' }), relay);
    expect(empty.job.text).toContain('--when always -- sh -c <your build command>');
    expect(empty.notes.join('\n')).toMatch(/Fill in your build command/);
    expect(choices({ mode: 'wrap', cmd: 'a\u0007b' }).problems).toEqual([{ field: 'buildCommand', message: expect.stringMatching(/one line/) }]);
  });

  it('explains custom ids and passes problems on', () => {
    const commands = buildCommands(choices({ id: 'abc', user: 'bad--user' }), relay);
    expect(commands.notes.join('\n')).toMatch(/easy to guess/);
    expect(commands.problems).toEqual([expect.objectContaining({ field: 'githubUser' })]);
  });
});
