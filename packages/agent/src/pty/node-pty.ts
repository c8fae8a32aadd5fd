// Terminal backend on @lydell/node-pty (prebuilt native code), loaded lazily: it is an optional
// dependency and may be missing or fail to load on an odd platform.
import type { IPty } from '@lydell/node-pty';
import { type ChildHandle, clampSize, type ExitStatus, PtyBackend, type SpawnOptions } from './types';
import { signalName } from './signals';

type NodePtyModule = typeof import('@lydell/node-pty');
let loaded: NodePtyModule | null | undefined;

/** The module, or null when it cannot be loaded here (cached). */
export function loadNodePty(): NodePtyModule | null {
  if (loaded === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require('@lydell/node-pty') as NodePtyModule;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/** node-pty's typed surface takes strings; underneath it is a tty socket that takes Buffers and
 *  reports backpressure. */
interface PtySocket {
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export function spawnNodePty(mod: NodePtyModule, options: SpawnOptions): ChildHandle {
  const size = clampSize(options.cols, options.rows);
  const pty: IPty = mod.spawn(options.file, [...options.args], {
    name: options.term,
    cols: size.cols,
    rows: size.rows,
    cwd: options.cwd,
    env: options.env,
    encoding: null,
  });
  const socket = (pty as unknown as { _socket?: PtySocket })._socket;
  const exited = new Promise<ExitStatus>((resolve) => {
    pty.onExit(({ exitCode, signal }) => {
      const name = signalName(signal);
      resolve(name ? { code: undefined, signal: name } : { code: exitCode, signal: undefined });
    });
  });
  let exitedNow = false;
  void exited.then(() => (exitedNow = true));
  return {
    backend: PtyBackend.nodePty,
    pid: pty.pid,
    isTerminal: true,
    onOutput: (listener) => void pty.onData((data) => listener(typeof data === 'string' ? Buffer.from(data) : (data as Buffer))),
    onErrorOutput: () => undefined,
    pauseOutput: () => pty.pause(),
    resumeOutput: () => pty.resume(),
    write: (chunk) => {
      if (exitedNow) return true;
      if (socket) return socket.write(chunk);
      pty.write(chunk as unknown as string);
      return true;
    },
    onceInputDrain: (listener) => (socket ? void socket.once('drain', listener) : listener()),
    // A terminal has no half-close: EOF is the VEOF character, as OpenSSH's sshd sends nothing at all.
    endInput: () => undefined,
    resize: (cols, rows) => {
      const s = clampSize(cols, rows);
      if (!exitedNow) pty.resize(s.cols, s.rows);
    },
    kill: (signal) => {
      try {
        // The shell leads the terminal's session; a hangup of the group reaches its jobs as well.
        process.kill(-pty.pid, signal);
      } catch {
        try {
          pty.kill(signal);
        } catch {
          // already gone
        }
      }
    },
    exited,
  };
}
