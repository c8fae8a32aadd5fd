// The three CLIs' command lines as a user meets them, on the built bundles: a mistyped flag or command
// gets a suggestion and exit code 2, `completion` writes a script that real bash uses to complete flags,
// CONVERGE_* variables and the relay's --config FILE start a real relay.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, CLI, run, startProcess, stop, tempDir, waitFor } from './harness';
import { httpGet } from './probes';

afterAll(cleanup);

/** A PATH directory holding the three programs by their installed names, as `npm i -g` leaves them. */
function installedBin(): string {
  const bin = tempDir('converge-bin-');
  for (const [name, file] of [['converge-agent', CLI.agent], ['converge-relay', CLI.relay], ['converge-wsproxy', CLI.wsproxy]] as const) {
    writeFileSync(join(bin, name), `#!/bin/sh\nexec "${process.execPath}" "${file}" "$@"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

describe('command lines', () => {
  it.each([
    ['agent', ['wss://relay.example', '--gihub-user', 'me'], 'converge-agent: unknown option --gihub-user (did you mean --github-user?) (see --help)'],
    ['agent', ['rnu', 'wss://relay.example', '--', 'make'], 'converge-agent: unknown command rnu (did you mean run?) (see --help)'],
    ['relay', ['--max-agent', '5'], 'converge-relay: unknown option --max-agent (did you mean --max-agents?)'],
    ['relay', ['tokn', '--secret', 's'], 'converge-relay: unknown command tokn (did you mean token?)'],
    ['wsproxy', ['--host-kye', 'x', 'wss://r/client/abc'], 'converge-wsproxy: unknown option --host-kye (did you mean --host-key?)'],
  ] as const)('%s %j: one line with a suggestion, exit code 2', async (cli, argv, line) => {
    const result = await run(process.execPath, [CLI[cli], ...argv]);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(line);
    expect(result.stdout).toBe('');
  });

  it('completion: bash completes each program\'s flags from the script it prints', async () => {
    const bin = installedBin();
    for (const [program, word, expected] of [
      ['converge-agent', '--idle', '--idle-timeout'],
      ['converge-relay', '--max-c', '--max-clients-per-agent'],
      ['converge-wsproxy', '--host', '--host-key'],
    ] as const) {
      const script = [
        `source <(${program} completion)`,
        `COMP_WORDS=(${program} ${word}); COMP_CWORD=1`,
        `_${program}_yargs_completions`,
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n');
      const result = await run('bash', ['-c', script], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, SHELL: '/bin/bash' } });
      expect(result.stderr).toBe('');
      expect(result.stdout.split('\n')).toContain(expected);
      expect(result.stdout.split('\n').every((line) => line === '' || line.startsWith(word))).toBe(true);
    }
  });

  it('the relay starts from --config FILE, with flags and CONVERGE_* variables above it', async () => {
    const dir = tempDir();
    const file = join(dir, 'relay.json');
    writeFileSync(file, JSON.stringify({ host: '127.0.0.1', port: 0, 'admin-token': 'from-the-file', 'log-format': 'json', 'max-agents': 3 }));
    const relay = startProcess(process.execPath, [CLI.relay, '--config', file], { env: { CONVERGE_ADMIN_TOKEN: 'from-the-environment' } });
    const url = await waitFor('relay to listen', () => /listening on (http:\/\/\S+)/.exec(relay.stdout())?.[1], 15_000, relay);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(relay.stdout()).toContain('#token=from-the-environment');
    expect((await httpGet(`${url}/healthz`)).status).toBe(200);
    await stop(relay);

    writeFileSync(file, JSON.stringify({ host: '127.0.0.1', port: 0, heartbaet: '5s' }));
    const typo = await run(process.execPath, [CLI.relay], { env: { ...process.env, CONVERGE_RELAY_CONFIG: file } });
    expect(typo.code).toBe(2);
    expect(typo.stderr.split('\n')[0]).toBe(`converge-relay: --config ${file}: unknown setting "heartbaet" (did you mean "heartbeat"?)`);
  });

  it('a bad CONVERGE_* value names the variable', async () => {
    const result = await run(process.execPath, [CLI.relay], { env: { ...process.env, CONVERGE_RELAY_PORT: 'eighty' } });
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('converge-relay: CONVERGE_RELAY_PORT: not a port number: eighty');
  });
});
