// A client that connects and never finishes the SSH handshake is dropped after the login grace time,
// while a client that logged in keeps its connection past it.
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Client } from 'ssh2';
import { readFileSync } from 'node:fs';
import { generateHostKey } from './host-key';
import { shellSpec } from './shell';
import { AccessPolicy } from './forward/policy';
import { AuthorizedKeys, textKeySource } from './auth/key-source';
import { createLogger } from './log';
import { LOGIN_GRACE_MS, RELAY_LOGIN_GRACE_MS, SshServer } from './ssh-server';
import { tempKeys, type TempKeys } from '@converge/testkit';

jest.setTimeout(20_000);

const GRACE_MS = 400;
let keys: TempKeys;
let server: SshServer;
let port: number;

beforeAll(async () => {
  keys = tempKeys(['me']);
  const log = createLogger('error', { silent: true });
  const authorized = new AuthorizedKeys([textKeySource('test', keys.publicLine('me'))], log);
  await authorized.reload();
  server = new SshServer({
    hostKey: generateHostKey(),
    keys: authorized,
    log,
    loginGraceMs: GRACE_MS,
    policy: new AccessPolicy(true),
    session: { shell: shellSpec('/bin/sh'), cwd: keys.dir, childEnv: () => ({ PATH: process.env.PATH ?? '' }), ptyBackend: 'pipes', sftp: 'builtin', killGraceMs: 500, log, policy: new AccessPolicy(true), acceptEnv: ['LANG'] },
  });
  port = (await server.listen('127.0.0.1', 0)).port;
});

afterAll(async () => {
  await server?.close();
  keys?.cleanup();
});

function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

test.each([
  ['sends nothing', ''],
  ['sends only its version line', 'SSH-2.0-stalled\r\n'],
])('a client that %s is dropped after the grace time', async (_what, bytes) => {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  if (bytes) socket.write(bytes);
  expect(await closedWithin(socket, GRACE_MS * 10)).toBe(true);
});

test('a client that logged in stays connected past the grace time', async () => {
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username: 'u', privateKey: readFileSync(keys.key('me')) });
  });
  const closed = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), GRACE_MS * 3);
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  expect(await closed).toBe(false);
  client.end();
});

test('relayed connections get their own, shorter login grace: an idle one goes, a TCP one stays', async () => {
  expect(RELAY_LOGIN_GRACE_MS).toBeLessThan(LOGIN_GRACE_MS);
  const log = createLogger('error', { silent: true });
  const authorized = new AuthorizedKeys([textKeySource('test', keys.publicLine('me'))], log);
  await authorized.reload();
  const policy = new AccessPolicy(true);
  const relayed = new SshServer({
    hostKey: generateHostKey(),
    keys: authorized,
    log,
    loginGraceMs: 60_000,
    relayLoginGraceMs: GRACE_MS,
    policy,
    session: { shell: shellSpec('/bin/sh'), cwd: keys.dir, childEnv: () => ({}), ptyBackend: 'pipes', sftp: 'builtin', killGraceMs: 500, log, policy, acceptEnv: [] },
  });
  const tcpPort = (await relayed.listen('127.0.0.1', 0)).port;
  // A relayed connection arrives as a Duplex handed to inject() (a data websocket's stream); this one
  // is a client that never says anything.
  const silent = new Duplex({ read: () => undefined, write: (_chunk, _encoding, done) => done() });
  relayed.inject(silent, '203.0.113.9', 'abcdefghjkmnpqrstvwxyz0123');
  const direct = connect(tcpPort, '127.0.0.1');
  direct.on('error', () => undefined);
  direct.on('data', () => undefined);
  expect(await closedWithin(silent as unknown as Socket, GRACE_MS * 10)).toBe(true);
  expect(direct.destroyed).toBe(false);
  direct.destroy();
  await relayed.close();
});
