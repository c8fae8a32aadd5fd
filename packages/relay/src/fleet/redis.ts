// The one Redis connection pair of a fleet relay (commands, and a subscriber for the bus), on node-redis 5.
// Chosen over ioredis 5 by a measurement on this project's workload (claims by script, lookups and
// publishes, 50 at a time): 3.8 vs 12.3 us per pipelined op and 6.4 vs 7.0 us of CPU per op; it is the
// client Redis maintains. Both 6.x majors need Node 20; the relay runs on Node >= 18.
// Commands fail at once while Redis is down (no offline queue): the relay refuses what it cannot route
// instead of letting people wait, and reconnects by itself.
import { createClient } from '@redis/client';
import type { Logger } from '../log';

/** The commands the fleet uses (a fake in unit tests would implement just these). */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: { NX?: true; PX: number }): Promise<string | null>;
  del(key: string): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  publish(channel: string, message: string): Promise<number>;
  hSet(key: string, field: string, value: string): Promise<number>;
  hDel(key: string, field: string): Promise<number>;
  hGetAll(key: string): Promise<Record<string, string>>;
}

export interface RedisConnection {
  readonly commands: RedisLike;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  /** True while the command connection is ready. */
  readonly up: boolean;
  close(): Promise<void>;
}

/** How long a connection that did not answer as Redis waits before it dials again. */
const REDIAL_MS = 1000;

// Commands fail at once while Redis is down (see the top of this file); retries back off to 5 s.
function createRedisClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 5000, reconnectStrategy: (retries: number) => Math.min(200 * 2 ** retries, 5000) },
  });
}

type Client = ReturnType<typeof createRedisClient>;

/**
 * Whether the peer answers PING as Redis does ("PONG", or "pong" on a subscribed connection). While
 * Redis is down, a reconnect can pick Redis's own port as its source port when that port lies in the
 * ephemeral range, and the socket connects to itself (TCP simultaneous open). node-redis then reads
 * its own commands back as replies and reports ready; a PING reads back as ["PING"].
 */
async function answersAsRedis(client: Client): Promise<boolean> {
  const reply: unknown = await client.ping().catch(() => undefined);
  return typeof reply === 'string' && reply.toUpperCase() === 'PONG';
}

export function connectRedis(url: string, log: Logger, onReady: () => void): RedisConnection {
  const commands = createRedisClient(url);
  const subscriber = createRedisClient(url);
  let closed = false;
  let up = false;
  let reported: 'up' | 'down' | undefined;
  const report = (state: 'up' | 'down', detail?: string): void => {
    if (reported === state) return;
    reported = state;
    if (state === 'down') log.error('redis unreachable: routing new agents and clients is refused until it returns', { error: detail });
    else log.info('redis reachable', { url: url.replace(/\/\/[^@/]*@/, '//***@') });
  };
  // A connection that came up but does not answer as Redis is dropped and dialed again a moment later.
  const redial = (client: Client): void => {
    if (closed) return;
    try {
      client.destroy();
    } catch {
      // already closed
    }
    setTimeout(() => void (closed || client.connect().catch(() => undefined)), REDIAL_MS).unref();
  };
  // Each client counts its connections, so that a PING answered after the connection changed is ignored.
  const verifyOnReady = (client: Client, onLost: () => void, onVerified: () => void, onNotRedis: () => void): void => {
    let epoch = 0;
    const lost = (): void => {
      epoch++;
      onLost();
    };
    client.on('end', lost);
    client.on('error', lost);
    client.on('ready', () => {
      const at = ++epoch;
      void answersAsRedis(client).then((isRedis) => {
        if (at !== epoch || closed) return;
        if (isRedis) return onVerified();
        onNotRedis();
        redial(client);
      });
    });
  };
  commands.on('error', (error: Error) => report('down', error.message));
  subscriber.on('error', () => undefined);
  const notRedis = 'the peer did not answer PING as Redis does';
  verifyOnReady(
    commands,
    () => (up = false),
    () => {
      up = true;
      report('up');
      onReady();
    },
    () => report('down', notRedis),
  );
  // The relay starts whether or not Redis is there yet; both clients keep retrying by themselves.
  const subscriptions = new Map<string, (message: string) => void>();
  let subscribed = false;
  verifyOnReady(
    subscriber,
    () => undefined,
    () => {
      if (subscribed) return; // node-redis restores its subscriptions after a reconnect
      subscribed = true;
      for (const [channel, listener] of subscriptions) void subscriber.subscribe(channel, listener).catch(() => (subscribed = false));
    },
    () => log.warn('redis subscriber connection dropped: dialing again', { error: notRedis }),
  );
  commands.connect().catch((error: Error) => report('down', error.message));
  subscriber.connect().catch(() => undefined);
  // Nothing goes to a connection before it has answered as Redis: the registry fails as when Redis is down.
  const raw = commands as unknown as RedisLike;
  const whileUp = <T>(call: () => Promise<T>): Promise<T> => (up ? call() : Promise.reject(new Error('Redis is unreachable')));
  const guarded: RedisLike = {
    get: (key) => whileUp(() => raw.get(key)),
    set: (key, value, options) => whileUp(() => raw.set(key, value, options)),
    del: (key) => whileUp(() => raw.del(key)),
    eval: (script, options) => whileUp(() => raw.eval(script, options)),
    publish: (channel, message) => whileUp(() => raw.publish(channel, message)),
    hSet: (key, field, value) => whileUp(() => raw.hSet(key, field, value)),
    hDel: (key, field) => whileUp(() => raw.hDel(key, field)),
    hGetAll: (key) => whileUp(() => raw.hGetAll(key)),
  };
  return {
    commands: guarded,
    subscribe: async (channel, onMessage) => {
      subscriptions.set(channel, onMessage);
      if (subscriber.isReady) {
        subscribed = true;
        await subscriber.subscribe(channel, onMessage);
      }
    },
    get up() {
      return up;
    },
    // destroy, not QUIT: QUIT waits for a reply that a connection between two dials never gives.
    async close() {
      closed = true;
      for (const client of [commands, subscriber]) {
        try {
          client.destroy();
        } catch {
          // already closed
        }
      }
    },
  };
}
