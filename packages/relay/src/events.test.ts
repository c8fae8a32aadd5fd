import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { SnapshotEvents } from './events';

describe('SnapshotEvents', () => {
  let server: Server;
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('drops a viewer that stops reading instead of buffering for it without bound', async () => {
    let n = 0;
    // A large snapshot that changes every tick: what many agents with busy status would give.
    const events = new SnapshotEvents(() => ({ generatedAt: String(++n), n, pad: 'x'.repeat(512 * 1024) }), { tickMs: 20, maxBufferedBytes: 1024 * 1024 });
    server = createServer((_req, res) => events.subscribe(res, 'slow'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause(); // never reads: the relay's side fills up
    const deadline = Date.now() + 10_000;
    while (events.dropped === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events.dropped).toBe(1);
    expect(events.viewerCount).toBe(0);
    socket.destroy();
    events.close();
  });

  it('refuses more than maxPerAddress streams from one address, and frees the slot on close', async () => {
    const events = new SnapshotEvents(() => ({}), { maxPerAddress: 1 });
    const answers: boolean[] = [];
    server = createServer((_req, res) => {
      const ok = events.subscribe(res, 'one');
      answers.push(ok);
      if (!ok) res.writeHead(429).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const first = new AbortController();
    await fetch(url, { signal: first.signal });
    expect((await fetch(url)).status).toBe(429);
    first.abort();
    await new Promise((r) => setTimeout(r, 100));
    const third = new AbortController();
    expect((await fetch(url, { signal: third.signal })).status).toBe(200);
    third.abort();
    expect(answers).toEqual([true, false, true]);
    events.close();
    server.closeAllConnections();
  });
});
