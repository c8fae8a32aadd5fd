// The embedded SSH server: public-key authentication against the reloadable authorized keys, sessions
// and port forwards (-L, -D, -R), over any Duplex (relay data sockets) or an optional TCP listener.
import { createServer, isIP, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type AuthContext, type Connection, Server } from 'ssh2';
import type { AuthorizedKey } from './auth/authorized-keys';
import { addressMatches } from './auth/from';
import { RefusedLogins } from './auth/refused-logins';
import type { AuthorizedKeys } from './auth/key-source';
import { type ForwardContext, handleDirectTcpip } from './forward/direct';
import { SocketSet } from './forward/pipe';
import type { AccessPolicy } from './forward/policy';
import { RemoteForwards } from './forward/remote';
import { AgentForwarding } from './forward/agent-forwarding';
import { handleDirectStreamLocal, RemoteStreamLocalForwards } from './forward/streamlocal';
import { fingerprintOf, type HostKey } from './host-key';
import { SERVER_KEX, serverCiphers } from './ssh-algorithms';
import type { Logger } from './log';
import { ChildSet, handleSession, type SessionSettings } from './session';
import type { ConnectionHooks } from './lifecycle';

export interface SshServerOptions {
  readonly hostKey: HostKey;
  readonly keys: AuthorizedKeys;
  readonly session: SessionSettings;
  readonly policy: AccessPolicy;
  readonly log: Logger;
  /** Drop a TCP transport that has not logged in by then (OpenSSH's LoginGraceTime). */
  readonly loginGraceMs?: number;
  /** The same for relayed connections: shorter, as each holds one of the agent's client slots at the relay. */
  readonly relayLoginGraceMs?: number;
  /** Logins, sessions and input, for the lifecycle and the relay's sessions page. */
  readonly hooks?: ConnectionHooks;
}

/** Like OpenSSH's LoginGraceTime (120 s there): a silent or stalled handshake must not hold a socket. */
export const LOGIN_GRACE_MS = 60_000;
/** Relayed connections: a person's ssh logs in within a second or two; an idle socket holds a relay slot. */
export const RELAY_LOGIN_GRACE_MS = 20_000;
/** OpenSSH's MaxAuthTries: failed authentication requests before the connection is cut. */
export const MAX_AUTH_TRIES = 6;

interface ConnectionRecord {
  readonly client: Connection;
  readonly children: ChildSet;
  /** Sockets of this connection's forwards; destroyed when it ends. */
  readonly sockets: SocketSet;
  remote?: RemoteForwards;
  remoteSockets?: RemoteStreamLocalForwards;
  agentForwarding?: AgentForwarding;
}

/** `1.2.3.4`, `1.2.3.4:5678`, `[::1]:5678` -> the bare IP; anything else -> undefined. */
export function bareAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  if (isIP(address)) return address;
  const m = /^\[([^\]]+)\]:\d+$/.exec(address) ?? /^([^:]+):\d+$/.exec(address);
  return m && isIP(m[1]!) ? m[1] : undefined;
}

function findKey(keys: AuthorizedKeys, ctx: AuthContext & { method: 'publickey' }, address: string | undefined): AuthorizedKey | undefined {
  const now = Date.now();
  return keys.match(ctx.key.data).find((entry) => {
    if (entry.key.type !== ctx.key.algo && !(entry.type === 'ssh-rsa' && ctx.key.algo.startsWith('rsa-sha2-'))) {
      // ssh2 reports rsa-sha2-* algos for ssh-rsa keys; other types must match exactly.
      if (entry.type !== ctx.key.algo) return false;
    }
    if (entry.options.expiresAt && entry.options.expiresAt.getTime() <= now) return false;
    if (entry.options.from && !addressMatches(entry.options.from, address)) return false;
    return true;
  });
}

/**
 * What follows "SSH-2.0-" in the agent's identification string. The comment names OpenSSH on purpose:
 * clients pick the SFTP SYMLINK field order by looking for it in the server's version (asyncssh: "OpenSSH"
 * or "paramiko" anywhere in it), and both SFTP servers the agent runs read OpenSSH's order, as sshd's
 * sftp-server does. The software version itself stays ours, so OpenSSH clients apply no OpenSSH quirks.
 */
interface TransportAddresses {
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
}

/**
 * SSH_CLIENT ("ip port server-port") and SSH_CONNECTION ("ip port server-ip server-port") as sshd sets
 * them. Through the relay the client's address is the one the relay reported; the ports and our own
 * address are unknown there, written as sshd writes what it cannot know: UNKNOWN and 65535 (injected
 * transports carry a negative tag as their remote port).
 */
