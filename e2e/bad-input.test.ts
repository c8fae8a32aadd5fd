// Bad input: malformed HTTP, wrong paths, invalid ids, oversized and unknown frames, thousands of
// half-open handshakes against the relay; garbage, stalled handshakes and absurd pty sizes against the
// agent. Each gets a clear refusal and both stay up: a real ssh works afterwards.
// (A handshake that never finishes is dropped after the login grace time: packages/agent/src/
// ssh-server-grace.test.ts shows it with a short grace; 60 s is too long to wait for here.)
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { encodeMessage, PROTOCOL_VERSION } from '@converge/protocol';
import { Client } from 'ssh2';
import WebSocket from 'ws';
import { type AgentProc, cleanup, CLI, type Key, type RelayProc, run, ssh, startStack } from './harness';
import { httpGet } from './probes';
import { readChallenge, signedHello } from '@converge/testkit';

/** Sends raw bytes and resolves with everything the peer sent back before it closed (or after ms). */
function rawExchange(port: number, bytes: string | Buffer, ms = 5000): Promise<{ reply: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ reply, closed: false });
    }, ms);
    socket.on('data', (d) => (reply += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ reply, closed: true });
    });
    socket.write(bytes);
  });
}

/** A websocket upgrade refused by the relay: its HTTP status and JSON error code. */
function refusedUpgrade(url: string): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => reject(new Error(`upgrade to ${url} was accepted`)));
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body || '{}') as { error?: { code?: string } }).error?.code }));
    });
  });
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * Upgrades `url` by hand, then writes `frames` as they are (no ws library to tidy them up), and resolves
 * with the close code of the close frame the relay sent back (undefined if none came before it hung up).
 */
function rawFramesAfterUpgrade(url: string, frames: Buffer, ms = 10_000): Promise<number | undefined> {
  const { port, pathname } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let reply = Buffer.alloc(0);
    let upgraded = false;
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      const end = reply.indexOf('\r\n\r\n');
      if (!upgraded && end >= 0) {
        upgraded = true;
        reply = reply.subarray(end + 4);
        socket.write(frames);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      // Skip what the agent's side sent (SSH ident in binary frames) up to the relay's close frame.
      let at = 0;
      while (at + 2 <= reply.length) {
        const opcode = reply[at]! & 0x0f;
        let length = reply[at + 1]! & 0x7f;
        let header = 2;
        if (length === 126) [length, header] = [reply.readUInt16BE(at + 2), 4];
        if (length === 127) [length, header] = [Number(reply.readBigUInt64BE(at + 2)), 10];
        if (opcode === 0x8) return resolve(length >= 2 ? reply.readUInt16BE(at + header) : 1005);
        at += header + length;
      }
      resolve(undefined);
    });
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

/** A masked client frame with any first byte (FIN, reserved bits, opcode) the test wants. */
function rawFrame(firstByte: number, payload: Buffer, masked = true): Buffer {
  const mask = randomBytes(4);
  const body = masked ? Buffer.from(payload.map((byte, i) => byte ^ mask[i & 3]!)) : payload;
  return Buffer.concat([Buffer.from([firstByte, (masked ? 0x80 : 0) | payload.length]), masked ? mask : Buffer.alloc(0), body]);
}

const closeCode = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
const AGENT = { hostname: 'h', os: 'linux', arch: 'x64', user: 'u', cwd: '/', version: '0' };

