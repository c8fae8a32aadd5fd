// Issue 3 proof, what a session starts with, through the relay: --cwd, --env-file (bad lines reported
// by number), --env over it, --shells, CONVERGE_ID, agentdir, TERM and LANG/LC_* from the client, and
// the login banner of an interactive shell.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IPty } from '@lydell/node-pty';
import {
  type AgentProc, cleanup, type Key, knownHostsFor, makeKey, type RelayProc, run, ssh, sshOptions, startAgent, startRelay, tempDir, waitFor,
} from './harness';

describe('session environment', () => {
  let relay: RelayProc;
  let agent: AgentProc;
  let key: Key;
  let known: string;
  let work: string;
  let envFile: string;
  const shell = existsSync('/bin/dash') ? '/bin/dash' : '/bin/sh';

  beforeAll(async () => {
    const dir = tempDir();
    key = makeKey(dir, 'person');
    work = tempDir('converge-work-');
    envFile = join(dir, 'job.env');
    writeFileSync(envFile, ['# job settings', 'FROM_FILE="hello file"', 'export EXPORTED=yes', 'OVERRIDDEN=file', 'this line is broken', ''].join('\n'));
    relay = await startRelay();
    agent = await startAgent(relay.wsUrl, [
      '--authorized-keys', key.publicKey, '--cwd', work, '--env-file', envFile, '--env', 'OVERRIDDEN=flag', '--shells', `nonexistent-shell,${shell}`,
    ]);
    known = knownHostsFor(agent.info, dir);
  });
  afterAll(cleanup);

  it('--cwd, --env-file, --env, --shells and CONVERGE_ID/agentdir are visible to exec', async () => {
    const script = 'pwd; echo "$FROM_FILE|$EXPORTED|$OVERRIDDEN|$CONVERGE_ID"; test -d "$agentdir" && echo agentdir-ok; readlink /proc/$$/exe';
    const result = await ssh(agent.info, key, known, [script]);
    expect(result.code).toBe(0);
    const [pwd, vars, agentdir, exe] = result.stdout.trim().split('\n');
    expect(pwd).toBe(work);
    expect(vars).toBe(`hello file|yes|flag|${agent.info.id}`);
    expect(agentdir).toBe('agentdir-ok');
    expect(exe).toBe(require('node:fs').realpathSync(shell));
    expect(agent.stderr()).toMatch(new RegExp(`--env-file ${envFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: expected KEY=VALUE.*; line skipped`));
  });

  it('SSH_CLIENT, SSH_CONNECTION and (with a terminal) SSH_TTY are set as sshd sets them', async () => {
    const script = 'echo "$SSH_CLIENT|$SSH_CONNECTION|${SSH_TTY-unset}"';
    // Through the relay: the client's address as the relay saw it; ports and our address unknown, written
    // as sshd writes what it cannot know.
    const plain = await ssh(agent.info, key, known, [script]);
    expect(plain).toMatchObject({ code: 0, stdout: '127.0.0.1 65535 65535|127.0.0.1 65535 UNKNOWN 65535|unset\n' });
    const terminal = await ssh(agent.info, key, known, [script], { extra: ['-tt'] });
    expect(terminal.code).toBe(0);
    expect(terminal.stdout).toMatch(/^127\.0\.0\.1 65535 65535\|127\.0\.0\.1 65535 UNKNOWN 65535\|\/dev\/pts\/\d+\r?\n$/);
  });

  it('LANG and LC_* from the client (SendEnv) reach the session', async () => {
    // ssh sends its own values: give the ssh process ones the agent's environment cannot have.
    const args = [...sshOptions(agent.info, key, known, ['-o', 'SendEnv=LANG LC_*']), `${agent.info.user}@${agent.info.id}`, 'echo "$LANG|$LC_MESSAGES"'];
    const result = await run('ssh', args, { env: { LANG: 'fr_FR.UTF-8', LC_MESSAGES: 'de_DE.UTF-8' } });
    expect(result).toMatchObject({ code: 0, stdout: 'fr_FR.UTF-8|de_DE.UTF-8\n' });
  });

  it('an interactive shell shows the banner first and gets TERM from the client', async () => {
    const pty = require('@lydell/node-pty') as typeof import('@lydell/node-pty');
    const args = [...sshOptions(agent.info, key, known, ['-tt', '-o', 'SendEnv=LC_TESTVAR']), `${agent.info.user}@${agent.info.id}`];
    const env = { ...(process.env as Record<string, string>), TERM: 'xterm-256color', LC_TESTVAR: 'sent-by-client' };
    const term: IPty = pty.spawn('ssh', args, { cols: 100, rows: 30, env });
    let screen = '';
    term.onData((data) => (screen += data));
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    await waitFor('banner', () => screen.includes('To wait for another login after you exit'));
    term.write('echo "T=$TERM L=$LC_TESTVAR" "MARK""DONE"\r');
    await waitFor('marker', () => screen.includes('MARKDONE'), 15_000);
    term.write('exit 0\r');
    expect(await exited).toBe(0);
    expect(screen).toContain(`Converge ${agent.info.id} on `);
    expect(screen).toContain(`, in ${work}`);
    expect(screen).toContain('touch $agentdir/.hold');
    expect(screen).toContain(`($agentdir = ${agent.info.agentDir})`);
    expect(screen).toContain(`Authorized keys: ${key.publicKey}`);
    expect(screen).toContain('T=xterm-256color L=sent-by-client');
  });
});
