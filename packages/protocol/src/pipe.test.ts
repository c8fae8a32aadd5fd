import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { PipeClosedError, streamEndpoint, webSocketEndpoint, type WebSocketLike } from './endpoints';
import { pipeEndpoints, type PipeEndpoint } from './pipe';

/** A fake endpoint whose flushes the test completes by hand. */
class FakeEndpoint implements PipeEndpoint {
  sent: Uint8Array[] = [];
  pending: ((error?: Error) => void)[] = [];
  paused = false;
  closedWith: Error | undefined | null = null;
  onData!: (chunk: Uint8Array) => void;
  onEnd!: (error?: Error) => void;
  send(chunk: Uint8Array, done: (error?: Error) => void) {
    this.sent.push(chunk);
    this.pending.push(done);
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  close(error?: Error) {
    this.closedWith = error;
  }
  start(onData: (chunk: Uint8Array) => void, onEnd: (error?: Error) => void) {
    this.onData = onData;
    this.onEnd = onEnd;
  }
  flushAll() {
    const pending = this.pending.splice(0);
    for (const done of pending) done();
  }
}

describe('pipeEndpoints', () => {
  it('copies both ways and counts bytes', () => {
    const a = new FakeEndpoint();
    const b = new FakeEndpoint();
    const pipe = pipeEndpoints(a, b);
    a.onData(Buffer.from('hello'));
    b.onData(Buffer.from('hi'));
    expect(Buffer.concat(b.sent).toString()).toBe('hello');
    expect(Buffer.concat(a.sent).toString()).toBe('hi');
    expect([pipe.bytesAtoB, pipe.bytesBtoA]).toEqual([5, 2]);
  });

  it('pauses a sender whose receiver does not flush, and resumes it below the low water mark', () => {
    const a = new FakeEndpoint();
    const b = new FakeEndpoint();
    const pipe = pipeEndpoints(a, b, { highWaterMark: 100, lowWaterMark: 40 });
    for (let i = 0; i < 10; i++) a.onData(new Uint8Array(30));
    expect(a.paused).toBe(true);
    expect(b.paused).toBe(false);
    expect(pipe.inFlight.aToB).toBe(300);
    b.pending.splice(0, 8).forEach((done) => done());
    expect(pipe.inFlight.aToB).toBe(60);
    expect(a.paused).toBe(true);
    b.pending.splice(0, 1).forEach((done) => done());
    expect(a.paused).toBe(false);
  });

  it('the first end closes the other side, once, and reports who ended it', async () => {
    const a = new FakeEndpoint();
    const b = new FakeEndpoint();
    const pipe = pipeEndpoints(a, b);
    a.onData(Buffer.from('x'));
    const failure = new Error('reset');
    b.onEnd(failure);
    a.onEnd();
    expect(a.closedWith).toBe(failure);
    expect(b.closedWith).toBeNull();
    await expect(pipe.closed).resolves.toEqual({ endedBy: 'b', error: failure, bytesAtoB: 1, bytesBtoA: 0 });
    a.onData(Buffer.from('late'));
    expect(b.sent).toHaveLength(1);
  });

  it('a failed send ends the pipe', async () => {
    const a = new FakeEndpoint();
    const b = new FakeEndpoint();
    const pipe = pipeEndpoints(a, b);
    a.onData(Buffer.from('x'));
    b.pending[0]!(new Error('EPIPE'));
    await expect(pipe.closed).resolves.toMatchObject({ endedBy: 'b' });
    expect(a.closedWith).toEqual(new Error('EPIPE'));
  });

  it('close() from outside closes both', async () => {
    const a = new FakeEndpoint();
    const b = new FakeEndpoint();
    const pipe = pipeEndpoints(a, b);
    pipe.close();
    expect(a.closedWith).toBeUndefined();
    expect(b.closedWith).toBeUndefined();
    await expect(pipe.closed).resolves.toMatchObject({ endedBy: 'local' });
  });
});

class FakeWebSocket extends EventEmitter implements WebSocketLike {
  readyState = 1;
  sent: Uint8Array[] = [];
  closed: [number?, string?] | null = null;
  paused = false;
  send(data: Uint8Array, _options: { binary: boolean }, callback: (error?: Error) => void) {
    this.sent.push(data);
    callback();
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  close(code?: number, reason?: string) {
    this.closed = [code, reason];
    this.readyState = 2;
  }
  terminate() {
    this.readyState = 3;
  }
}

describe('endpoints', () => {
  it('pipes a stream pair to a websocket and closes the socket when the stream ends', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const ws = new FakeWebSocket();
    const pipe = pipeEndpoints(streamEndpoint(input, output), webSocketEndpoint(ws));
    input.write('to ws');
    ws.emit('message', Buffer.from('to stream'), true);
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(ws.sent).toString()).toBe('to ws');
    expect(output.read()?.toString()).toBe('to stream');
    input.end();
    await expect(pipe.closed).resolves.toMatchObject({ endedBy: 'a' });
    expect(ws.closed).toEqual([1000, '']);
  });

  it('a text frame on a data socket closes it with 1003 and ends the pipe with that code', async () => {
    const ws = new FakeWebSocket();
    const other = new FakeWebSocket();
    const pipe = pipeEndpoints(webSocketEndpoint(ws), webSocketEndpoint(other));
    ws.emit('message', Buffer.from('hi'), false);
    expect(ws.closed?.[0]).toBe(1003);
    ws.emit('close', 1003, Buffer.from(''));
    const result = await pipe.closed;
    expect(result.error).toBeInstanceOf(PipeClosedError);
    expect(other.closed?.[0]).toBe(1003);
  });

  it('passes an application close code on and maps an abnormal close to 1011', async () => {
    const [a, b, c, d] = [new FakeWebSocket(), new FakeWebSocket(), new FakeWebSocket(), new FakeWebSocket()];
    pipeEndpoints(webSocketEndpoint(a), webSocketEndpoint(b));
    a.emit('close', 4504, Buffer.from('agent timeout'));
    expect(b.closed).toEqual([4504, 'agent timeout']);
    pipeEndpoints(webSocketEndpoint(c), webSocketEndpoint(d));
    c.emit('close', 1006, Buffer.from(''));
    expect(d.closed?.[0]).toBe(1011);
  });

  it('a writable that stops draining pauses the websocket', async () => {
    const input = new PassThrough();
    const stalled = new Writable({ highWaterMark: 16, write: () => undefined });
    const ws = new FakeWebSocket();
    pipeEndpoints(webSocketEndpoint(ws), streamEndpoint(input, stalled), { highWaterMark: 1000, lowWaterMark: 100 });
    for (let i = 0; i < 20; i++) ws.emit('message', Buffer.alloc(100), true);
    expect(ws.paused).toBe(true);
  });
});
