// Attacks on the relay, replayed against the real relay, agent and OpenSSH (docs/SECURITY.md lists the
// property each one breaks). Every case asserts the safe outcome and that the relay keeps serving.
import { readFileSync, writeFileSync } from 'node:fs';
import { encodeMessage } from '@converge/protocol';
import WebSocket from 'ws';
import { type AgentProc, cleanup, type Key, knownHostsFor, type RelayProc, ssh, startAgent, startRelay, startStack, waitFor } from './harness';
import { httpGet, metric } from './probes';
import { clientFrame, rawWebSocket } from './raw-ws';
import { readChallenge, signedHello } from '@converge/testkit';

const ESC = '\x1b';

function openWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const nextText = (ws: WebSocket): Promise<string> => new Promise((resolve) => ws.once('message', (data) => resolve(String(data))));

describe('attacks on the relay', () => {
  let relay: RelayProc;
  let agent: AgentProc;
  let key: Key;
  let dir: string;
  let knownHosts: string;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    ({ dir, key, relay, agent, knownHosts } = await startStack(['--id', 'victim-job']));
  });
  afterEach(() => {
    for (const ws of sockets.splice(0)) ws.terminate();
  });
  afterAll(cleanup);

  const stillServes = async () => {
    expect(relay.child.exitCode).toBeNull();
    expect((await ssh(agent.info, key, knownHosts, ['echo still-here'])).stdout).toBe('still-here\n');
  };

  it('an upgrade to the request target http://[ gets 400 and the relay keeps serving', async () => {
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(relay.port, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
      socket.write('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    });
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    await stillServes();
  });

  it('another host key never takes a live id: 15 claims get new ids, every login lands on the owner', async () => {
    for (let i = 0; i < 15; i++) {
      const ws = new WebSocket(`${relay.wsUrl}/agent`, { perMessageDeflate: false });
      sockets.push(ws);
      const nonce = await readChallenge(ws);
      ws.send(encodeMessage(signedHello(nonce, { requestedId: 'victim-job' })));
      expect(JSON.parse(await nextText(ws))).toMatchObject({ type: 'welcome', idSource: 'generated' });
    }
    for (let i = 0; i < 5; i++) {
      expect((await ssh(agent.info, key, knownHosts, ['echo $agentdir'])).stdout).toBe(`${agent.info.agentDir}\n`);
    }
  });

  it('a hello signed for another challenge is refused (no replay)', async () => {
    const ws = new WebSocket(`${relay.wsUrl}/agent`, { perMessageDeflate: false });
    sockets.push(ws);
    await readChallenge(ws);
    ws.send(encodeMessage(signedHello('A'.repeat(43), { requestedId: 'victim-job' })));
    expect(JSON.parse(await nextText(ws))).toMatchObject({ type: 'error', code: 'UNAUTHORIZED' });
  });

  it('25 hellos in one TCP write register one id at most, and the socket is closed', async () => {
    const before = await metric(relay.url, 'converge_agents_connected');
    const raw = await rawWebSocket(relay.port, '/agent');
    const challenge = await raw.next((f) => f.opcode === 1);
    const nonce = (JSON.parse(challenge.payload.toString()) as { nonce: string }).nonce;
    const frames = Array.from({ length: 25 }, (_, i) => clientFrame(encodeMessage(signedHello(nonce, { requestedId: `flood-${i}` }))));
    raw.socket.write(Buffer.concat(frames));
    await raw.next((f) => f.opcode === 8); // the relay's close frame
    raw.socket.destroy();
    const texts = raw.frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload.toString()) as { type: string; message?: string });
    expect(texts.filter((m) => m.type === 'welcome').length).toBeLessThanOrEqual(1);
    expect(texts.some((m) => m.type === 'error' && /hello sent twice/.test(m.message ?? ''))).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await metric(relay.url, 'converge_agents_connected')).toBe(before);
  });

  it('the sessions data is private by default; the printed link carries the token', async () => {
    const printed = /Sessions \(admin only, keep this link private\): (\S+)/.exec(relay.stdout())?.[1];
    expect(printed).toMatch(/\/sessions#token=[A-Za-z0-9_-]{32}$/);
    const token = printed!.split('#token=')[1]!;
    for (const path of ['/api/sessions', '/api/sessions/events', '/sessions', '/', '/metrics']) {
      const { body } = await httpGet(`${relay.url}${path}`);
      expect(body).not.toContain('victim-job');
      expect(body).not.toContain(agent.info.agentDir);
    }
    expect((await httpGet(`${relay.url}/api/sessions`)).status).toBe(401);
    expect((await httpGet(`${relay.url}/api/sessions?token=${token}`)).body).toContain('victim-job');
  });

  it('event streams are capped per address', async () => {
    const token = /#token=(\S+)/.exec(relay.stdout())![1]!;
    const controllers = Array.from({ length: 30 }, () => new AbortController());
    const statuses = await Promise.all(controllers.map((c) => fetch(`${relay.url}/api/sessions/events?token=${token}`, { signal: c.signal }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(26);
    for (const c of controllers) c.abort();
  });

  it('a flood of refusals gives a few log lines, not one per attempt', async () => {
    for (let i = 0; i < 60; i++) await openWs(`${relay.wsUrl}/client/nobody-here`).catch(() => undefined);
    const lines = relay.stderr().split('\n').filter((l) => l.includes('UNKNOWN_ID'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(2);
  });

  it('text an agent sends reaches the relay log with control characters escaped', async () => {
    const ws = new WebSocket(`${relay.wsUrl}/agent`, { perMessageDeflate: false });
    sockets.push(ws);
    const nonce = await readChallenge(ws);
    const agentInfo = { hostname: `evil${ESC}]0;pwned\x07${ESC}[2J`, os: 'l', arch: 'x', user: `u${ESC}[1A`, cwd: '/', version: '1' };
    ws.send(encodeMessage(signedHello(nonce, { agent: agentInfo })));
    await waitFor('the agent to be logged', () => relay.stderr().includes('evil\\x1b]0;pwned'));
    expect(relay.stderr().includes(ESC)).toBe(false);
    expect(relay.stdout().includes(ESC)).toBe(false);
  });

  it('idle client websockets from one address cannot lock a person out of an agent', async () => {
    // The relay trusts one proxy hop: the attacker's sockets arrive "from" 198.51.100.7, the person's
    // wsproxy from 127.0.0.1. The attacker fills every one of the agent's 32 client slots.
    const fair = await startRelay(['--trust-proxy', '1']);
    const target = await startAgent(fair.wsUrl, ['--authorized-keys', key.publicKey]);
    const url = `${fair.wsUrl}/client/${target.info.id}`;
    for (let i = 0; i < 32; i++) sockets.push(await openWs(url, { 'x-forwarded-for': '198.51.100.7' }));
    await expect(openWs(url, { 'x-forwarded-for': '198.51.100.7' })).rejects.toThrow(/429/);
    const result = await ssh(target.info, key, knownHostsFor(target.info, dir), ['echo person-got-in']);
    expect(result.stdout).toBe('person-got-in\n');
  });

  it('behind --trust-proxy 1 a forged left-most X-Forwarded-For does not pass from=', async () => {
    const proxied = await startRelay(['--trust-proxy', '1']);
    writeFileSync(`${dir}/from-key`, `from="127.0.0.1" ${readFileSync(key.publicKey, 'utf8')}`);
    const target = await startAgent(proxied.wsUrl, ['--authorized-keys', `${dir}/from-key`]);
    const { Client } = await import('ssh2');
    const { createWebSocketStream } = await import('ws');
    const login = (xff: string): Promise<string> => {
      // The stream is made before the socket opens: the agent's banner can arrive with the 101.
      const ws = new WebSocket(`${proxied.wsUrl}/client/${target.info.id}`, { perMessageDeflate: false, headers: { 'x-forwarded-for': xff } });
      sockets.push(ws);
      const stream = createWebSocketStream(ws);
      stream.on('error', () => undefined);
      return new Promise((resolve) => {
        const client = new Client();
        client.on('ready', () => {
          client.end();
          resolve('ready');
        });
        client.on('error', (error) => resolve(error.message));
        client.connect({ sock: stream, username: 'u', privateKey: readFileSync(key.privateKey), readyTimeout: 15_000 });
      });
    };
    // The client wrote "127.0.0.1"; the trusted proxy appended the address it really saw.
    expect(await login('127.0.0.1, 203.0.113.5')).toMatch(/authentication methods failed/);
    expect(await login('203.0.113.5, 127.0.0.1')).toBe('ready');
  });

  it('a pipe whose both ends stopped reading is dropped after --stall-timeout', async () => {
    const stalling = await startRelay(['--stall-timeout', '1s']);
    // A scripted agent: signed hello, then a data socket that never reads; the client never reads either.
    const control = new WebSocket(`${stalling.wsUrl}/agent`, { perMessageDeflate: false });
    sockets.push(control);
    const nonce = await readChallenge(control);
    control.send(encodeMessage(signedHello(nonce)));
    const welcome = JSON.parse(await nextText(control)) as { id: string };
    const opened = new Promise<string>((resolve) => control.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; connectionId: string };
      if (m.type === 'open') resolve(m.connectionId);
    }));
    const client = new WebSocket(`${stalling.wsUrl}/client/${welcome.id}`, { perMessageDeflate: false });
    sockets.push(client);
    const data = new WebSocket(`${stalling.wsUrl}/data/${await opened}`, { perMessageDeflate: false });
    sockets.push(data);
    await Promise.all([new Promise((r) => client.once('open', r)), new Promise((r) => data.once('open', r))]);
    client.pause();
    data.pause();
    const chunk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < 64; i++) {
      client.send(chunk);
      data.send(chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect(await metric(stalling.url, 'converge_clients_connected')).toBe(1);
    await waitFor('the stalled pipe to be dropped', () => /pipe stalled at both ends; dropped/.test(stalling.stderr()), 15_000, stalling);
    expect(await metric(stalling.url, 'converge_clients_connected')).toBe(0);
  });
});
