// Issue 5 proofs through real processes: TLS with a test CA (agent and wsproxy over wss, certificate
// reloaded on change), agent tokens, and metrics scraped after known traffic.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { cleanup, CLI, knownHostsFor, makeKey, run, ssh, startAgent, startProcess, startRelay, startStack, stop, tempDir, waitFor } from './harness';

/** A test CA made with openssl, and server certificates for 127.0.0.1 signed by it. */
function makeCa(dir: string): { ca: string; issue: (name: string) => { cert: string; key: string } } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = join(dir, 'ca.pem');
  execFileSync('openssl', ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=Converge test CA', '-keyout', join(dir, 'ca.key'), '-out', ca], { stdio: 'ignore' });
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
  const issue = (name: string) => {
    const file = (suffix: string) => join(dir, `${name}.${suffix}`);
    execFileSync('openssl', ['req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', file('key'), '-out', file('csr')], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', file('csr'), '-CA', ca, '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', '2', '-extfile', join(dir, 'ext'), '-out', file('pem')], { stdio: 'ignore' });
    return { cert: file('pem'), key: file('key') };
  };
  return { ca, issue };
}

/** The SHA-256 fingerprint of the certificate a TLS server presents. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('relay service', () => {
  afterEach(cleanup);

  it('serves agents and wsproxy over wss with a test CA, and picks up a renewed certificate', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'person');
    const authority = makeCa(dir);
    const first = authority.issue('first');
    const renewed = authority.issue('renewed');
    const certFile = join(dir, 'live.pem');
    const keyFile = join(dir, 'live.key');
    copyFileSync(first.cert, certFile);
    copyFileSync(first.key, keyFile);
    const relay = await startRelay(['--tls-cert', certFile, '--tls-key', keyFile]);
    expect(relay.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey], { NODE_EXTRA_CA_CERTS: authority.ca });
    expect(agent.info.clientUrl).toMatch(/^wss:\/\//);
    const knownHosts = knownHostsFor(agent.info, dir);
    const overWss = () => ssh(agent.info, key, knownHosts, ['echo over-wss'], { proxyArgs: ['--ca', authority.ca] });
    expect((await overWss()).stdout).toBe('over-wss\n');

    const untrusted = await run(process.execPath, [CLI.wsproxy, agent.info.clientUrl]);
    expect(untrusted.code).toBe(4);
    expect(untrusted.stderr).toMatch(/^converge-wsproxy: TLS failed for wss:\/\/127\.0\.0\.1:\d+\/client\/\S+: .*certificate/);

    const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;
    expect(await servedFingerprint(relay.port)).toBe(fingerprint(first.cert));
    copyFileSync(renewed.key, keyFile);
    copyFileSync(renewed.cert, certFile);
    await waitFor('certificate reload', () => /TLS certificate reloaded/.test(relay.stderr()), 10_000, relay);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await servedFingerprint(relay.port)).toBe(fingerprint(renewed.cert));
    expect((await overWss()).stdout).toBe('over-wss\n');
  });

  it('admits only agents with a valid token when the relay has a token secret', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'person');
    const relay = await startRelay(['--agent-token-secret', 'team-secret']);
    const mint = (args: string[]) => execFileSync(process.execPath, [CLI.relay, 'token', ...args], { encoding: 'utf8' }).trim();
    const refused = async (env: NodeJS.ProcessEnv, reason: RegExp) => {
      const agent = startProcess(process.execPath, [CLI.agent, relay.wsUrl, '--authorized-keys', key.publicKey], { env, cwd: dir });
      expect(await agent.exited).toBe(6); // refused by the relay
      expect(agent.stderr()).toMatch(reason);
    };
    await refused({}, /needs an agent token/);
    await refused({ CONVERGE_TOKEN: mint(['--secret', 'other-secret']) }, /not valid \(wrong signature\)/);
    await refused({ CONVERGE_TOKEN: 'a.b.c' }, /not valid/);
    const expired = mint(['--secret', 'team-secret', '--ttl', '1s']);
    await new Promise((r) => setTimeout(r, 2100));
    await refused({ CONVERGE_TOKEN: expired }, /has expired/);
    await refused({ CONVERGE_TOKEN: mint(['--secret', 'team-secret', '--id', 'build-1']) }, /for id build-1/);

    const agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey, '--id', 'build-1', '--token', mint(['--secret', 'team-secret', '--id', 'build-1', '--ttl', '1h'])]);
    expect(agent.info.id).toBe('build-1');
    expect((await ssh(agent.info, key, knownHostsFor(agent.info, dir), ['echo admitted'])).stdout).toBe('admitted\n');
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(/^converge_agent_handshake_failures_total\{reason="token"\} 5$/m);
  });

  it('counts connections and relayed bytes in /metrics after known traffic', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'person');
    const relay = await startRelay(['--log-format', 'json']);
    const agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey]);
    const knownHosts = knownHostsFor(agent.info, dir);
    const running = ssh(agent.info, key, knownHosts, ['sleep 2']);
    const scrape = async () => (await fetch(`${relay.url}/metrics`)).text();
    let live = '';
    for (let i = 0; i < 100 && !/^converge_client_sessions\{kind="exec"\} 1$/m.test(live); i++) {
      await new Promise((r) => setTimeout(r, 50));
      live = await scrape();
    }
    expect(live).toMatch(/^converge_client_sessions\{kind="exec"\} 1$/m);
    expect((await running).code).toBe(0);
    const up = 3 * 1024 * 1024;
    const down = 5_000_000;
    expect((await ssh(agent.info, key, knownHosts, ['wc -c'], { input: 'u'.repeat(up) })).stdout.trim()).toBe(String(up));
    expect((await ssh(agent.info, key, knownHosts, [`head -c ${down} /dev/zero`])).stdout.length).toBe(down);
    await run(process.execPath, [CLI.wsproxy, `${relay.wsUrl}/client/nobody-here`]);
    await new Promise((r) => setTimeout(r, 200));
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1]);
    expect(value(/^converge_connections_total\{outcome="unknown_id"\} (\d+)$/m)).toBe(1);
    expect(value(/^converge_relayed_bytes_total\{direction="client_to_agent"\} (\d+)$/m)).toBeGreaterThan(up);
    expect(value(/^converge_relayed_bytes_total\{direction="agent_to_client"\} (\d+)$/m)).toBeGreaterThan(down);
    expect(value(/^converge_agents_connected (\d+)$/m)).toBe(1);
    expect(value(/^converge_clients_connected (\d+)$/m)).toBe(0);
    expect(value(/^converge_connections_total\{outcome="paired"\} (\d+)$/m)).toBe(3);
    await stop(agent);
    // --log-format json: every log line is one JSON object, one per connection event.
    const lines = relay.stderr().trim().split('\n').map((line) => JSON.parse(line) as { level: string; message: string; id?: string; reason?: string });
    expect(lines.filter((line) => line.message === 'client connected' && line.id === agent.info.id)).toHaveLength(3);
    expect(lines.some((line) => line.message === 'refused' && line.reason === 'UNKNOWN_ID')).toBe(true);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('shuts down on %s: sessions end, the relay exits 0, agents notice once', async (signal) => {
    const { relay, agent, key, knownHosts } = await startStack();
    const session = ssh(agent.info, key, knownHosts, ['sleep 30; echo never']);
    await waitFor('the session to be relayed', () => /client connected/.test(relay.stderr()), 10_000, relay);
    relay.child.kill(signal);
    expect(await relay.exited).toBe(0);
    expect(relay.stderr()).toMatch(/relay shutting down agents=1 clients=1/);
    const ended = await session;
    expect(ended.stdout).toBe('');
    expect(ended.code).toBe(255);
    await waitFor('the agent to notice', () => /relay connection lost/.test(agent.stderr()), 10_000, agent);
    expect(agent.stderr().match(/relay connection lost/g)).toHaveLength(1);
  });
});
