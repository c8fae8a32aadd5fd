// Security properties, end to end. What crosses the relay (both hops: client <-> relay and relay <->
// agent) is captured by TCP proxies and holds neither a typed secret nor a file's content in plaintext;
// only a valid signature by an authorized key logs in; the host key the agent prints is the one the
// client sees, and a relay that routes the id to another SSH server is caught by StrictHostKeyChecking.
// Already in core.test.ts (not repeated here): a key that is not authorized, password and
// keyboard-interactive refused; a forged known_hosts line rejected; a duplicate id never reaches the
// first agent's clients.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IPty } from '@lydell/node-pty';
import { type AnyAuthMethod, Client, utils } from 'ssh2';
import WebSocket, { createWebSocketStream } from 'ws';
import {
  type AgentInfo,
  type AgentProc,
  cleanup,
  type Key,
  knownHostsFor,
  makeKey,
  type RelayProc,
  run,
  ssh,
  sshOptions,
  startAgent,
  startRelay,
  startStack,
  tempDir,
  waitFor,
} from './harness';
import { type CaptureProxy, captureProxy } from './probes';

/** An ssh2 client over the relay's client websocket; resolves 'ready' or the auth error's message. */
function connectVia(info: AgentInfo, options: Record<string, unknown>): Promise<{ outcome: string; hostKey?: Buffer }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(info.clientUrl, { perMessageDeflate: false });
    let hostKey: Buffer | undefined;
    ws.on('error', (error) => resolve({ outcome: `ws: ${error.message}` }));
    ws.on('open', () => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => undefined);
      const client = new Client();
      client.on('ready', () => {
        client.end();
        resolve({ outcome: 'ready', hostKey });
      });
      client.on('error', (error) => {
        ws.terminate();
        resolve({ outcome: error.message, hostKey });
      });
      client.connect({
        sock: stream,
        username: info.user,
        readyTimeout: 15_000,
        hostVerifier: (key: Buffer) => {
          hostKey = key;
          return true;
        },
        ...options,
      });
    });
  });
}

const fingerprint = (blob: Buffer) => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

