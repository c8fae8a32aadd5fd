// The fleet's Redis connections against real peers: a port that echoes what it receives, which is what
// a reconnect that connected to itself reads, and a real redis-server stopped and started again.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { captureLog, captureLogWithMeta, freePort, waitFor, waitForPort } from '@converge/testkit';
import { connectRedis } from './redis';

async function listen(server: Server, port = 0): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function startRedis(port: number, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: 'ignore' });
  await waitForPort(port);
  return child;
}

test('a peer that echoes the commands back is not taken for Redis: down, and dialed again', async () => {
  const sockets = new Set<Socket>();
  let connections = 0;
  const echo = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  const port = await listen(echo);
  const { log, lines } = captureLog();
  let readies = 0;
  const redis = connectRedis(`redis://127.0.0.1:${port}`, log, () => readies++);
  // Both connections (commands and subscriber) come up, answer PING wrongly, and dial again a second later.
  let everUp = false;
  await waitFor('each connection to be dialed twice', () => {
    everUp ||= redis.up;
    return connections >= 4 || everUp;
  }, { timeoutMs: 8000, intervalMs: 5 });
  expect(everUp).toBe(false);
  expect(redis.up).toBe(false);
  await expect(redis.commands.get('converge:any')).rejects.toThrow(/unreachable/);
  expect(readies).toBe(0);
  expect(lines.join('\n')).toMatch(/error redis unreachable/);
  expect(lines.join('\n')).toMatch(/warn redis subscriber connection dropped/);
  await redis.close();
  for (const socket of sockets) socket.destroy();
  echo.close();
}, 15_000);

test('a real Redis: up when it answers, down when it dies, up again by itself when it returns', async () => {
  const port = await freePort();
  let server = await startRedis(port);
  const { log } = captureLog();
  let readies = 0;
  const redis = connectRedis(`redis://127.0.0.1:${port}`, log, () => readies++);
  try {
    await waitFor('the relay to see Redis up', () => redis.up);
    expect(readies).toBe(1);
    expect(await redis.commands.set('converge:test', 'v', { PX: 10_000 })).toBe('OK');
    expect(await redis.commands.get('converge:test')).toBe('v');
    server.kill('SIGKILL');
    await once(server, 'exit');
    await waitFor('the relay to see Redis down', () => !redis.up);
    server = await startRedis(port);
    await waitFor('the relay to see Redis up again', () => redis.up, { timeoutMs: 12_000 });
    expect(readies).toBe(2);
  } finally {
    await redis.close();
    server.kill('SIGKILL');
  }
}, 30_000);

test('closing while Redis is away returns at once: a relay stopping does not wait for Redis', async () => {
  const port = await freePort();
  const { log, lines } = captureLog();
  const redis = connectRedis(`redis://127.0.0.1:${port}`, log, () => undefined);
  await waitFor('a failed dial', () => lines.some((line) => /redis unreachable/.test(line)));
  const closed = await Promise.race([redis.close().then(() => true), new Promise((resolve) => setTimeout(resolve, 2000, false))]);
  expect(closed).toBe(true);
});

test('the password in the Redis URL is never logged, whether it is right or wrong', async () => {
  const port = await freePort();
  const server = await startRedis(port, ['--requirepass', 'right-s3cret']);
  const lines: string[] = [];
  const log = captureLogWithMeta(lines);
  const good = connectRedis(`redis://:right-s3cret@127.0.0.1:${port}`, log, () => undefined);
  const bad = connectRedis(`redis://:wrong-s3cret@127.0.0.1:${port}`, log, () => undefined);
  try {
    await waitFor('the right password to get in', () => good.up);
    await waitFor('the wrong one to be refused', () => lines.some((line) => /redis unreachable/.test(line)));
    expect(bad.up).toBe(false);
    expect(lines.join('\n')).toMatch(/redis reachable .*redis:\/\/\*\*\*@127\.0\.0\.1/);
    expect(lines.join('\n')).not.toMatch(/s3cret/);
  } finally {
    await good.close();
    await bad.close();
    server.kill('SIGKILL');
  }
});