export function connectionEnv(transport: TransportAddresses | undefined, address: string | undefined): Record<string, string> {
  const unmapped = (a: string): string => a.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const client = unmapped(address ?? 'UNKNOWN');
  const tcp = transport?.remotePort !== undefined && transport.remotePort > 0;
  const clientPort = tcp ? transport!.remotePort! : 65535;
  const serverAddress = unmapped(tcp ? (bareAddress(transport!.localAddress) ?? 'UNKNOWN') : 'UNKNOWN');
  const serverPort = tcp ? (transport!.localPort ?? 65535) : 65535;
  return {
    SSH_CLIENT: `${client} ${clientPort} ${serverPort}`,
    SSH_CONNECTION: `${client} ${clientPort} ${serverAddress} ${serverPort}`,
  };
}

/**
 * As sshd: a peer whose first line is not an SSH identification string is told so before the connection
 * closes. ssh2 closes such a transport silently (its error comes before any listener can be attached),
 * so this looks at the first line itself; it runs before ssh2's own 'data' listener and consumes nothing.
 */
export function answerNonSshPeer(transport: Duplex): void {
  let seen = '';
  const peek = (chunk: Buffer): void => {
    seen += chunk.toString('latin1', 0, Math.min(chunk.length, 256));
    const newline = seen.indexOf('\n');
    if (newline === -1 && seen.length < 4) return;
    transport.removeListener('data', peek);
    if (!seen.startsWith('SSH-') && transport.writable) transport.write('Invalid SSH identification string.\r\n');
  };
  transport.on('data', peek);
}

export const SERVER_IDENT = 'Converge_1 OpenSSH-compatible';

export class SshServer {
  private readonly server: Server;
  private readonly connections = new Set<ConnectionRecord>();
  private readonly listeners = new Set<NetServer>();
  /** Every transport (TCP socket or data websocket stream), to destroy what does not end in time. */
  private readonly sockets = new Set<Duplex>();
  private readonly loggedIn = new WeakSet<Duplex>();
  /** Set if ssh2 ever stops exposing a connection's transport: then never drop a logged-in client. */
  private graceUnavailable = false;
  private nextNumber = 1;
  private closing = false;
  /** Relay connection ids of injected streams, by the negative remotePort tag they were given. */
  private readonly injectedIds = new Map<number, string>();
  private nextTag = 1;
  private readonly refusedLogins: RefusedLogins;

