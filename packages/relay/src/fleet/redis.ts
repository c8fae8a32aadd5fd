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
  /** Sets several fields of a hash in one command. */
  hSet(key: string, fields: Record<string, string>): Promise<number>;
  hDel(key: string, fields: string | string[]): Promise<number>;
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

interface ClientEvents {
  /** The connection is gone (error or end). */
  readonly lost: () => void;
  /** The connection came up and answered as Redis. */
  readonly verified: () => void;
  /** The connection came up and did not: it is dropped and dialed again REDIAL_MS later. */
  readonly notRedis: () => void;
}

/**
 * Verifies each connection of `client` with a PING once node-redis says it is ready. A connection
 * counter makes a PING answered after the connection changed count for nothing.
 */
function watchClient(client: Client, isClosed: () => boolean, events: ClientEvents): void {
  let epoch = 0;
  const lost = (): void => {
    epoch++;
    events.lost();
  };
  client.on('end', lost);
  client.on('error', lost);
  client.on('ready', () => {
    const at = ++epoch;
    void answersAsRedis(client).then((isRedis) => {
      if (at !== epoch || isClosed()) return;
      if (isRedis) return events.verified();
      events.notRedis();
      destroyQuietly(client);
      setTimeout(() => void (isClosed() || client.connect().catch(() => undefined)), REDIAL_MS).unref();
    });
  });
}

function destroyQuietly(client: Client): void {
  try {
    client.destroy();
  } catch {
    // already closed
  }
}

export function connectRedis(url: string, log: Logger, onReady: () => void): RedisConnection {
  const commands = createRedisClient(url);
  const subscriber = createRedisClient(url);
  let closed = false;
  const isClosed = (): boolean => closed;
  let up = false;
  let reported: 'up' | 'down' | undefined;
  const report = (state: 'up' | 'down', detail?: string): void => {
    if (reported === state) return;
    reported = state;
    if (state === 'down') log.error('redis unreachable: routing new agents and clients is refused until it returns', { error: detail });
    else log.info('redis reachable', { url: url.replace(/\/\/[^@/]*@/, '//***@') });
  };
  const notRedis = 'the peer did not answer PING as Redis does';
  commands.on('error', (error: Error) => report('down', error.message));
  subscriber.on('error', () => undefined);
  watchClient(commands, isClosed, {
    lost: () => (up = false),
    verified: () => {
      up = true;
      report('up');
      onReady();
    },
    notRedis: () => report('down', notRedis),
  });
  // The relay starts whether or not Redis is there yet; both clients keep retrying by themselves.
  const subscriptions = new Map<string, (message: string) => void>();
  let subscribed = false;
  watchClient(subscriber, isClosed, {
    lost: () => undefined,
    verified: () => {
      if (subscribed) return; // node-redis restores its subscriptions after a reconnect
      subscribed = true;
      for (const [channel, listener] of subscriptions) void subscriber.subscribe(channel, listener).catch(() => (subscribed = false));
    },
    notRedis: () => log.warn('redis subscriber connection dropped: dialing again', { error: notRedis }),
  });
  commands.connect().catch((error: Error) => report('down', error.message));
  subscriber.connect().catch(() => undefined);
  return {
    commands: guardCommands(commands as unknown as RedisLike, () => up),
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
    // destroy, not QUIT: QUIT between two dials waits for a reply that never comes.
    async close() {
      closed = true;
      destroyQuietly(commands);
      destroyQuietly(subscriber);
    },
  };
}

/** Nothing goes to a connection before it has answered as Redis: the registry fails as when Redis is down. */
function guardCommands(raw: RedisLike, isUp: () => boolean): RedisLike {
  const whileUp = <T>(call: () => Promise<T>): Promise<T> => (isUp() ? call() : Promise.reject(new Error('Redis is unreachable')));
  return {
    get: (key) => whileUp(() => raw.get(key)),
    set: (key, value, options) => whileUp(() => raw.set(key, value, options)),
    del: (key) => whileUp(() => raw.del(key)),
    eval: (script, options) => whileUp(() => raw.eval(script, options)),
    publish: (channel, message) => whileUp(() => raw.publish(channel, message)),
    hSet: (key, fields) => whileUp(() => raw.hSet(key, fields)),
    hDel: (key, fields) => whileUp(() => raw.hDel(key, fields)),
    hGetAll: (key) => whileUp(() => raw.hGetAll(key)),
  };
}
