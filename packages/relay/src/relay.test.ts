// The relay in-process on port 0, with a scripted agent speaking the control protocol over real
// websockets and clients dialing real websockets (the real agent and OpenSSH run in e2e/).
import { once } from 'node:events';
import { request } from 'node:http';
import { decodeMessage, encodeMessage, type ControlMessage, type WelcomeMessage } from '@converge/protocol';
import WebSocket from 'ws';
import { startRelay, type Relay } from './server';
import { readChallenge, signedHello, testHostKey, type TestHostKey } from '@converge/testkit';

interface ScriptedAgent {
  control: WebSocket;
  welcome: WelcomeMessage;
  messages: ControlMessage[];
  dataSockets: WebSocket[];
}

/** An agent that registers and echoes every data socket, unless told to ignore opens. */
async function scriptedAgent(
  relay: Relay,
  hello: Partial<{ requestedId: string }> = {},
  onOpen: 'echo' | 'ignore' | 'fail' = 'echo',
  key: TestHostKey = testHostKey(),
): Promise<ScriptedAgent> {
  const base = relay.url.replace('http', 'ws');
  const control = new WebSocket(`${base}/agent`);
  const nonce = readChallenge(control);
  const messages: ControlMessage[] = [];
  const dataSockets: WebSocket[] = [];
  const welcome = new Promise<WelcomeMessage>((resolve, reject) => {
    control.on('message', (frame) => {
      const message = decodeMessage(frame as Buffer);
      messages.push(message);
      if (message.type === 'challenge') return;
      if (message.type === 'welcome') resolve(message);
      if (message.type === 'error') reject(new Error(message.message));
      if (message.type !== 'open') return;
      if (onOpen === 'fail') control.send(encodeMessage({ type: 'open-failed', connectionId: message.connectionId, reason: 'no thanks' }));
      if (onOpen !== 'echo') return;
      const socket = new WebSocket(`${base}/data/${message.connectionId}`);
      dataSockets.push(socket);
      socket.on('message', (chunk, isBinary) => socket.send(chunk, { binary: isBinary }));
    });
  });
  await once(control, 'open');
  control.send(encodeMessage(signedHello(await nonce, hello, key)));
  return { control, welcome: await welcome, messages, dataSockets };
}

async function openClient(relay: Relay, id: string): Promise<WebSocket> {
  const client = new WebSocket(`${relay.url.replace('http', 'ws')}/client/${id}`);
  await once(client, 'open');
  return client;
}

