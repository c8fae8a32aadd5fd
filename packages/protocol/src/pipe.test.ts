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
