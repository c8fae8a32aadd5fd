// A tiny relay for tests: speaks the control protocol on /agent, and pipes each TCP connection to its
// port through an `open` + /data/<connectionId> websocket, so the real ssh client can reach the agent.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  claimPayload, type ControlMessage, decodeMessage, encodeMessage, generateConnectionId, generateId, type HelloMessage, matchRoute, MessageType,
  parseEd25519HostKey,
} from '@converge/protocol';
import WebSocket, { WebSocketServer } from 'ws';

export interface FakeRelayOptions {
  heartbeatMs?: number;
  /** Answer the agent's upgrade with this HTTP status instead. */
  upgradeStatus?: number;
  /** Custom answer to a hello; default: welcome (requested, resumed or generated). */
  onHello?: (hello: HelloMessage, ws: WebSocket) => boolean | void;
  /** Ids already taken by someone else. */
  takenIds?: string[];
}

export class FakeRelay {
  readonly hellos: HelloMessage[] = [];
  readonly received: ControlMessage[] = [];
  readonly agents: WebSocket[] = [];
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly tcp: TcpServer;
  private readonly pending = new Map<string, Socket>();
  /** id -> the host key that holds it (as the real relay keeps it). */
  private readonly owners = new Map<string, string>();
  /** Hellos whose signature did not verify over this socket's nonce. */
  badSignatures = 0;
  port = 0;
  sshPort = 0;

  constructor(private readonly options: FakeRelayOptions = {}) {
    this.http = createServer((_req, res) => res.writeHead(404).end());
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    this.tcp = createTcpServer((socket) => this.client(socket));
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => this.tcp.listen(0, '127.0.0.1', r));
    this.port = (this.http.address() as AddressInfo).port;
    this.sshPort = (this.tcp.address() as AddressInfo).port;
    return this;
  }

  send(ws: WebSocket, message: ControlMessage): void {
    ws.send(encodeMessage(message));
  }

  /** Kills every control socket (as a relay restart or a network cut would). Data sockets stay. */
  dropAgents(): void {
    for (const ws of this.agents.splice(0)) ws.terminate();
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.pending.values()) socket.destroy();
    await new Promise<void>((r) => this.tcp.close(() => r()));
    this.http.closeAllConnections();
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const route = matchRoute(new URL(req.url ?? '/', 'http://x').pathname);
    if (route.kind === 'agent' && this.options.upgradeStatus) {
      socket.end(`HTTP/1.1 ${this.options.upgradeStatus} Nope\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":{"code":"UNAUTHORIZED","message":"bad token"}}`);
      return;
    }
    if (route.kind === 'data' && !this.pending.has(route.connectionId)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (route.kind === 'agent') this.agent(ws);
      else if (route.kind === 'data') this.data(ws, route.connectionId);
      else ws.close(4404);
    });
  }

  private agent(ws: WebSocket): void {
    this.agents.push(ws);
    const nonce = randomBytes(32).toString('base64url');
    this.send(ws, { type: MessageType.challenge, nonce });
    ws.on('message', (data) => {
      const message = decodeMessage(String(data));
      this.received.push(message);
      if (message.type === MessageType.hello) {
        this.hellos.push(message);
        const raw = Buffer.from(parseEd25519HostKey(message.hostKey).raw).toString('base64url');
        const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw }, format: 'jwk' });
        if (!verify(null, claimPayload(nonce, message.requestedId), key, Buffer.from(message.signature, 'base64'))) this.badSignatures++;
        if (this.options.onHello?.(message, ws)) return;
        this.send(ws, this.welcome(message));
      } else if (message.type === MessageType.heartbeat && !message.reply) {
        this.send(ws, { type: MessageType.heartbeat, sentAt: message.sentAt, reply: true });
      }
    });
  }

  welcome(hello: HelloMessage): ControlMessage {
    const rnd = (n: number) => randomBytes(n);
    const resumable = hello.requestedId && this.owners.get(hello.requestedId) === hello.hostKey;
    const free = hello.requestedId && !this.owners.has(hello.requestedId) && !this.options.takenIds?.includes(hello.requestedId);
    const id = resumable || free ? hello.requestedId! : generateId(rnd);
    this.owners.set(id, hello.hostKey);
    return {
      type: MessageType.welcome,
      id,
      idSource: resumable ? 'resumed' : free ? 'requested' : 'generated',
      heartbeatMs: this.options.heartbeatMs ?? 20_000,
      requestedId: hello.requestedId,
    };
  }

  /** A TCP client: ask the newest agent to open a data socket for it. */
  private client(socket: Socket): void {
    const connectionId = generateConnectionId((n) => randomBytes(n));
    this.pending.set(connectionId, socket);
    socket.pause();
    const agent = this.agents[this.agents.length - 1];
    if (!agent) return void socket.destroy();
    this.send(agent, { type: MessageType.open, connectionId, clientAddress: '127.0.0.1:40000' });
  }

  /** Ask for a data socket nobody waits for (the agent must answer open-failed). */
  openUnknown(ws: WebSocket): string {
    const connectionId = generateConnectionId((n) => randomBytes(n));
    this.send(ws, { type: MessageType.open, connectionId });
    return connectionId;
  }

  private data(ws: WebSocket, connectionId: string): void {
    const socket = this.pending.get(connectionId)!;
    this.pending.delete(connectionId);
    ws.on('message', (d: Buffer) => socket.write(d));
    socket.on('data', (d) => ws.send(d));
    socket.resume();
    ws.on('close', () => socket.destroy());
    socket.on('close', () => ws.close());
    socket.on('error', () => ws.terminate());
  }
}
