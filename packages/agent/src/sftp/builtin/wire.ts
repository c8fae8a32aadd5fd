// SFTP v3 on the wire (draft-ietf-secsh-filexfer-02 plus OpenSSH's PROTOCOL extensions): packet framing,
// request decoding, reply encoding. No IO: the channel server (channel.ts) feeds bytes in and writes out.
import type { SftpAttrs } from './attrs';
import type { StatusCode } from './errors';

/**
 * Largest packet taken from a client, as OpenSSH's sftp-server (SFTP_MAX_MSG_LENGTH). A longer length field
 * is a broken or hostile client: the session ends rather than buffering it.
 */
export const MAX_PACKET_BYTES = 256 * 1024;

export const PACKET = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  READLINK: 19,
  SYMLINK: 20,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
  EXTENDED_REPLY: 201,
} as const;

const ATTR = { SIZE: 0x1, UIDGID: 0x2, PERMISSIONS: 0x4, ACMODTIME: 0x8, EXTENDED: 0x8000_0000 } as const;

/** A malformed packet: the session cannot know where the next one starts, so it ends. */
export class SftpWireError extends Error {
  override readonly name = 'SftpWireError';
}

/** Reads the fields of one packet body, front to back; every read is bounds-checked. */
export class FieldReader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new SftpWireError('packet too short');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** A uint64 as a number; values past 2^53 come back as NaN (callers refuse them). */
  uint64(): number {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.NaN;
  }

  bytes(): Buffer {
    const n = this.uint32();
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** Paths and names are bytes on Linux; UTF-8 is what every client in use sends. */
  string(): string {
    return this.bytes().toString('utf8');
  }

  attrs(): SftpAttrs {
    const flags = this.uint32();
    const attrs: SftpAttrs = {};
    if (flags & ATTR.SIZE) attrs.size = this.uint64();
    if (flags & ATTR.UIDGID) {
      attrs.uid = this.uint32();
      attrs.gid = this.uint32();
    }
    if (flags & ATTR.PERMISSIONS) attrs.mode = this.uint32();
    if (flags & ATTR.ACMODTIME) {
      attrs.atime = this.uint32();
      attrs.mtime = this.uint32();
    }
    if (flags & ATTR.EXTENDED) {
      const count = this.uint32();
      for (let i = 0; i < count; i++) {
        this.bytes();
        this.bytes();
      }
    }
    return attrs;
  }
}

/** Builds one packet: type, fields, and the length prefix filled in at the end. */
export class PacketWriter {
  private parts: Buffer[] = [];
  private length = 0;

  constructor(type: number) {
    this.byte(type);
  }

  /** Bytes as they are (an extended reply's body). */
  raw(b: Buffer): this {
    return this.push(b);
  }

  private push(b: Buffer): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }

  byte(v: number): this {
    return this.push(Buffer.from([v]));
  }

  uint32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v >>> 0);
    return this.push(b);
  }

  uint64(v: number | bigint): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64BE(BigInt(v));
    return this.push(b);
  }

  bytes(v: Buffer | Uint8Array): this {
    this.uint32(v.length);
    return this.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  }

  string(v: string): this {
    return this.bytes(Buffer.from(v, 'utf8'));
  }

  attrs(a: SftpAttrs): this {
    let flags = 0;
    if (a.size !== undefined) flags |= ATTR.SIZE;
    if (a.uid !== undefined && a.gid !== undefined) flags |= ATTR.UIDGID;
    if (a.mode !== undefined) flags |= ATTR.PERMISSIONS;
    if (a.atime !== undefined && a.mtime !== undefined) flags |= ATTR.ACMODTIME;
    this.uint32(flags);
    if (flags & ATTR.SIZE) this.uint64(a.size!);
    if (flags & ATTR.UIDGID) this.uint32(a.uid!).uint32(a.gid!);
    if (flags & ATTR.PERMISSIONS) this.uint32(a.mode!);
    if (flags & ATTR.ACMODTIME) this.uint32(a.atime!).uint32(a.mtime!);
    return this;
  }

  /** The whole packet, length prefix included, as the list of buffers to write. */
  finish(): Buffer[] {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(this.length);
    return [head, ...this.parts];
  }
}

/** Splits a byte stream into packet bodies (type byte first); holds at most one partial packet. */
export class PacketFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Returns the complete packets in `chunk` (and before it); throws SftpWireError on a bad length. */
  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const out: Buffer[] = [];
    let buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    let offset = 0;
    while (buf.length - offset >= 4) {
      const length = buf.readUInt32BE(offset);
      if (length === 0 || length > MAX_PACKET_BYTES) throw new SftpWireError(`packet length ${length} out of range`);
      if (buf.length - offset - 4 < length) break;
      out.push(buf.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    buf = buf.subarray(offset);
    this.pending = buf.length > 0 ? [buf] : [];
    this.pendingBytes = buf.length;
    return out;
  }
}

export interface NameEntry {
  readonly filename: string;
  readonly longname: string;
  readonly attrs: SftpAttrs;
}

/** The replies a request handler sends; the channel server implements them. */
export interface SftpReplies {
  status(reqId: number, code: StatusCode, message?: string): void;
  handle(reqId: number, handle: Buffer): void;
  data(reqId: number, data: Buffer): void;
  name(reqId: number, names: readonly NameEntry[]): void;
  attrs(reqId: number, attrs: SftpAttrs): void;
  /** SSH_FXP_EXTENDED_REPLY with an already-encoded body. */
  extendedReply(reqId: number, body: Buffer): void;
}

export const encode = {
  version(extensions: ReadonlyArray<readonly [string, string]>): Buffer[] {
    const w = new PacketWriter(PACKET.VERSION).uint32(3);
    for (const [name, data] of extensions) w.string(name).string(data);
    return w.finish();
  },
  status(reqId: number, code: StatusCode, message = ''): Buffer[] {
    return new PacketWriter(PACKET.STATUS).uint32(reqId).uint32(code).string(message).string('en').finish();
  },
  handle(reqId: number, handle: Buffer): Buffer[] {
    return new PacketWriter(PACKET.HANDLE).uint32(reqId).bytes(handle).finish();
  },
  data(reqId: number, data: Buffer): Buffer[] {
    return new PacketWriter(PACKET.DATA).uint32(reqId).bytes(data).finish();
  },
  name(reqId: number, names: readonly NameEntry[]): Buffer[] {
    const w = new PacketWriter(PACKET.NAME).uint32(reqId).uint32(names.length);
    for (const n of names) w.string(n.filename).string(n.longname).attrs(n.attrs);
    return w.finish();
  },
  attrs(reqId: number, attrs: SftpAttrs): Buffer[] {
    return new PacketWriter(PACKET.ATTRS).uint32(reqId).attrs(attrs).finish();
  },
  extendedReply(reqId: number, body: Buffer): Buffer[] {
    return new PacketWriter(PACKET.EXTENDED_REPLY).uint32(reqId).raw(body).finish();
  },
};
