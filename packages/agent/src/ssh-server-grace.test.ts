// A client that connects and never finishes the SSH handshake is dropped after the login grace time,
// while a client that logged in keeps its connection past it.
import { connect, type Socket } from 'node:net';
import { Client } from 'ssh2';
import { readFileSync } from 'node:fs';
import { generateHostKey } from './host-key';
import { shellSpec } from './shell';
import { AccessPolicy } from './forward/policy';
import { AuthorizedKeys, textKeySource } from './auth/key-source';
import { createLogger } from './log';
import { SshServer } from './ssh-server';
import { tempKeys, type TempKeys } from './testing/harness';

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
