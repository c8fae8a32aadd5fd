// Picks the best way to run a session's child: node-pty, then util-linux `script`, then plain pipes
// (no terminal at all: the session refuses pty-req then).
import { loadNodePty, spawnNodePty } from './node-pty';
import { spawnPipes } from './pipes';
import { scriptAvailable, spawnScript } from './script';
import { type ChildHandle, PtyBackend, type SpawnOptions } from './types';

export { clampSize, PtyBackend, type ChildHandle, type ExitStatus, type SpawnOptions } from './types';
export { FORWARDABLE_SIGNALS } from './signals';
export { shellQuote } from './script';

/** The terminal backend available here, or `pipes` when there is none. */
export function detectPtyBackend(prefer?: PtyBackend): PtyBackend {
  if (prefer === PtyBackend.pipes) return prefer;
  if (prefer !== PtyBackend.script && loadNodePty()) return PtyBackend.nodePty;
  if (scriptAvailable()) return PtyBackend.script;
  return PtyBackend.pipes;
}

/** Starts a child; with `terminal` it gets a tty from `backend`, else plain pipes. */
export function spawnChild(options: SpawnOptions, terminal: boolean, backend: PtyBackend): ChildHandle {
  if (!terminal) return spawnPipes(options);
  const nodePty = backend === PtyBackend.nodePty ? loadNodePty() : null;
  if (nodePty) return spawnNodePty(nodePty, options);
  if (backend === PtyBackend.script) return spawnScript(options);
  return spawnPipes(options);
}
