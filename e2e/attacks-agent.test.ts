// Attacks through the agent's door, replayed with the real OpenSSH client through a real relay: client
// environment, forced commands, remote forwards beyond permitlisten, guessing keys, a malicious relay's
// text, the info file, and an impostor agent behind the printed ssh command (host key pinning).
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { CLI, cleanup, type Key, knownHostsFor, makeKey, npxShim, run, ssh, startAgent, startProcess, startRelay, startStack, stop, tempDir, waitFor } from './harness';
import { accepts, freePort, startHttpServer } from './net-helpers';

const ESC = '\x1b';


/** The agent's printed ssh command, with a person's non-interactive options put first. */
function pasted(sshCommand: string, key: Key, knownHosts: string, remote: string): string {
  const ours = `-F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -i ${key.privateKey} -o UserKnownHostsFile=${knownHosts} -o LogLevel=ERROR`;
  return `${sshCommand.replace(/^ssh /, `ssh ${ours} `)} ${remote}`;
}

describe('attacks through the agent', () => {
  afterAll(cleanup);

  it('client environment is an allow-list: LANG passes, LD_PRELOAD and PATH do not; no relay token inside', async () => {
    const { key, relay } = await startStack();
    const dir = tempDir();
    const agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey], { CONVERGE_TOKEN: 'relay-token-secret' });
    const setEnv = ['-o', 'SetEnv=LANG=C.UTF-8 LD_PRELOAD=/nonexistent/evil.so PATH=/evil BASH_ENV=/evil'];
    const result = await ssh(agent.info, key, knownHostsFor(agent.info, dir), ['echo "$LANG|${LD_PRELOAD:-unset}|$PATH|${BASH_ENV:-unset}|${CONVERGE_TOKEN:-none}"'], { extra: setEnv });
    expect(result.code).toBe(0);
    const [lang, preload, path, bashEnv, token] = result.stdout.trim().split('|');
    expect({ lang, preload, bashEnv, token }).toEqual({ lang: 'C.UTF-8', preload: 'unset', bashEnv: 'unset', token: 'none' });
    expect(path).not.toBe('/evil');
  });

  it('SetEnv BASH_ENV does not run code under a restrict,command= key', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'restricted');
    const marker = join(dir, 'pwned');
    writeFileSync(join(dir, 'keys'), `restrict,command="echo forced-ran" ${key.publicLine}\n`);
    const relay = await startRelay();
    const agent = await startAgent(relay.wsUrl, ['--authorized-keys', join(dir, 'keys'), '--shells', 'bash', '--accept-env', 'LANG,LC_*,BASH_ENV']);
    const result = await ssh(agent.info, key, knownHostsFor(agent.info, dir), [], { extra: ['-o', `SetEnv="BASH_ENV=$(touch ${marker})"`] });
    expect(result).toMatchObject({ stdout: 'forced-ran\n' });
    expect(existsSync(marker)).toBe(false);
  });

  it('ssh -R: permitlisten limits the port, and the listener is on loopback whatever the client asks', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'forwarder');
    const [allowed, other] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'keys'), `permitlisten="${allowed}" ${key.publicLine}\n`);
    const relay = await startRelay();
    const agent = await startAgent(relay.wsUrl, ['--authorized-keys', join(dir, 'keys')]);
    const knownHosts = knownHostsFor(agent.info, dir);
    const web = await startHttpServer('behind-the-forward');
    const refused = await ssh(agent.info, key, knownHosts, ['true'], { extra: ['-o', 'ExitOnForwardFailure=yes', '-R', `${other}:127.0.0.1:${web.port}`] });
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/remote port forwarding failed/);
    const { sshOptions } = await import('./harness');
    const held = startProcess('ssh', [...sshOptions(agent.info, key, knownHosts, ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `0.0.0.0:${allowed}:127.0.0.1:${web.port}`]), `${agent.info.user}@${agent.info.id}`]);
    await waitFor('the remote forward', () => /remote forward listening on 127\.0\.0\.1:/.test(agent.stderr() + agent.stdout()), 15_000, agent);
    expect(await accepts(allowed)).toBe(true);
    // Bound to 127.0.0.1 only: another loopback address of this machine is not served.
    expect(await new Promise((resolve) => {
      const socket = require('node:net').connect(allowed, '127.0.0.2');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    })).toBe(false);
    await stop(held);
    await web.close();
  });

  it('guessing keys: the 6th failed attempt ends the connection, and refused logins show in the job log', async () => {
    const { key, agent, knownHosts, dir } = await startStack();
    const wrong = Array.from({ length: 7 }, (_, i) => makeKey(dir, `wrong${i}`));
    const identities = [...wrong, key].flatMap((k) => ['-i', k.privateKey]);
    const result = await ssh(agent.info, wrong[0]!, knownHosts, ['echo in'], { extra: identities });
    expect(result.code).toBe(255);
    expect(result.stdout).not.toContain('in');
    await waitFor('refused logins in the job log', () => /login refused: key SHA256:\S+ \(ssh-ed25519\) is not authorized/.test(agent.stderr()), 5000, agent);
    expect(agent.stderr()).toMatch(/6 failed authentication attempts; disconnected/);
    expect((await ssh(agent.info, key, knownHosts, ['echo in'])).stdout).toBe('in\n');
  });

  it('a malicious relay\'s text reaches the person\'s terminal and the job log escaped', async () => {
    const evil = `refused${ESC}]0;pwned\x07${ESC}[2J\r\nfake line`;
    const server = createServer((_req, res) => res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'FORBIDDEN', message: evil } })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const proxy = await run(process.execPath, [CLI.wsproxy, `ws://127.0.0.1:${port}/client/abc-def`]);
    expect(proxy.code).toBe(6);
    expect(proxy.stderr).toContain('refused\\x1b]0;pwned\\x07\\x1b[2J\\x0d\\x0afake line');
    expect(proxy.stderr.includes(ESC)).toBe(false);
    const dir = tempDir();
    const key = makeKey(dir);
    const agent = await run(process.execPath, [CLI.agent, `ws://127.0.0.1:${port}`, '--authorized-keys', key.publicKey]);
    expect(agent.code).toBe(6); // refused by the relay: the shared exit-code table
    expect(agent.stderr).toContain('refused\\x1b]0;pwned');
    expect((agent.stderr + agent.stdout).includes(ESC)).toBe(false);
    server.close();
  });

  it('the info file is written 0600 and a symlink planted at its path is replaced, not followed', async () => {
    const { key, relay } = await startStack();
    const dir = tempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'untouched\n');
    const infoFile = join(dir, 'info.json');
    symlinkSync(victim, infoFile);
    const agent = startProcess(process.execPath, [CLI.agent, relay.wsUrl, '--authorized-keys', key.publicKey, '--info-file', infoFile, '--hold']);
    await waitFor('the info file', () => existsSync(infoFile) && !lstatSync(infoFile).isSymbolicLink(), 20_000, agent);
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n');
    expect(statSync(infoFile).mode & 0o777).toBe(0o600);
    await stop(agent);
  });

  it('the printed ssh command logs in with no prompt, refuses an impostor, and survives a re-run with a new key', async () => {
    const { key, relay } = await startStack();
    const dir = tempDir();
    const bin = npxShim();
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const knownHosts = join(dir, 'known_hosts');
    mkdirSync(join(dir, 'home'), { recursive: true });
    const agent = await startAgent(relay.wsUrl, ['--id', 'pinned-job', '--authorized-keys', key.publicKey]);
    const first = await run('/bin/sh', ['-c', pasted(agent.info.sshCommand, key, knownHosts, 'echo genuine')], { env });
    expect(first).toMatchObject({ code: 0, stdout: 'genuine\n' });
    expect(readFileSync(knownHosts, 'utf8')).toContain(agent.info.knownHostsLine.split(' ').slice(1).join(' '));

    // An impostor under the same id with the person's key authorized, served by a relay that routes to it.
    const rogue = await startRelay();
    const impostor = await startAgent(rogue.wsUrl, ['--id', 'pinned-job', '--authorized-keys', key.publicKey]);
    const routed = agent.info.sshCommand.replace(relay.wsUrl, rogue.wsUrl);
    expect(routed).not.toBe(agent.info.sshCommand);
    const attack = await run('/bin/sh', ['-c', pasted(routed, key, join(dir, 'fresh_known_hosts'), 'echo reached-impostor')], { env });
    expect(attack.code).toBe(255);
    expect(attack.stdout).not.toContain('reached-impostor');
    expect(attack.stderr).toContain(`host key check failed: the agent's host key is ${impostor.info.fingerprint}, not the expected ${agent.info.fingerprint}`);
    expect(impostor.stderr()).not.toMatch(/logged in/);

    // The job runs again with the same id: a new host key, the same known_hosts, no conflict, no prompt.
    expect(await stop(agent)).toBe(0);
    const rerun = await startAgent(relay.wsUrl, ['--id', 'pinned-job', '--authorized-keys', key.publicKey]);
    expect(rerun.info.id).toBe('pinned-job');
    expect(rerun.info.fingerprint).not.toBe(agent.info.fingerprint);
    const second = await run('/bin/sh', ['-c', pasted(rerun.info.sshCommand, key, knownHosts, 'echo again')], { env });
    expect(second.stderr).not.toMatch(/IDENTIFICATION HAS CHANGED/);
    expect(second).toMatchObject({ code: 0, stdout: 'again\n' });
  });
});