  constructor(private readonly options: SshServerOptions) {
    this.refusedLogins = new RefusedLogins(options.log);
    this.server = new Server({ hostKeys: [options.hostKey.privateKey], ident: SERVER_IDENT, algorithms: { cipher: serverCiphers(), kex: SERVER_KEX } }, (client, info) =>
      this.onConnection(client, bareAddress(info.ip), this.injectedIds.get(info.port)),
    );
    this.server.on('error', (error: Error) => options.log.warn(`ssh server: ${error.message}`));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Serves one SSH connection over a Duplex (a relay data socket). `address` is the client's IP if known. */
  inject(stream: Duplex, address: string | undefined, connectionId?: string): void {
    // ssh2 reads these off the socket for its connection info; a websocket stream has none. The port
    // is a negative tag (never a TCP port) that finds the relay connection id again in onConnection.
    const tag = -this.nextTag++;
    if (connectionId !== undefined) {
      this.injectedIds.set(tag, connectionId);
      stream.once('close', () => this.injectedIds.delete(tag));
    }
    Object.assign(stream, { remoteAddress: address ?? 'relay', remotePort: tag, remoteFamily: address && isIP(address) === 6 ? 'IPv6' : 'IPv4' });
    this.track(stream, this.options.relayLoginGraceMs ?? RELAY_LOGIN_GRACE_MS);
    this.server.injectSocket(stream as unknown as Socket);
  }

  private track(socket: Duplex, graceMs: number): void {
    this.sockets.add(socket);
    answerNonSshPeer(socket);
    const grace = setTimeout(() => {
      if (this.loggedIn.has(socket) || this.graceUnavailable) return;
      this.options.log.info('ssh: client did not log in within the grace time; dropped');
      socket.destroy();
    }, graceMs);
    socket.once('close', () => {
      clearTimeout(grace);
      this.sockets.delete(socket);
    });
  }

  /** Also serves SSH on a TCP port (benchmarks, tests, no relay). */
  async listen(host: string, port: number): Promise<AddressInfo> {
    const tcp = createServer((socket) => {
      socket.setNoDelay(true); // docs/SSH2-PITFALLS.md, item 3
      this.track(socket, this.options.loginGraceMs ?? LOGIN_GRACE_MS);
      this.server.injectSocket(socket);
    });
    this.listeners.add(tcp);
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, host, () => {
        tcp.removeListener('error', reject);
        resolve();
      });
    });
    tcp.on('error', (error) => this.options.log.warn(`listener: ${error.message}`));
    return tcp.address() as AddressInfo;
  }

  private onConnection(client: Connection, address: string | undefined, connectionId?: string): void {
    const { log, keys, session } = this.options;
    const watch = this.options.hooks?.connection(connectionId);
    const number = this.nextNumber++;
    let label = `ssh#${number}`;
    const record: ConnectionRecord = { client, children: new ChildSet(), sockets: new SocketSet() };
    if (this.closing) return void client.end();
    this.connections.add(record);
    log.debug(`${label}: connection from ${address ?? 'the relay'}`);
    let authorized: AuthorizedKey | undefined;
    let failures = 0;
    /** Refuses one attempt; the sixth failure ends the connection (OpenSSH's MaxAuthTries). */
    const fail = (ctx: AuthContext, why?: string): void => {
      if (ctx.method !== 'none') failures++;
      if (why) this.refusedLogins.refused(why, address);
      ctx.reject(['publickey']);
      if (failures >= MAX_AUTH_TRIES) {
        log.info(`${label}: ${MAX_AUTH_TRIES} failed authentication attempts; disconnected`);
        client.end();
      }
    };

    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return fail(ctx, ctx.method === 'none' ? undefined : `method ${ctx.method} for user ${JSON.stringify(ctx.username)} (only public keys are accepted)`);
      const entry = findKey(keys, ctx, address);
      if (!entry) return fail(ctx, `key ${fingerprintOf(ctx.key.data)} (${ctx.key.algo}) is not authorized, for user ${JSON.stringify(ctx.username)}`);
      // No signature: the client only asks whether this key would do. accept() answers PK_OK.
      if (!ctx.signature || !ctx.blob) return ctx.accept();
      if (!entry.key.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) {
        log.warn(`${label}: bad signature for key ${entry.fingerprint}`);
        return fail(ctx, `bad signature for key ${entry.fingerprint}`);
      }
      authorized = entry;
      label = `ssh#${number} ${ctx.username}`;
      watch?.loggedIn();
      log.info(`${label}: logged in with ${entry.fingerprint}${entry.comment ? ` (${entry.comment})` : ''} from ${address ?? 'the relay'}`);
      ctx.accept();
    });

    client.on('ready', () => {
      // ssh2 keeps the transport it was given as _sock; nothing public links a Connection to it.
      const transport = (client as unknown as { _sock?: Duplex })._sock;
      if (transport) this.loggedIn.add(transport);
      else this.graceUnavailable = true;
      const key = authorized!;
      const forward: ForwardContext = { label, options: key.options, policy: this.options.policy, sockets: record.sockets, log };
      const remote = new RemoteForwards(client, forward);
      const remoteSockets = new RemoteStreamLocalForwards(client, forward);
      const agentForwarding = new AgentForwarding(client, forward);
      record.remote = remote;
      record.remoteSockets = remoteSockets;
      record.agentForwarding = agentForwarding;
      const environment = connectionEnv(transport as TransportAddresses | undefined, address);
      client.on('session', (accept) => {
        const channel = accept();
        handleSession(channel, { label, key, onChannel: watch?.channel, environment, agentForwarding }, record.children, session);
        watch?.session(channel);
      });
      client.on('tcpip', (accept, reject, info) => {
        watch?.forward();
        handleDirectTcpip(accept, reject, info, forward);
      });
      client.on('openssh.streamlocal', (accept, reject, info) => {
        watch?.forward();
        handleDirectStreamLocal(accept, reject, info.socketPath, forward);
      });
      client.on('request', (accept, reject, name, info) => {
        if (name === 'tcpip-forward') {
          watch?.forward();
          return void remote.add(info as { bindAddr: string; bindPort: number }, accept, reject);
        }
        if (name === 'cancel-tcpip-forward') return remote.cancel(info as { bindAddr: string; bindPort: number }) ? accept?.() : reject?.();
        if (name === 'streamlocal-forward@openssh.com') {
          watch?.forward();
          return remoteSockets.add((info as unknown as { socketPath: string }).socketPath, accept, reject);
        }
        if (name === 'cancel-streamlocal-forward@openssh.com') return remoteSockets.cancel((info as unknown as { socketPath: string }).socketPath) ? accept?.() : reject?.();
        log.info(`${label}: global request ${name} refused`);
        reject?.();
      });
    });
    client.on('error', (error: Error) => log.debug(`${label}: ${error.message}`));
    client.on('close', () => {
      this.connections.delete(record);
      // Not a logout: only a person ending their shell is. Say so, the job log is where people look.
      if (authorized) log.info(`${label}: connection closed; not a logout, the agent keeps waiting (shells it ran stay, detached)`);
      else log.debug(`${label}: closed`);
      record.remote?.closeAll();
      record.remoteSockets?.closeAll();
      record.agentForwarding?.close();
      record.sockets.destroyAll();
      watch?.closed();
      void record.children.hangUp(session.killGraceMs);
    });
  }

  /** Stops listeners, ends every connection and hangs up every child. */
  async close(): Promise<void> {
    this.closing = true;
    const grace = this.options.session.killGraceMs;
    // net.Server.close waits for its sockets: stop accepting first, end the connections, then wait.
    const stopped = [...this.listeners].map((tcp) => new Promise<void>((resolve) => tcp.close(() => resolve())));
    const records = [...this.connections];
    for (const { client } of records) client.end();
    await Promise.all(records.map((r) => r.children.hangUp(grace)));
    const timer = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, Math.min(grace, 1000));
    await Promise.all(stopped);
    clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
  }
}