/** The HTTP status and JSON body the relay answers an upgrade with, when it refuses it. */
function refusal(relay: Relay, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${relay.url.replace('http', 'ws')}${path}`);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    ws.on('open', () => reject(new Error('upgrade accepted')));
    ws.on('error', () => undefined);
  });
}

async function roundTrip(client: WebSocket, text: string): Promise<string> {
  client.send(Buffer.from(text));
  const [data] = await once(client, 'message');
  return (data as Buffer).toString();
}

describe('relay', () => {
  let relay: Relay;
  const sockets: WebSocket[] = [];
  const track = <T extends WebSocket | ScriptedAgent>(x: T): T => {
    sockets.push('control' in x ? x.control : x);
    return x;
  };

  beforeEach(async () => {
    relay = await startRelay({ host: '127.0.0.1', port: 0, openTimeoutMs: 500, heartbeatMs: 300 });
  });
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await relay.close();
  });

  it('pairs a client with the data socket its agent opens and pipes both ways', async () => {
    const agent = track(await scriptedAgent(relay));
    expect(agent.welcome.idSource).toBe('generated');
    const client = track(await openClient(relay, agent.welcome.id));
    expect(await roundTrip(client, 'ping through the relay')).toBe('ping through the relay');
    const open = agent.messages.find((m) => m.type === 'open');
    expect(open).toMatchObject({ clientAddress: '127.0.0.1' });
    expect(relay.stats.clientsConnected).toBe(1);
    client.close();
    await once(agent.dataSockets[0]!, 'close');
  });

  it('refuses a client for an unknown id with 404 and a readable reason', async () => {
    const { status, body } = await refusal(relay, '/client/nobody-here');
    expect(status).toBe(404);
    expect(JSON.parse(body)).toEqual({ error: { code: 'UNKNOWN_ID', message: 'no agent is connected with id nobody-here' } });
  });

  it.each([
    ['/nowhere', 404, 'NOT_FOUND'],
    ['/client/NOT_AN_ID', 400, 'BAD_REQUEST'],
    ['/data/short', 400, 'BAD_REQUEST'],
    ['/data/abcdefghjkmnpqrstvwxyz0123', 404, 'NOT_FOUND'],
  ])('refuses the upgrade of %s with %d %s', async (path, status, code) => {
    const answer = await refusal(relay, path);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body).error.code).toBe(code);
  });

  it('gives a second agent asking for a taken id a new id; clients of the id reach the first', async () => {
    const first = track(await scriptedAgent(relay, { requestedId: 'my-job' }));
    const second = track(await scriptedAgent(relay, { requestedId: 'my-job' }));
    expect(first.welcome).toMatchObject({ id: 'my-job', idSource: 'requested' });
    expect(second.welcome).toMatchObject({ idSource: 'generated', requestedId: 'my-job' });
    expect(second.welcome.id).not.toBe('my-job');
    for (let i = 0; i < 3; i++) track(await openClient(relay, 'my-job'));
    expect(first.dataSockets).toHaveLength(3);
    expect(second.dataSockets).toHaveLength(0);
  });

  it('another host key never takes a connected id, however often it asks', async () => {
    const owner = track(await scriptedAgent(relay, { requestedId: 'my-job' }));
    for (let i = 0; i < 5; i++) expect(track(await scriptedAgent(relay, { requestedId: 'my-job' })).welcome.idSource).toBe('generated');
    track(await openClient(relay, 'my-job'));
    expect(owner.dataSockets).toHaveLength(1);
  });

  it('the same host key reconnecting gets its id back and the stale socket is closed', async () => {
    const key = testHostKey();
    const first = track(await scriptedAgent(relay, {}, 'echo', key));
    const closed = once(first.control, 'close');
    const again = track(await scriptedAgent(relay, { requestedId: first.welcome.id }, 'echo', key));
    expect(again.welcome).toMatchObject({ id: first.welcome.id, idSource: 'resumed' });
    const [code] = await closed;
    expect(code).toBe(4409);
    const client = track(await openClient(relay, first.welcome.id));
    expect(await roundTrip(client, 'x')).toBe('x');
    expect(again.dataSockets).toHaveLength(1);
  });

  it('keeps a dropped agent id reserved for its host key so another agent cannot take it', async () => {
    const key = testHostKey();
    const first = await scriptedAgent(relay, { requestedId: 'keep-me' }, 'echo', key);
    first.control.terminate();
    await once(first.control, 'close');
    await new Promise((r) => setTimeout(r, 50));
    const other = track(await scriptedAgent(relay, { requestedId: 'keep-me' }));
    expect(other.welcome.idSource).toBe('generated');
    const back = track(await scriptedAgent(relay, { requestedId: 'keep-me' }, 'echo', key));
    expect(back.welcome.idSource).toBe('resumed');
  });

  it('a clean goodbye (close 1000) frees the id at once for a new host key', async () => {
    const first = await scriptedAgent(relay, { requestedId: 'rerun-me' });
    first.control.close(1000, 'agent shutting down');
    await once(first.control, 'close');
    await new Promise((r) => setTimeout(r, 50));
    expect(track(await scriptedAgent(relay, { requestedId: 'rerun-me' })).welcome.idSource).toBe('requested');
  });

  it('answers 504 when the agent does not open the data socket in time', async () => {
    const agent = track(await scriptedAgent(relay, {}, 'ignore'));
    const answer = await refusal(relay, `/client/${agent.welcome.id}`);
    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.body).error.code).toBe('AGENT_TIMEOUT');
  });

  it('opens that timed out free their slots: the next client still reaches the agent', async () => {
    await relay.close();
    relay = await startRelay({ host: '127.0.0.1', port: 0, openTimeoutMs: 200, maxClientsPerAgent: 2 });
    const agent = track(await scriptedAgent(relay, {}, 'ignore'));
    for (let i = 0; i < 4; i++) expect((await refusal(relay, `/client/${agent.welcome.id}`)).status).toBe(504);
    expect(agent.messages.filter((m) => m.type === 'open')).toHaveLength(4);
  });

  it('answers 502 when the agent says it cannot open the connection', async () => {
    const agent = track(await scriptedAgent(relay, {}, 'fail'));
    const answer = await refusal(relay, `/client/${agent.welcome.id}`);
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body).error.message).toMatch(/could not open the connection: no thanks/);
  });

  it.each([
    ['garbage', 'not json at all'],
    ['a wrong version', '{"v":9,"type":"hello"}'],
    ['a binary frame', Buffer.from('{}')],
    ['an oversized frame', 'x'.repeat(70 * 1024)],
  ])('closes an agent that sends %s, with a reason, and keeps serving others', async (_what, frame) => {
    const good = track(await scriptedAgent(relay));
    const bad = new WebSocket(`${relay.url.replace('http', 'ws')}/agent`);
    track(bad);
    const challenge = readChallenge(bad);
    await once(bad, 'open');
    await challenge;
    bad.send(frame);
    const [code] = await once(bad, 'close');
    expect([4002, 1009]).toContain(code);
    const client = track(await openClient(relay, good.welcome.id));
    expect(await roundTrip(client, 'still here')).toBe('still here');
  });

  it('drops an agent that stops answering pings and frees its id after the grace period', async () => {
    const agent = track(await scriptedAgent(relay));
    expect(relay.agents.size).toBe(1);
    agent.control.pause();
    await new Promise((r) => setTimeout(r, 1200));
    expect(relay.agents.size).toBe(0);
  });

  it('stops reading from the agent while a client does not read (backpressure)', async () => {
    const agent = track(await scriptedAgent(relay));
    const client = track(await openClient(relay, agent.welcome.id));
    const data = agent.dataSockets[0]!;
    if (data.readyState !== WebSocket.OPEN) await once(data, 'open');
    client.pause();
    const chunk = Buffer.alloc(256 * 1024);
    const deadline = Date.now() + 5000;
    while (data.bufferedAmount < 8 * 1024 * 1024 && Date.now() < deadline) {
      data.send(chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect(data.bufferedAmount).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    client.resume();
  });

  it('drops a pipe whose both ends stopped reading (nothing moves while bytes wait both ways)', async () => {
    await relay.close();
    relay = await startRelay({ host: '127.0.0.1', port: 0, openTimeoutMs: 500, heartbeatMs: 60_000, stallTimeoutMs: 400 });
    const agent = track(await scriptedAgent(relay, {}, 'ignore'));
    const open = new Promise<string>((resolve) => agent.control.on('message', (f) => {
      const m = JSON.parse(String(f)) as { type: string; connectionId: string };
      if (m.type === 'open') resolve(m.connectionId);
    }));
    const client = new WebSocket(`${relay.url.replace('http', 'ws')}/client/${agent.welcome.id}`);
    track(client);
    const data = new WebSocket(`${relay.url.replace('http', 'ws')}/data/${await open}`);
    track(data);
    await Promise.all([once(client, 'open'), once(data, 'open')]);
    // Neither side reads; both write until their own buffers are full.
    client.pause();
    data.pause();
    const chunk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < 64; i++) {
      client.send(chunk);
      data.send(chunk);
      await new Promise((r) => setImmediate(r));
    }
    expect(relay.stats.clientsConnected).toBe(1);
    const deadline = Date.now() + 5000;
    while (relay.stats.clientsConnected > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(relay.stats.clientsConnected).toBe(0);
  });

  it('tells the agent the client address from the right-most untrusted X-Forwarded-For entry', async () => {
    await relay.close();
    relay = await startRelay({ host: '127.0.0.1', port: 0, openTimeoutMs: 500, trustProxy: 1 });
    const agent = track(await scriptedAgent(relay));
    const client = new WebSocket(`${relay.url.replace('http', 'ws')}/client/${agent.welcome.id}`, { headers: { 'x-forwarded-for': '127.0.0.1, 203.0.113.5' } });
    track(client);
    await once(client, 'open');
    expect(agent.messages.find((m) => m.type === 'open')).toMatchObject({ clientAddress: '203.0.113.5' });
  });

  it('an agent flooding control messages past the per-socket rate is closed; others are served', async () => {
    const good = track(await scriptedAgent(relay));
    const flooder = track(await scriptedAgent(relay));
    const closed = once(flooder.control, 'close');
    for (let i = 0; i < 400; i++) flooder.control.send(encodeMessage({ type: 'heartbeat', sentAt: i, reply: true }));
    const [code] = await closed;
    expect(code).toBe(4429);
    expect(flooder.messages).toContainEqual(expect.objectContaining({ type: 'error', code: 'LIMIT_REACHED' }));
    const client = track(await openClient(relay, good.welcome.id));
    expect(await roundTrip(client, 'still served')).toBe('still served');
  });

  it('answers health and readiness, and 404 elsewhere', async () => {
    const get = (path: string) =>
      new Promise<number>((resolve) => request(`${relay.url}${path}`, (res) => resolve(res.statusCode!)).end());
    expect(await get('/healthz')).toBe(200);
    expect(await get('/readyz')).toBe(200);
    expect(await get('/missing')).toBe(404);
  });

  it('closes a connection that never finishes its request headers', async () => {
    await relay.close();
    relay = await startRelay({ host: '127.0.0.1', port: 0, handshakeTimeoutMs: 300 });
    const { connect } = await import('node:net');
    const socket = connect(relay.port, '127.0.0.1');
    socket.resume();
    socket.write('GET /client/abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
    await once(socket, 'close');
  });

  it('survives malformed HTTP', async () => {
    const { connect } = await import('node:net');
    const socket = connect(relay.port, '127.0.0.1');
    socket.resume();
    socket.end('BLAH / HTTP/9\r\n\r\n\r\n');
    await once(socket, 'close');
    expect(relay.stats.upgradeFailures.get('malformed_http')).toBe(1);
  });
});
