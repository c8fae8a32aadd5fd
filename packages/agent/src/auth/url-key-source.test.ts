import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchText, forgeKeysUrl, FORGE_USER_PATTERN, urlKeySource } from './url-key-source';
import { tempKeys, type TempKeys } from '@converge/testkit';

let keys: TempKeys;
let server: Server;
let base: string;
let hits = 0;

beforeAll(async () => {
  keys = tempKeys(['octo']);
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/octocat.keys') return void res.end(`${keys.publicLine('octo')}\n`);
    if (req.url === '/slow.keys') return; // never answers
    res.statusCode = 404;
    res.end('Not Found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  keys.cleanup();
});

test('fetches NAME.keys once and reuses the answer', async () => {
  const source = urlKeySource('github', base, 'octocat');
  expect(source.name).toBe(`GitHub user octocat (${base}octocat.keys)`);
  const before = hits;
  const first = await source.load();
  expect(first.keys.map((k) => k.comment)).toEqual(['octo@test']);
  await source.load();
  expect(hits - before).toBe(1);
});

test('404 and timeouts are one readable reason', async () => {
  await expect(urlKeySource('gitlab', base, 'ghost').load()).rejects.toThrow('HTTP 404 (no such user?)');
  await expect(fetchText(`${base}slow.keys`, 200)).rejects.toThrow('no answer within 0.2 s');
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  await expect(fetchText(`http://127.0.0.1:${port}/x.keys`, 1000)).rejects.toThrow(/ECONNREFUSED/);
});

test('user names and URLs', () => {
  expect(forgeKeysUrl('https://github.com//', 'a-b')).toBe('https://github.com/a-b.keys');
  for (const ok of ['octocat', 'a', 'first.last', 'x_y']) expect(FORGE_USER_PATTERN.test(ok)).toBe(true);
  for (const bad of ['', '-a', 'a/b', '../x', 'a b']) expect(FORGE_USER_PATTERN.test(bad)).toBe(false);
});
