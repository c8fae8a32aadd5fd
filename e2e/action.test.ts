// The GitHub Action (action.yml + action/agent-command.mjs), exercised on this machine without GitHub:
// its step's environment matches its inputs, the agent command line it builds for every input
// combination, its refusals, and its step run for real (npx pointing at the local build) against a relay.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, makeKey, npxShim, ROOT, run, startRelay, tempDir } from './harness';

const SCRIPT = join(ROOT, 'action', 'agent-command.mjs');
const ACTION = readFileSync(join(ROOT, 'action.yml'), 'utf8');

/** The step's command as action.yml writes it, with GITHUB_ACTION_PATH at the repository. */
const stepCommand = (): string => /^\s+run: (.+)$/m.exec(ACTION)![1]!.replace('$GITHUB_ACTION_PATH', ROOT);

function print(env: Record<string, string>): Promise<{ code: number | null; args: string[]; stderr: string }> {
  return run(process.execPath, [SCRIPT, '--print'], { env: { INPUT_RELAY: 'wss://relay.example.com', ...env } }).then((r) => ({ code: r.code, args: r.stdout.split('\n').filter(Boolean), stderr: r.stderr }));
}

describe('the GitHub Action', () => {
  afterAll(cleanup);

  it('passes every input to its step, and the keys and token only through the environment', () => {
    const inputs = [...ACTION.matchAll(/^ {2}([a-z-]+):\n {4}description:/gm)].map((m) => m[1]!);
    expect(inputs).toEqual(['relay', 'run', 'when', 'limit-access-to-actor', 'github-users', 'authorized-keys', 'authorized-keys-file', 'id', 'connect-timeout', 'idle-timeout', 'max-duration', 'token', 'version']);
    for (const name of inputs) {
      const variable = name === 'authorized-keys' ? 'CONVERGE_AUTHORIZED_KEYS' : name === 'token' ? 'CONVERGE_TOKEN' : `INPUT_${name.toUpperCase().replace(/-/g, '_')}`;
      expect(ACTION).toContain(`        ${variable}: \${{ inputs.${name} }}`);
    }
    expect(ACTION).toContain('        ACTOR: ${{ github.actor }}');
    expect(stepCommand()).toBe(`node "${ROOT}/action/agent-command.mjs"`);
  });

  const combos: [string, Record<string, string>][] = [];
  for (const runCommand of ['', 'make test']) {
    for (const when of ['failure', 'always', 'during']) {
      for (const limit of ['true', 'false']) {
        for (const users of ['', 'alice, bob']) {
          for (const id of ['', 'my-build']) {
            combos.push([`${runCommand || 'no run'} ${when} limit=${limit} users=${users || '-'} id=${id || '-'}`, { INPUT_RUN: runCommand, INPUT_WHEN: when, INPUT_LIMIT_ACCESS_TO_ACTOR: limit, INPUT_GITHUB_USERS: users, INPUT_ID: id, ACTOR: 'octocat' }]);
          }
        }
      }
    }
  }

  it.each(combos)('builds the agent command line: %s', async (_name, env) => {
    const { code, args } = await print(env);
    expect(code).toBe(0);
    expect(args.slice(0, 3)).toEqual(['npx', '-y', '@converge/agent@latest']);
    const rest = args.slice(3);
    if (env.INPUT_RUN) {
      expect(rest.slice(0, 4)).toEqual(['run', 'wss://relay.example.com', '--when', env.INPUT_WHEN]);
      expect(rest.slice(-6)).toEqual(['--', 'bash', '-eo', 'pipefail', '-c', 'make test']);
    } else {
      expect(rest[0]).toBe('wss://relay.example.com');
      expect(rest).not.toContain('--when');
    }
    const users = rest.flatMap((a, i) => (rest[i - 1] === '--github-user' ? [a] : []));
    expect(users).toEqual([...(env.INPUT_LIMIT_ACCESS_TO_ACTOR === 'true' ? ['octocat'] : []), ...(env.INPUT_GITHUB_USERS ? ['alice', 'bob'] : [])]);
    expect(rest.includes('--id')).toBe(env.INPUT_ID !== '');
  });

  it('refuses bad inputs with one line and exit 2', async () => {
    expect(await print({ INPUT_RELAY: '' })).toMatchObject({ code: 2, stderr: "converge action: input relay is required (the relay's base URL, e.g. wss://relay.example.com)\n" });
    expect(await print({ INPUT_RUN: 'x', INPUT_WHEN: 'sometimes' })).toMatchObject({ code: 2, stderr: 'converge action: input when must be failure, always or during, not "sometimes"\n' });
    expect((await print({ INPUT_IDLE_TIMEOUT: 'soon' })).stderr).toMatch(/input idle-timeout must be a duration/);
  });

  it('its step runs the job, keeps its exit code, and opens a session only when the job failed', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'person');
    const relay = await startRelay();
    const bin = npxShim();
    const env = (command: string) => ({
      PATH: `${bin}:${process.env.PATH}`,
      INPUT_RELAY: relay.wsUrl,
      INPUT_RUN: command,
      INPUT_WHEN: 'failure',
      INPUT_LIMIT_ACCESS_TO_ACTOR: 'false',
      INPUT_CONNECT_TIMEOUT: '1s',
      CONVERGE_AUTHORIZED_KEYS: key.publicLine,
    });
    const passed = await run('sh', ['-c', stepCommand()], { env: env('echo built; exit 0') });
    expect(passed).toMatchObject({ code: 0, stdout: 'built\n' });
    const failed = await run('sh', ['-c', stepCommand()], { env: env('echo built; false; echo never') });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^built\n/);
    expect(failed.stdout).toContain('is ready');
    expect(failed.stdout).not.toContain('never');
    expect(failed.stderr).toContain('nobody logged in within 1s');
  });
});
