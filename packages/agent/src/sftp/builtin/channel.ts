// The built-in SFTP server speaks on the raw subsystem channel, not through ssh2's SFTP layer: ssh2 writes a
// fixed VERSION packet (no extensions), reads SYMLINK in the order of the client's name rather than the one
// OpenSSH's sftp-server always uses, and cannot stop reading a client that sends faster than the disk. Here
// a paused channel stops ssh2's window adjusts, so the client waits instead of being refused.
import type { Duplex } from 'node:stream';
import type { Logger } from 'winston';
import type { SftpAttrs } from './attrs';
import type { Dispatcher, RequestArgs, RequestName } from './dispatch';
import { STATUS, type StatusCode } from './errors';
import { encode, FieldReader, type NameEntry, PACKET, PacketFramer, type SftpReplies, SftpWireError } from './wire';

/** What ssh2's server channel offers beyond a Duplex: the exit status OpenSSH's scp waits for. */
export interface SftpChannel extends Duplex {
  exit?(status: number): void;
  close?(): void;
}

type Decoded = { [K in RequestName]: { name: K; args: RequestArgs[K] } }[RequestName];

/** Decodes one request body (after its type byte and id). Unknown types return undefined. */
export function decodeRequest(type: number, r: FieldReader): Decoded | undefined {
  switch (type) {
    case PACKET.OPEN:
      return { name: 'OPEN', args: [r.string(), r.uint32(), r.attrs()] };
    case PACKET.CLOSE:
      return { name: 'CLOSE', args: [r.bytes()] };
    case PACKET.READ:
      return { name: 'READ', args: [r.bytes(), r.uint64(), r.uint32()] };
    case PACKET.WRITE:
      return { name: 'WRITE', args: [r.bytes(), r.uint64(), r.bytes()] };
    case PACKET.LSTAT:
      return { name: 'LSTAT', args: [r.string()] };
    case PACKET.FSTAT:
      return { name: 'FSTAT', args: [r.bytes()] };
    case PACKET.SETSTAT:
      return { name: 'SETSTAT', args: [r.string(), r.attrs()] };
    case PACKET.FSETSTAT:
      return { name: 'FSETSTAT', args: [r.bytes(), r.attrs()] };
    case PACKET.OPENDIR:
      return { name: 'OPENDIR', args: [r.string()] };
    case PACKET.READDIR:
      return { name: 'READDIR', args: [r.bytes()] };
    case PACKET.REMOVE:
      return { name: 'REMOVE', args: [r.string()] };
    case PACKET.MKDIR:
      return { name: 'MKDIR', args: [r.string(), r.attrs()] };
    case PACKET.RMDIR:
      return { name: 'RMDIR', args: [r.string()] };
    case PACKET.REALPATH:
      return { name: 'REALPATH', args: [r.string()] };
    case PACKET.STAT:
      return { name: 'STAT', args: [r.string()] };
    case PACKET.RENAME:
      return { name: 'RENAME', args: [r.string(), r.string()] };
    case PACKET.READLINK:
      return { name: 'READLINK', args: [r.string()] };
    case PACKET.SYMLINK: {
      // OpenSSH's order, which its sftp-server reads from every client and which OpenSSH, paramiko, sshfs
      // and (told by our version string) asyncssh send: the target first, then where the link goes.
      const target = r.string();
      const link = r.string();
      return { name: 'SYMLINK', args: [link, target] };
    }
    case PACKET.EXTENDED:
      return { name: 'EXTENDED', args: [r.string(), r] };
    default:
      return undefined;
  }
}

/** Replies written straight to the channel, one SSH data message per reply. */
export function channelReplies(channel: SftpChannel): SftpReplies {
  const send = (parts: Buffer[]): void => {
    if (channel.writableEnded || channel.destroyed) return;
    channel.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  };
  return {
    status: (reqId: number, code: StatusCode, message?: string) => send(encode.status(reqId, code, message)),
    handle: (reqId: number, handle: Buffer) => send(encode.handle(reqId, handle)),
    data: (reqId: number, data: Buffer) => send(encode.data(reqId, data)),
    name: (reqId: number, names: readonly NameEntry[]) => send(encode.name(reqId, names)),
    attrs: (reqId: number, attrs: SftpAttrs) => send(encode.attrs(reqId, attrs)),
    extendedReply: (reqId: number, body: Buffer) => send(encode.extendedReply(reqId, body)),
  };
}

export interface ChannelServerOptions {
  readonly dispatch: Dispatcher;
  readonly log: Logger;
  /** Announced in VERSION, in this order. */
  readonly extensions: ReadonlyArray<readonly [string, string]>;
}

/**
 * Reads packets from the channel and hands requests to the dispatcher. Before INIT nothing else is taken;
 * a malformed packet ends the session (SFTP has no way to find the next packet after a bad length).
 */
export function readRequests(channel: SftpChannel, options: ChannelServerOptions): void {
  const { dispatch, log } = options;
  const framer = new PacketFramer();
  let initialized = false;

  const fail = (reason: string): void => {
    log.debug('sftp: ending the session on a malformed packet', { reason });
    channel.removeAllListeners('data');
    if (typeof channel.close === 'function') channel.close();
    else channel.destroy();
  };

  channel.on('data', (chunk: Buffer) => {
    let packets: Buffer[];
    try {
      packets = framer.push(chunk);
    } catch (err) {
      return fail((err as Error).message);
    }
    for (const body of packets) {
      const r = new FieldReader(body);
      try {
        const type = r.byte();
        if (!initialized) {
          if (type !== PACKET.INIT) return fail(`packet type ${type} before INIT`);
          r.uint32();
          initialized = true;
          channel.write(Buffer.concat(encode.version(options.extensions)));
          continue;
        }
        if (type === PACKET.INIT) return fail('a second INIT');
        const reqId = r.uint32();
        let decoded: Decoded | undefined;
        try {
          decoded = decodeRequest(type, r);
        } catch (err) {
          if (!(err instanceof SftpWireError)) throw err;
          dispatch.status(reqId, STATUS.BAD_MESSAGE, 'Bad message');
          continue;
        }
        if (!decoded) {
          dispatch.status(reqId, STATUS.OP_UNSUPPORTED, 'Operation unsupported');
          continue;
        }
        dispatch.request(decoded.name, reqId, decoded.args as never);
      } catch (err) {
        return fail((err as Error).message);
      }
    }
  });
}
