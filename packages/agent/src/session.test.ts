// A client that stops reading must pause the child (memory stays flat), and a client that disconnects
// must take its children with it. ssh2's own client plays the client here (it can stop reading).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type ClientChannel } from 'ssh2';
import type { Agent } from './agent';
import { startTestAgent, tempKeys, type TempKeys } from '@converge/testkit';
import { startAgent } from './agent';

jest.setTimeout(20_000);

let keys: TempKeys;
let agent: Agent;

beforeAll(async () => {
  keys = tempKeys(['me']);
  const file = join(keys.dir, 'authorized_keys');
  writeFileSync(file, `${keys.publicLine('me')}\n`);
  agent = await startTestAgent(startAgent, { authorizedKeysFiles: [file] });
});
afterAll(async () => {
  await agent.close();
  keys.cleanup();
});

function connect(): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.on('ready', () => resolve(client)).on('error', reject);
    client.connect({ host: '127.0.0.1', port: agent.info.listen!.port, username: 'u', privateKey: readFileSync(keys.key('me')) });
  });
}

const exec = (client: Client, command: string): Promise<ClientChannel> =>
  new Promise((resolve, reject) => client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel))));

const written = (pid: number): number => Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a flood into a client that stops reading pauses the child; disconnect kills it', async () => {
  const client = await connect();
  const channel = await exec(client, 'echo $$; exec yes');
  const pid = await new Promise<number>((resolve) => channel.once('data', (d: Buffer) => resolve(Number(d.toString().split('\n')[0]))));
  channel.pause();
  await sleep(600);
  const before = written(pid);
  await sleep(600);
  // Paused: at most a pipe buffer more, not the ~100+ MB/s `yes` writes when nothing pushes back.
  expect(written(pid) - before).toBeLessThan(1024 * 1024);
  client.end();
  for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await sleep(50);
  expect(existsSync(`/proc/${pid}`)).toBe(false);
});

test('signals are forwarded and reported as exit-signal', async () => {
  const client = await connect();
  const channel = await exec(client, 'echo ready; exec sleep 30');
  await new Promise((resolve) => channel.once('data', resolve));
  const exit = new Promise<unknown[]>((resolve) => channel.on('exit', (...args: unknown[]) => resolve(args)));
  channel.signal('TERM');
  expect((await exit)[1]).toBe('SIGTERM'); // ssh2's client prefixes SIG to the wire name TERM
  client.end();
});

test('unknown subsystems and absurd window sizes do not hurt', async () => {
  const client = await connect();
  const refused = await new Promise<Error | undefined>((resolve) => client.subsys('nonsense', (error) => resolve(error)));
  expect(refused).toBeInstanceOf(Error);
  const channel = await new Promise<ClientChannel>((resolve, reject) =>
    client.exec('stty size', { pty: { rows: 100000, cols: 0, term: 'xterm' } }, (e, c) => (e ? reject(e) : resolve(c))),
  );
  let out = '';
  channel.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => channel.on('close', resolve));
  expect(out.trim()).toBe('1000 80');
  client.end();
});
