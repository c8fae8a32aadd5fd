// The built-in SFTP server for one accepted `sftp` subsystem channel: wires handlers and flow control, ends
// and cleans up the session.
import { once } from 'node:events';
import type { Logger } from 'winston';
import { channelReplies, readRequests, type SftpChannel } from './channel';
import { DEFAULT_DISPATCH_LIMITS, Dispatcher, type DispatchLimits, type FlowControl } from './dispatch';
import { registerDirHandlers } from './dirs';
import { EXTENSIONS, registerExtensionHandlers } from './extensions';
import { registerFileHandlers } from './files';
import { DEFAULT_MAX_HANDLES, HandleTable } from './handles';
import { registerPathHandlers } from './paths';
import { resolveClientPath, type SftpSession } from './session';

export interface BuiltinSftpOptions {
  /** Where relative paths start. */
  readonly cwd: string;
  readonly log: Logger;
  /** Open files and directories per session. Default 512. */
  readonly maxHandles?: number;
  readonly limits?: Partial<DispatchLimits>;
}

export interface BuiltinSftpSession {
  readonly handles: HandleTable;
  readonly dispatch: Dispatcher;
  /** Resolves after the channel closed and every handle was released. */
  readonly closed: Promise<void>;
}

/** Flow control on the SSH channel: a paused channel stops ssh2's window adjusts, so the client waits. */
function channelFlow(channel: SftpChannel): FlowControl {
  return {
    pause: () => void channel.pause(),
    resume: () => void channel.resume(),
    backlogBytes: () => channel.writableLength,
    drained: async () => {
      if (channel.writableLength === 0 || channel.destroyed) return;
      await Promise.race([once(channel, 'drain'), once(channel, 'close')]);
    },
  };
}

/** Serves SFTP v3 on the raw subsystem channel until the client or the connection goes away. */
export function serveBuiltinSftp(channel: SftpChannel, options: BuiltinSftpOptions): BuiltinSftpSession {
  const { cwd, log } = options;
  const handles = new HandleTable(options.maxHandles ?? DEFAULT_MAX_HANDLES);
  const reply = channelReplies(channel);
  const dispatch = new Dispatcher(reply, channelFlow(channel), log, { ...DEFAULT_DISPATCH_LIMITS, ...options.limits });
  const session: SftpSession = {
    reply,
    dispatch,
    handles,
    log,
    resolve: (clientPath) => resolveClientPath(cwd, clientPath),
  };
  registerFileHandlers(session);
  registerDirHandlers(session);
  registerPathHandlers(session);
  registerExtensionHandlers(session);
  readRequests(channel, { dispatch, log, extensions: EXTENSIONS });

  channel.on('error', (err: Error) => log.debug('sftp channel', { err: err.message }));
  // The client sent EOF: answer what is queued, then the exit status OpenSSH's scp waits for, then close,
  // or OpenSSH sftp waits forever (docs/SSH2-PITFALLS.md, item 2).
  channel.on('end', () => {
    void dispatch.idle().then(() => {
      if (channel.destroyed || channel.writableEnded) return;
      channel.exit?.(0);
      channel.end();
    });
  });

  const closed = new Promise<void>((resolveClosed) => {
    channel.once('close', () => {
      dispatch.close();
      handles
        .closeAll()
        .then((left) => {
          if (left > 0) log.debug('sftp: released handles left open by the client', { handles: left });
        })
        .finally(resolveClosed);
    });
  });
  return { handles, dispatch, closed };
}
