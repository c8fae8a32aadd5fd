// The GitLab CI template (gitlab/converge.gitlab-ci.yml), exercised on this machine without GitLab: its
// hidden jobs are valid YAML, their scripts build the agent command line GitLab would run for each choice
// (a stand-in npx prints it), and the run-mode job really runs a build through the agent, keeps its exit
// code with a session open in between.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { childPids } from './probes';
import { cleanup, makeKey, npxShim, ROOT, run, startProcess, startRelay, tempDir, waitFor } from './harness';

interface GitlabJob {
  variables: Record<string, string>;
  script?: string[];
  after_script?: string[];
}

const TEMPLATE = load(readFileSync(join(ROOT, 'gitlab', 'converge.gitlab-ci.yml'), 'utf8')) as Record<string, GitlabJob>;

/** The job's variables as GitLab hands them to the shell: references to predefined variables expanded. */
function jobEnv(job: GitlabJob, predefined: Record<string, string>, overrides: Record<string, string>): Record<string, string> {
  const expanded = Object.fromEntries(Object.entries(job.variables).map(([name, value]) => [name, String(value).replace(/\$([A-Z_]+)/g, (_m, v: string) => predefined[v] ?? '')]));
  return { ...predefined, ...expanded, ...overrides };
}

/** A PATH whose npx prints its arguments, one per line, instead of running anything. */
function printingNpx(): string {
  const bin = tempDir('converge-print-npx-');
  writeFileSync(join(bin, 'npx'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
  chmodSync(join(bin, 'npx'), 0o755);
  return bin;
}

async function commandLine(jobName: string, predefined: Record<string, string>, overrides: Record<string, string>): Promise<string[]> {
  const job = TEMPLATE[jobName]!;
  const script = (job.script ?? job.after_script)!.join('\n');
  const result = await run('sh', ['-c', script], { env: { PATH: `${printingNpx()}:/usr/bin:/bin`, ...jobEnv(job, predefined, overrides) } });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout.split('\n').filter(Boolean);
}

describe('the GitLab CI template', () => {
  afterAll(cleanup);

  it('defines the two hidden jobs, with every choice a variable', () => {
    expect(Object.keys(TEMPLATE)).toEqual(['.converge', '.converge-run']);
    expect(Object.keys(TEMPLATE['.converge']!.variables)).toEqual(['CONVERGE_RELAY', 'CONVERGE_WHEN', 'CONVERGE_GITLAB_USERS', 'CONVERGE_VERSION', 'CONVERGE_ARGS', 'RUNNER_AFTER_SCRIPT_TIMEOUT']);
    expect(TEMPLATE['.converge']!.variables.CONVERGE_GITLAB_USERS).toBe('$GITLAB_USER_LOGIN');
    expect(TEMPLATE['.converge-run']!.variables.CONVERGE_RUN).toBe('');
  });

  const gitlab = { GITLAB_USER_LOGIN: 'pipeline-starter' };
  const relay = { CONVERGE_RELAY: 'wss://relay.example.com' };

  it.each([
    ['failed job, default users', { CI_JOB_STATUS: 'failed' }, ['--gitlab-user', 'pipeline-starter']],
    ['failed job, named users', { CI_JOB_STATUS: 'failed', CONVERGE_GITLAB_USERS: 'alice, bob' }, ['--gitlab-user', 'alice', '--gitlab-user', 'bob']],
    ['failed job, no GitLab users, extra flags', { CI_JOB_STATUS: 'failed', CONVERGE_GITLAB_USERS: '', CONVERGE_ARGS: '--id my-build' }, ['--id', 'my-build']],
    ['successful job, when always', { CI_JOB_STATUS: 'success', CONVERGE_WHEN: 'always' }, ['--gitlab-user', 'pipeline-starter']],
  ])('.converge opens a session: %s', async (_name, overrides, flags) => {
    expect(await commandLine('.converge', gitlab, { ...relay, ...overrides })).toEqual(['-y', '@converge/agent@latest', 'wss://relay.example.com', ...flags]);
  });

  it('.converge stays out of a successful job by default', async () => {
    expect(await commandLine('.converge', gitlab, { ...relay, CI_JOB_STATUS: 'success' })).toEqual([]);
  });

  it.each(['failure', 'always', 'during'])('.converge-run wraps the build, when %s', async (when) => {
    expect(await commandLine('.converge-run', gitlab, { ...relay, CONVERGE_WHEN: when, CONVERGE_RUN: 'make test && echo "done"', CONVERGE_VERSION: '0.1.0' })).toEqual([
      '-y', '@converge/agent@0.1.0', 'run', 'wss://relay.example.com', '--when', when, '--gitlab-user', 'pipeline-starter', '--', 'sh', '-c', 'make test && echo "done"',
    ]);
  });

  it('.converge-run runs the build through the agent: its output, a session on failure, its exit code', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'person');
    const server = await startRelay();
    const job = TEMPLATE['.converge-run']!;
    const env = jobEnv(job, gitlab, {
      CONVERGE_RELAY: server.wsUrl,
      CONVERGE_RUN: 'echo compiling; exit 4',
      CONVERGE_GITLAB_USERS: '',
      CONVERGE_AUTHORIZED_KEYS: key.publicLine,
      PATH: `${npxShim()}:${process.env.PATH}`,
    });
    const proc = startProcess('sh', ['-c', job.script!.join('\n')], { env, cwd: dir });
    await waitFor('the build output and the session', () => /compiling/.test(proc.stdout()) && /is ready/.test(proc.stdout()), 20_000, proc);
    const [agentPid] = childPids(proc.child.pid!);
    process.kill(agentPid!, 'SIGTERM');
    expect(await proc.exited).toBe(4);
  });
});