describe('security', () => {
  let relay: RelayProc;
  let agent: AgentProc;
  let key: Key;
  let dir: string;

  beforeAll(async () => {
    ({ dir, key, relay, agent } = await startStack());
  });
  afterAll(cleanup);

  describe('what the relay relays is ciphertext', () => {
    let clientSide: CaptureProxy;
    let agentSide: CaptureProxy;
    let info: AgentInfo;
    let knownHosts: string;
    let capturedAgent: AgentProc;

    beforeAll(async () => {
      clientSide = await captureProxy(relay.port);
      agentSide = await captureProxy(relay.port);
      // The agent reaches the relay through one capturing proxy, the person through the other.
      const captured = await startAgent(`ws://127.0.0.1:${agentSide.port}`, ['--authorized-keys', key.publicKey, '--sftp', 'system']);
      capturedAgent = captured;
      info = { ...captured.info, clientUrl: `ws://127.0.0.1:${clientSide.port}/client/${captured.info.id}` };
      knownHosts = knownHostsFor(captured.info, dir);
    });
    afterAll(async () => {
      await clientSide.close();
      await agentSide.close();
    });

    it('a secret typed in a shell and a file sent over sftp never cross the relay in plaintext', async () => {
      const typed = `typed-secret-${randomBytes(8).toString('hex')}`;
      const fileSecret = `file-secret-${randomBytes(8).toString('hex')}`;
      const pty = require('@lydell/node-pty') as typeof import('@lydell/node-pty');
      const term: IPty = pty.spawn('ssh', [...sshOptions(info, key, knownHosts, ['-tt']), `${info.user}@${info.id}`], { cols: 80, rows: 24, env: process.env as Record<string, string> });
      let screen = '';
      term.onData((d) => (screen += d));
      const exited = new Promise<number>((r) => term.onExit(({ exitCode }) => r(exitCode)));
      term.write(`echo ${typed} | rev\r`);
      await waitFor('the secret, reversed', () => screen.includes([...typed].reverse().join('')));
      term.write('exit 0\r');
      expect(await exited).toBe(0);

      const local = join(dir, 'secret.txt');
      writeFileSync(local, `${fileSecret}\n`.repeat(20_000));
      const batch = join(dir, 'batch');
      writeFileSync(batch, `put ${local} ${join(dir, 'uploaded.txt')}\n`);
      const sftp = await run('sftp', ['-q', '-b', batch, ...sshOptions(info, key, knownHosts), `${info.user}@${info.id}`]);
      expect(sftp.code).toBe(0);
      expect(readFileSync(join(dir, 'uploaded.txt'), 'utf8')).toBe(readFileSync(local, 'utf8'));

      for (const side of [clientSide, agentSide]) {
        const seen = side.captured();
        // The capture is real: it holds the SSH version lines (plaintext by design) and the whole file's worth of bytes.
        expect(seen.includes('SSH-2.0-')).toBe(true);
        expect(seen.length).toBeGreaterThan(20_000 * fileSecret.length);
        expect(seen.includes(typed)).toBe(false);
        expect(seen.includes(fileSecret)).toBe(false);
        expect(seen.includes(Buffer.from(typed, 'utf16le'))).toBe(false);
      }
      // Nor do the logs carry session bytes or key material.
      const logs = [relay.stdout(), relay.stderr(), capturedAgent.stdout(), capturedAgent.stderr()].join('\n');
      expect(logs).toMatch(/client connected/);
      for (const secret of [typed, fileSecret, 'PRIVATE KEY', readFileSync(key.privateKey, 'utf8').split('\n')[1]!]) {
        expect(logs.includes(secret)).toBe(false);
      }
    });
  });

  describe('only a valid signature by an authorized key logs in', () => {
    it('the authorized key logs in (control)', async () => {
      expect((await connectVia(agent.info, { privateKey: readFileSync(key.privateKey) })).outcome).toBe('ready');
    });

    it.each(['none', 'password', 'keyboard-interactive', 'hostbased'])('method %s is refused', async (method) => {
      const hostKey = utils.parseKey(readFileSync(key.privateKey)) as ReturnType<typeof utils.parseKey> & object;
      const user = agent.info.user;
      const attempt: Record<string, AnyAuthMethod> = {
        none: { type: 'none', username: user },
        password: { type: 'password', username: user, password: 'hunter2' },
        'keyboard-interactive': { type: 'keyboard-interactive', username: user, prompt: (_n: string, _i: string, _l: string, _p: unknown, finish: (answers: string[]) => void) => finish(['hunter2']) },
        hostbased: { type: 'hostbased', username: user, key: hostKey as never, localHostname: 'localhost', localUsername: user },
      };
      const { outcome } = await connectVia(agent.info, { authHandler: [attempt[method]] });
      expect(outcome).toMatch(/All configured authentication methods failed/);
    });

    it('the authorized public key with a signature by another key is refused', async () => {
      const other = makeKey(dir, 'forger');
      const authorized = utils.parseKey(readFileSync(key.publicKey)) as { getPublicSSH(): Buffer };
      const forged = utils.parseKey(readFileSync(other.privateKey)) as { getPublicSSH(): Buffer };
      forged.getPublicSSH = () => authorized.getPublicSSH();
      const { outcome } = await connectVia(agent.info, { authHandler: [{ type: 'publickey', username: agent.info.user, key: forged }] });
      expect(outcome).toMatch(/All configured authentication methods failed/);
      // It got as far as the signature check (the key itself matched an authorized one).
      await waitFor('the agent to log the bad signature', () => /bad signature for key/.test(agent.stdout() + agent.stderr()));
    });
  });

  describe('host key', () => {
    it('the host key a client sees through the relay is the one the agent printed', async () => {
      const { outcome, hostKey } = await connectVia(agent.info, { privateKey: readFileSync(key.privateKey) });
      expect(outcome).toBe('ready');
      expect(fingerprint(hostKey!)).toBe(agent.info.fingerprint);
      expect(agent.info.knownHostsLine.endsWith(hostKey!.toString('base64'))).toBe(true);
    });

    it('a relay that routes the id to another SSH server is caught by StrictHostKeyChecking', async () => {
      // The impostor: another relay with another agent under the same id, same authorized key.
      const rogue = await startRelay();
      const impostor = await startAgent(rogue.wsUrl, ['--id', agent.info.id, '--authorized-keys', key.publicKey]);
      expect(impostor.info.id).toBe(agent.info.id);
      const routed = { ...agent.info, clientUrl: impostor.info.clientUrl };
      const result = await ssh(routed, key, knownHostsFor(agent.info, dir), ['echo reached-impostor']);
      expect(result.code).toBe(255);
      expect(result.stdout).not.toContain('reached-impostor');
      expect(result.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
      // Control: with the impostor's own printed line the same route works, so the key was the only difference.
      expect((await ssh(routed, key, knownHostsFor(impostor.info, tempDir()), ['echo reached-impostor'])).stdout).toBe('reached-impostor\n');
    });
  });
});
