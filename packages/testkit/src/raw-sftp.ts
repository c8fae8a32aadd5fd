// An SFTP v3 client that writes hand-made packets on a raw `sftp` subsystem channel, to send
// what well-behaved clients never do (bad handles, absurd lengths, malformed packets).
import { readFile } from 'node:fs/promises';
import { Client, type ClientChannel } from 'ssh2';
import type { TestServer } from './ssh-server';

export const PKT = {
  INIT: 1, VERSION: 2, OPEN: 3, CLOSE: 4, READ: 5, WRITE: 6, LSTAT: 7, FSTAT: 8, SETSTAT: 9, FSETSTAT: 10,
  OPENDIR: 11, READDIR: 12, REMOVE: 13, MKDIR: 14, RMDIR: 15, REALPATH: 16, STAT: 17, RENAME: 18,
  READLINK: 19, SYMLINK: 20, STATUS: 101, HANDLE: 102, DATA: 103, NAME: 104, ATTRS: 105, EXTENDED: 200, EXTENDED_REPLY: 201,
} as const;

export interface Reply {
  readonly type: number;
  readonly id: number;
  /** Bytes after the id. */
  readonly body: Buffer;
}

export const str = (s: string | Buffer): Buffer => {
  const data = typeof s === 'string' ? Buffer.from(s) : s;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
};
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
export const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};

export function packet(type: number, id: number, ...fields: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([type]), u32(id), ...fields]);
  return Buffer.concat([u32(body.length), body]);
}

export class RawSftp {
  private pending = Buffer.alloc(0);
  private readonly waiters = new Map<number, (reply: Reply) => void>();
  readonly replies: Reply[] = [];
  private constructor(
    readonly conn: Client,
    readonly channel: ClientChannel,
  ) {
    channel.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  static async open(server: TestServer): Promise<RawSftp> {
    const conn = new Client();
    const privateKey = await readFile(server.keyPath);
    await new Promise<void>((resolve, reject) => {
      conn.once('ready', resolve).once('error', reject);
      conn.connect({ host: '127.0.0.1', port: server.port, username: 'tester', privateKey });
    });
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      conn.subsys('sftp', (err, ch) => (err ? reject(err) : resolve(ch))),
    );
    const raw = new RawSftp(conn, channel);
    const version = raw.expect(0); // VERSION has no id: its first 4 bytes are the version
    channel.write(Buffer.concat([u32(5), Buffer.from([PKT.INIT]), u32(3)]));
    await version;
    return raw;
  }

  private onData(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const len = this.pending.readUInt32BE(0);
      if (this.pending.length < 4 + len) return;
      const type = this.pending[4] as number;
      const id = type === PKT.VERSION ? 0 : this.pending.readUInt32BE(5);
      const body = this.pending.subarray(type === PKT.VERSION ? 5 : 9, 4 + len);
      this.pending = this.pending.subarray(4 + len);
      const reply = { type, id, body };
      this.replies.push(reply);
      this.waiters.get(id)?.(reply);
      this.waiters.delete(id);
    }
  }

  /** The reply to request `id` (registered before sending). */
  expect(id: number): Promise<Reply> {
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }

  send(pkt: Buffer): void {
    this.channel.write(pkt);
  }

  async request(type: number, id: number, ...fields: Buffer[]): Promise<Reply> {
    const reply = this.expect(id);
    this.send(packet(type, id, ...fields));
    return reply;
  }

  close(): void {
    this.conn.end();
  }
}

/** STATUS reply body: code and message. */
export function statusOf(reply: Reply): { code: number; message: string } {
  if (reply.type !== PKT.STATUS) return { code: -1, message: `not a status: ${reply.type}` };
  const code = reply.body.readUInt32BE(0);
  const len = reply.body.readUInt32BE(4);
  return { code, message: reply.body.subarray(8, 8 + len).toString() };
}

/** HANDLE or DATA reply body: the string it carries (a NAME reply's first filename: offset 4). */
export function stringOf(reply: Reply, offset = 0): Buffer {
  const len = reply.body.readUInt32BE(offset);
  return reply.body.subarray(offset + 4, offset + 4 + len);
}