describe('bad input', () => {
  let relay: RelayProc;
  let agent: AgentProc;
  let key: Key;
  let knownHosts: string;

  const relayStillServes = async () => {
    expect((await httpGet(`${relay.url}/healthz`)).status).toBe(200);
    expect(await ssh(agent.info, key, knownHosts, ['echo alive'])).toMatchObject({ code: 0, stdout: 'alive\n' });
  };

  beforeAll(async () => {
    ({ key, relay, agent, knownHosts } = await startStack(['--listen', '127.0.0.1:0']));
  });
  afterAll(cleanup);

  describe('mistakes people make on the command line: one readable line and the shared exit code', () => {
    const oneLine = (text: string) => expect(text.trim().split('\n')).toHaveLength(1);

    it('wss:// to a plain relay: exit 4 (TLS) and what to do, from the agent and from wsproxy', async () => {
      const wss = relay.wsUrl.replace(/^ws:/, 'wss:');
      const agentRun = await run(process.execPath, [CLI.agent, wss, '--authorized-keys', key.publicKey]);
      expect(agentRun.code).toBe(4);
      oneLine(agentRun.stderr);
      expect(agentRun.stderr).toContain('the relay does not speak TLS there (a plain relay is ws://, not wss://)');
      const proxyRun = await run(process.execPath, [CLI.wsproxy, agent.info.clientUrl.replace(/^ws:/, 'wss:')], { input: '' });
      expect(proxyRun.code).toBe(4);
      oneLine(proxyRun.stderr);
      expect(proxyRun.stderr).toContain('a plain relay is ws://, not wss://');
    });

    it('a missing --tls-cert file: exit 2 and which flag, not ENOENT', async () => {
      const result = await run(process.execPath, [CLI.relay, '--port', '0', '--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem']);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('converge-relay: --tls-cert /nonexistent/cert.pem: cannot read it (no such file)\n');
    });

    it('converge-relay token --help prints the subcommand\'s help', async () => {
      const result = await run(process.execPath, [CLI.relay, 'token', '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: converge-relay token --secret S/);
    });

    it('an agent --listen port that is taken: exit 9, as for the relay', async () => {
      const taken = String((agent.info as unknown as { listen: { port: number } }).listen.port);
      const agentRun = await run(process.execPath, [CLI.agent, relay.wsUrl, '--authorized-keys', key.publicKey, '--listen', `127.0.0.1:${taken}`]);
      expect(agentRun.code).toBe(9);
      const relayRun = await run(process.execPath, [CLI.relay, '--host', '127.0.0.1', '--port', taken]);
      expect(relayRun.code).toBe(9);
    });
  });

  describe('relay', () => {
    it('answers malformed HTTP with 400 and closes', async () => {
      for (const junk of ['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', `GET /${'a'.repeat(100_000)} HTTP/1.1\r\n\r\n`, randomBytes(4096)]) {
        const { reply, closed } = await rawExchange(relay.port, junk);
        expect(closed).toBe(true);
        expect(reply).toMatch(/^HTTP\/1\.1 (400|414|431) /);
      }
      await relayStillServes();
    });

    it('refuses wrong upgrade paths, invalid ids and unknown connections with status and code', async () => {
      expect(await refusedUpgrade(`${relay.wsUrl}/nope`)).toEqual({ status: 404, code: 'NOT_FOUND' });
      expect(await refusedUpgrade(`${relay.wsUrl}/client/NOT_AN_ID!`)).toEqual({ status: 400, code: 'BAD_REQUEST' });
      expect(await refusedUpgrade(`${relay.wsUrl}/client/${'a'.repeat(200)}`)).toEqual({ status: 400, code: 'BAD_REQUEST' });
      expect(await refusedUpgrade(`${relay.wsUrl}/client/no-such-agent`)).toEqual({ status: 404, code: 'UNKNOWN_ID' });
      expect(await refusedUpgrade(`${relay.wsUrl}/data/not-a-connection`)).toEqual({ status: 400, code: 'BAD_REQUEST' });
      // A well-formed connection id nobody is waiting for.
      expect(await refusedUpgrade(`${relay.wsUrl}/data/3yyg50d0yj0kvqewm8974q5xb9`)).toEqual({ status: 404, code: 'NOT_FOUND' });
      const plain = await rawExchange(relay.port, 'GET /agent HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      expect(plain.reply).toMatch(/^HTTP\/1\.1 400 /);
      await relayStillServes();
    });

    it('closes a control socket on an oversized frame (1009) and on a malformed message (4002), ignores unknown types', async () => {
      const big = await openSocket(`${relay.wsUrl}/agent`);
      const bigClosed = closeCode(big);
      big.send('x'.repeat(200 * 1024));
      expect(await bigClosed).toBe(1009);

      // The challenge may arrive in the same read as the 101: listen before the socket opens.
      const odd = new WebSocket(`${relay.wsUrl}/agent`, { perMessageDeflate: false });
      const nonce = await readChallenge(odd);
      const welcomed = new Promise((r) => odd.once('message', r));
      odd.send(encodeMessage(signedHello(nonce, { agent: AGENT })));
      await welcomed;
      odd.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'no-such-type' }));
      // Still registered after the unknown type: a heartbeat is answered.
      const answered = new Promise((r) => odd.once('message', r));
      odd.send(encodeMessage({ type: 'heartbeat', sentAt: Date.now() }));
      expect(String(await answered)).toContain('"reply":true');
      const oddClosed = closeCode(odd);
      odd.send('{not json');
      expect(await oddClosed).toBe(4002);

      const binary = new WebSocket(`${relay.wsUrl}/agent`, { perMessageDeflate: false });
      const binaryClosed = closeCode(binary);
      binary.send(Buffer.from(encodeMessage(signedHello(await readChallenge(binary), { agent: AGENT }))));
      expect(await binaryClosed).toBe(4002);
      await relayStillServes();
    });

    it('closes a client socket that sends a frame over --max-message-size (1009) or a text frame (1003)', async () => {
      const big = await openSocket(agent.info.clientUrl);
      const bigClosed = closeCode(big);
      big.send(Buffer.alloc(2 * 1024 * 1024));
      expect(await bigClosed).toBe(1009);
      const text = await openSocket(agent.info.clientUrl);
      const textClosed = closeCode(text);
      text.send('SSH-2.0-but-as-text\r\n');
      expect(await textClosed).toBe(1003);
      await relayStillServes();
    });

    it('closes a client socket that breaks websocket framing with the code that says how, and stays up', async () => {
      const url = agent.info.clientUrl;
      const cases: [string, Buffer, number][] = [
        ['an unmasked frame', rawFrame(0x82, Buffer.from('x'), false), 1002],
        ['reserved bits set', rawFrame(0xc2, Buffer.from('x')), 1002],
        ['an unknown opcode', rawFrame(0x83, Buffer.from('x')), 1002],
        ['a fragmented ping', rawFrame(0x09, Buffer.alloc(0)), 1002],
        ['a continuation with no message', rawFrame(0x80, Buffer.from('x')), 1002],
        ['a close frame with a reserved code', rawFrame(0x88, Buffer.from([0x03, 0xee])), 1002],
        ['a close frame whose reason is not UTF-8', rawFrame(0x88, Buffer.from([0x0f, 0xa0, 0xff, 0xfe])), 1002],
        ['a 2^63-byte frame', Buffer.from([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), 1009],
      ];
      for (const [what, frames, code] of cases) {
        expect([what, await rawFramesAfterUpgrade(url, frames)]).toEqual([what, code]);
      }
      await relayStillServes();
    });

    it('survives 2,000 half-open handshakes and still serves a real ssh', async () => {
      const sockets: Socket[] = [];
      try {
        for (let i = 0; i < 2000; i++) {
          const socket = connect(relay.port, '127.0.0.1');
          socket.on('error', () => undefined);
          socket.write(`GET /client/${agent.info.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n`);
          sockets.push(socket);
        }
        await new Promise((r) => setTimeout(r, 500));
        await relayStillServes();
      } finally {
        for (const socket of sockets) socket.destroy();
      }
    }, 60_000);
  });

  describe('agent', () => {
    const port = () => (agent.info as unknown as { listen: { port: number } }).listen.port;
    const agentStillServes = async () => {
      expect(agent.child.exitCode).toBeNull();
      await relayStillServes();
    };

    it('drops garbage instead of an SSH handshake, on TCP and through the relay', async () => {
      for (const junk of ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', randomBytes(64 * 1024), Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), randomBytes(64 * 1024)])]) {
        const { closed, reply } = await rawExchange(port(), junk, 10_000);
        expect(closed).toBe(true);
        // As sshd: a first line that is not SSH gets one line saying so.
        if (typeof junk === 'string') expect(reply).toContain('Invalid SSH identification string.\r\n');
      }
      const ws = await openSocket(agent.info.clientUrl);
      const closed = closeCode(ws);
      ws.send(Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), randomBytes(64 * 1024)]));
      // The agent ends the SSH connection, so the relay ends the client's socket.
      expect(await closed).toEqual(expect.any(Number));
      await agentStillServes();
    });

    it('survives absurd pty sizes in pty-req and window-change', async () => {
      const sizes = [
        { rows: 0, cols: 0, height: 0, width: 0 },
        { rows: 65535, cols: 65535, height: 0, width: 0 },
        { rows: 4294967295, cols: 4294967295, height: 4294967295, width: 4294967295 },
      ];
      const outcomes: string[] = [];
      for (const size of sizes) {
        const client = new Client();
        await new Promise<void>((resolve, reject) => {
          client.once('ready', resolve).once('error', reject);
          client.connect({ host: '127.0.0.1', port: port(), username: agent.info.user, privateKey: readFileSync(key.privateKey), readyTimeout: 15_000 });
        });
        const outcome = await new Promise<string>((resolve) => {
          client.shell({ term: 'xterm', ...size }, (error, channel) => {
            if (error) return resolve(`refused: ${error.message}`);
            let out = '';
            channel.on('data', (d: Buffer) => (out += d));
            channel.setWindow(size.rows, size.cols, size.height, size.width);
            channel.write('echo "ab""cd"; exit\n');
            channel.on('close', () => resolve(out.includes('abcd') ? 'ran' : `closed: ${out.slice(-80)}`));
          });
        });
        client.end();
        outcomes.push(outcome);
      }
      // Any clean outcome will do (a shell that runs, or a refusal): the property is that the agent lives.
      expect(outcomes).toHaveLength(sizes.length);
      await agentStillServes();
    });
  });
});
