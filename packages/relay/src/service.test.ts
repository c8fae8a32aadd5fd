// The relay's HTTP surface in-process: pages, JSON API with the admin token, live events, metrics,
// agent tokens, limits and policy, with a scripted agent over real websockets.
import { once } from 'node:events';
import { encodeMessage, type ControlMessage } from '@converge/protocol';
import WebSocket from 'ws';
import { startRelay, type Relay } from './server';
import { mintAgentToken } from './tokens';
import { handshake } from '@converge/testkit';

const AGENT = { hostname: 'ci-host', os: 'linux', arch: 'x64', user: 'runner', cwd: '/work', version: 'test' };

async function hello(relay: Relay, extra: Record<string, unknown> = {}): Promise<{ ws: WebSocket; reply: ControlMessage }> {
  const ws = new WebSocket(`${relay.url.replace('http', 'ws')}/agent`);
  const reply = await handshake(ws, { agent: AGENT, ...extra });
  return { ws, reply };
}

async function get(relay: Relay, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${relay.url}${path}`, { headers });
  return { status: response.status, type: response.headers.get('content-type'), csp: response.headers.get('content-security-policy'), body: await response.text() };
}

describe('relay service', () => {
  let relay: Relay;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await relay.close();
  });

  it('serves the usage page with this relay\'s own URL and the commands API', async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0, basePath: '/converge' });
    const page = await get(relay, '/?ci=github&keys=github&user=octocat');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/text\/html/);
    expect(page.csp).toMatch(/default-src 'none'/);
    expect(page.body).toContain(`ws://127.0.0.1:${relay.port}/converge`);
    expect(page.body).toContain('--github-user octocat');
    const api = JSON.parse((await get(relay, '/api/commands?ci=shell&keys=github&user=octocat&id=my-job')).body);
    expect(api.connect.text).toContain(`ws://127.0.0.1:${relay.port}/converge/client/my-job`);
    expect((await get(relay, '/sessions')).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${relay.port}/`)).status).toBe(404);
  });

  it('takes the public URL from forwarded headers only with trust-proxy', async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0 });
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'relay.example.com' };
    expect((await get(relay, '/', headers)).body).not.toContain('wss://relay.example.com');
    await relay.close();
    relay = await startRelay({ host: '127.0.0.1', port: 0, trustProxy: 1 });
    expect((await get(relay, '/', headers)).body).toContain('wss://relay.example.com');
  });

  it('lists agents with their status, behind the admin token', async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0, adminToken: 'letmein' });
    const { ws, reply } = await hello(relay, { requestedId: 'job-7' });
    sockets.push(ws);
    ws.send(encodeMessage({ type: 'status', jobState: 'failed', jobCommand: 'make', jobExitCode: 2, hold: true, expiresAt: 1_900_000_000_000 }));
    expect(reply).toMatchObject({ type: 'welcome', id: 'job-7' });
    expect((await get(relay, '/api/sessions')).status).toBe(401);
    expect((await get(relay, '/api/sessions?token=wrong')).status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    const snapshot = JSON.parse((await get(relay, '/api/sessions', { authorization: 'Bearer letmein' })).body);
    expect(snapshot.agents).toEqual([
      expect.objectContaining({ id: 'job-7', hostname: 'ci-host', user: 'runner', job: { state: 'failed', command: 'make', exitCode: 2 }, hold: true, clients: [] }),
    ]);
    expect(JSON.stringify(snapshot)).not.toMatch(/resume|secret|token/i);
  });

  it('is private by default: without --admin-token it makes one, and anonymous visitors learn nothing', async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0 });
    const { ws } = await hello(relay, { requestedId: 'secret-job' });
    sockets.push(ws);
    expect(relay.adminToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(relay.sessionsUrl).toBe(`${relay.url}/sessions#token=${relay.adminToken}`);
    for (const path of ['/api/sessions', '/api/sessions/events', '/api/sessions?token=', '/sessions', '/', '/metrics', '/healthz']) {
      const answer = await get(relay, path);
      expect(answer.body).not.toContain('secret-job');
      expect(answer.body).not.toContain('ci-host');
    }
    expect((await get(relay, '/api/sessions')).status).toBe(401);
    const snapshot = JSON.parse((await get(relay, `/api/sessions?token=${relay.adminToken}`)).body);
    expect(snapshot.agents.map((a: { id: string }) => a.id)).toEqual(['secret-job']);
  });

  it('caps event streams per address', async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0 });
    const controllers: AbortController[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      statuses.push((await fetch(`${relay.url}/api/sessions/events?token=${relay.adminToken}`, { signal: controller.signal })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    for (const c of controllers) c.abort();
  });

  it('pushes snapshots as server-sent events when something changes', async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${relay.url}/api/sessions/events?token=${relay.adminToken}`);
    const reader = response.body!.getReader();
    const events: { agents: { id: string }[] }[] = [];
    let buffer = '';
    const next = async () => {
      for (;;) {
        const match = /data: (.*)\n\n/.exec(buffer);
        if (match) {
          buffer = buffer.slice(match.index + match[0].length);
          events.push(JSON.parse(match[1]!));
          return events[events.length - 1]!;
        }
        const { value } = await reader.read();
        buffer += new TextDecoder().decode(value);
      }
    };
    expect((await next()).agents).toEqual([]);
    const { ws } = await hello(relay, { requestedId: 'live-one' });
    sockets.push(ws);
    expect((await next()).agents.map((a) => a.id)).toEqual(['live-one']);
    ws.close();
    expect((await next()).agents).toEqual([]);
    await reader.cancel();
  });

  it('exposes Prometheus metrics', async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0 });
    const { ws } = await hello(relay);
    sockets.push(ws);
    const bad = new WebSocket(`${relay.url.replace('http', 'ws')}/client/nobody`);
    bad.on('error', () => undefined);
    await new Promise((resolve) => bad.on('close', resolve));
    const metrics = (await get(relay, '/metrics')).body;
    expect(metrics).toMatch(/^converge_agents_connected 1$/m);
    expect(metrics).toMatch(/^converge_connections_total\{outcome="unknown_id"\} 1$/m);
    expect(metrics).toMatch(/^converge_agent_registrations_total\{id_source="generated"\} 1$/m);
    expect(metrics).toMatch(/^converge_relay_process_resident_memory_bytes \d+/m);
  });

  it('admits agents with a valid token only, when a secret is set', async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0, agentTokenSecret: 'team-secret' });
    const refused = await hello(relay);
    expect(refused.reply).toEqual({ type: 'error', code: 'UNAUTHORIZED', message: 'this relay needs an agent token (--token or CONVERGE_TOKEN)' });
    const [code] = await once(refused.ws, 'close');
    expect(code).toBe(4401);
    expect((await hello(relay, { token: mintAgentToken('wrong') })).reply).toMatchObject({ type: 'error', code: 'UNAUTHORIZED' });
    const admitted = await hello(relay, { token: mintAgentToken('team-secret') });
    sockets.push(admitted.ws);
    expect(admitted.reply).toMatchObject({ type: 'welcome' });
    expect(relay.stats.handshakeFailures.get('token')).toBe(2);
  });

  it('enforces max agents and tells agents the relay policy', async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0, maxAgents: 1, allowShell: false, allowForwarding: false });
    const first = await hello(relay);
    sockets.push(first.ws);
    expect(first.reply).toMatchObject({ type: 'welcome', allowShell: false, allowForwarding: false });
    const second = await hello(relay);
    sockets.push(second.ws);
    expect(second.reply).toMatchObject({ type: 'error', code: 'LIMIT_REACHED' });
  });

  it('limits open connections per address', async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0, maxConnectionsPerAddress: 2 });
    sockets.push((await hello(relay)).ws, (await hello(relay)).ws);
    const third = new WebSocket(`${relay.url.replace('http', 'ws')}/agent`);
    third.on('error', () => undefined);
    const status = await new Promise((resolve) => third.on('unexpected-response', (_req, res) => resolve(res.statusCode)));
    expect(status).toBe(429);
  });
});

describe('relay operations', () => {
  it('sends the same figures to statsd over UDP', async () => {
    const { createSocket } = await import('node:dgram');
    const udp = createSocket('udp4');
    const packets: string[] = [];
    udp.on('message', (message) => packets.push(message.toString()));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const relay = await startRelay({ host: '127.0.0.1', port: 0, statsd: { host: '127.0.0.1', port: udp.address().port, prefix: 'ci.' } });
    const { ws } = await hello(relay, { requestedId: 'stats-agent' });
    const deadline = Date.now() + 5000;
    while (!packets.join('\n').includes('ci.agents_connected:1|g') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seen = packets.join('\n');
    expect(seen).toContain('ci.agent_registrations:1|c|#id_source:requested');
    expect(seen).toContain('ci.agents_connected:1|g');
    ws.terminate();
    await relay.close();
    udp.close();
  });
});
