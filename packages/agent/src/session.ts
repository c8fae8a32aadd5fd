// One SSH session channel: pty-req, env, window-change, shell, exec, signal and the sftp subsystem,
// bridged to one child process with backpressure both ways, honouring the key's authorized_keys options.
import { existsSync } from 'node:fs';
import type { PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import type { AuthorizedKey } from './auth/authorized-keys';
import type { Logger } from './log';
import { attachSftp, type SftpMode } from './sftp';
import { type ChildHandle, clampSize, FORWARDABLE_SIGNALS, PtyBackend, spawnChild } from './pty';
import { ENV_NAME_PATTERN } from './config';
import type { AgentForwarding } from './forward/agent-forwarding';
import type { AccessPolicy } from './forward/policy';
import type { ShellSpec } from './shell';
import type { ShellRegistry } from './shells/registry';

export interface SessionSettings {
  readonly shell: ShellSpec;
  readonly cwd: string;
  /** Relay policy (allowShell): shells and exec may be refused while sftp stays allowed. */
  readonly policy: AccessPolicy;
  /** Text shown in an interactive pty shell before it starts (login-banner.ts). */
  readonly loginBanner?: () => string;
  /** The agent's environment plus --env, CONVERGE_ID and agentdir: the base of every child's. */
  readonly childEnv: () => Record<string, string>;
  readonly ptyBackend: PtyBackend;
  readonly sftp: SftpMode;
  readonly killGraceMs: number;
  readonly log: Logger;
  /** Variables a client may set (ssh SendEnv/SetEnv), as OpenSSH's AcceptEnv patterns (`*`, `?`). */
  readonly acceptEnv: readonly string[];
  /** Interactive shells that outlive their connection; without it, pty shells end with the channel. */
  readonly shells?: ShellRegistry;
}

/** `ssh -o SetEnv=CONVERGE_SHELL=new` starts a fresh shell; `=<pid>` attaches that detached shell. */
export const SHELL_CHOICE_VARIABLE = 'CONVERGE_SHELL';

/** True when `name` matches one of the AcceptEnv patterns (`*` any run, `?` one character). */
export function envAccepted(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return re.test(name);
  });
}

export interface ConnectionInfo {
  readonly label: string;
  readonly key: AuthorizedKey;
  /** Told of each shell/command channel before its child starts (lifecycle: input, warnings, banner).
   *  `interactive`: a pty shell kept by the shell registry (it outlives the channel). */
  readonly onChannel?: (channel: ServerChannel, kind: 'shell' | 'exec', terminal: boolean, interactive: boolean) => void;
  /** SSH_CLIENT and SSH_CONNECTION for this connection's children. */
  readonly environment?: Readonly<Record<string, string>>;
  /** `ssh -A` for this connection: answers auth-agent-req and knows SSH_AUTH_SOCK. */
  readonly agentForwarding?: AgentForwarding;
}

/** Children of one connection, so a disconnect (or agent shutdown) can end them all. */
export class ChildSet {
  private readonly children = new Set<ChildHandle>();

  add(child: ChildHandle): void {
    this.children.add(child);
    void child.exited.then(() => this.children.delete(child));
  }

  get size(): number {
    return this.children.size;
  }

  /** SIGHUP now, SIGKILL after the grace period for those still running; resolves when all exited. */
  async hangUp(graceMs: number): Promise<void> {
    const running = [...this.children];
    await Promise.all(running.map((child) => hangUpOne(child, graceMs)));
  }
}

async function hangUpOne(child: ChildHandle, graceMs: number): Promise<void> {
  child.kill('SIGHUP');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/**
 * sshd sets SSH_TTY to the terminal's path before the shell starts; here the pty's name is known only
 * once the child runs, so a child with a terminal starts through /bin/sh, which exports its `tty` and
 * execs the real program (same pid, same arguments).
 */
const SSH_TTY_WRAPPER = 'SSH_TTY=$(tty 2>/dev/null) && export SSH_TTY; exec "$0" "$@"';

export function withSshTty(file: string, args: readonly string[], sh = '/bin/sh'): { file: string; args: string[] } {
  return existsSync(sh) ? { file: sh, args: ['-c', SSH_TTY_WRAPPER, file, ...args] } : { file, args: [...args] };
}

const MAX_CLIENT_ENV = 256;
const MAX_ENV_VALUE = 64 * 1024;

export function handleSession(session: Session, conn: ConnectionInfo, children: ChildSet, settings: SessionSettings): void {
  const { log } = settings;
  const options = conn.key.options;
  const clientEnv: Record<string, string> = {};
  /** What CONVERGE_SHELL asked for: a fresh shell, or a detached shell by pid. Never passed on. */
  let shellChoice: 'new' | number | undefined;
  let pty: (PseudoTtyInfo & { cols: number; rows: number }) | undefined;
  let child: ChildHandle | undefined;
  let started = false;

  session.on('pty', (accept, reject, info) => {
    if (options.noPty) {
      log.info(`${conn.label}: pty refused (no-pty for key ${conn.key.fingerprint})`);
      return reject?.();
    }
    if (settings.ptyBackend === PtyBackend.pipes) {
      log.warn(`${conn.label}: pty refused: no terminal backend here (neither @lydell/node-pty nor util-linux script)`);
      return reject?.();
    }
    pty = { ...info, ...clampSize(info.cols, info.rows), term: typeof info.term === 'string' && info.term ? info.term : 'xterm' };
    accept?.();
  });

  session.on('window-change', (accept, reject, info) => {
    if (!pty) return reject?.();
    Object.assign(pty, clampSize(info.cols, info.rows));
    child?.resize(pty.cols, pty.rows);
    accept?.();
  });

  session.on('env', (accept, reject, info) => {
    if (info.key === SHELL_CHOICE_VARIABLE && !started && typeof info.val === 'string' && /^(new|\d{1,10})$/.test(info.val)) {
      shellChoice = info.val === 'new' ? 'new' : Number(info.val);
      return accept?.();
    }
    // An allow-list, as OpenSSH's AcceptEnv: BASH_ENV, LD_PRELOAD, PATH or SHELL from a client would run
    // its code. Never for a forced command: the key's owner chose what runs, with which environment.
    const ok =
      !started &&
      options.command === undefined &&
      ENV_NAME_PATTERN.test(info.key) &&
      envAccepted(info.key, settings.acceptEnv) &&
      typeof info.val === 'string' &&
      info.val.length <= MAX_ENV_VALUE;
    if (!ok || Object.keys(clientEnv).length >= MAX_CLIENT_ENV) {
      log.debug(`${conn.label}: client environment ${JSON.stringify(String(info.key).slice(0, 64))} refused (not in --accept-env)`);
      return reject?.();
    }
    clientEnv[info.key] = info.val;
    accept?.();
  });

  session.on('signal', (accept, reject, info) => {
    const name = String(info.name).replace(/^SIG/, '');
    if (!child || !FORWARDABLE_SIGNALS.has(name)) return reject?.();
    child.kill(`SIG${name}` as NodeJS.Signals);
    accept?.();
  });

  const envFor = (originalCommand: string | undefined): Record<string, string> => {
    const env: Record<string, string> = { ...settings.childEnv(), ...clientEnv, ...conn.environment };
    for (const [name, value] of options.environment) env[name] = value;
    const authSock = conn.agentForwarding?.path;
    if (authSock) env.SSH_AUTH_SOCK = authSock;
    if (pty) env.TERM = pty.term;
    if (originalCommand !== undefined) env.SSH_ORIGINAL_COMMAND = originalCommand;
    return env;
  };

  const run = (channel: ServerChannel, requested: string | undefined, kind: string): void => {
    started = true;
    const refusal = settings.policy.shellRefusal();
    if (refusal) return refuse(channel, `${conn.label}: ${kind} refused`, refusal, pty ? '\r\n' : '\n', log);
    const command = options.command ?? requested;
    const interactive = command === undefined && pty !== undefined && settings.shells !== undefined;
    conn.onChannel?.(channel, kind === 'shell' ? 'shell' : 'exec', pty !== undefined, interactive);
    if (interactive && shellChoice !== 'new') {
      const detached = settings.shells!.takeDetached(shellChoice);
      if (detached) {
        child = detached.child;
        child.resize(pty!.cols, pty!.rows);
        settings.shells!.reattach(detached, channel, conn.label);
        return;
      }
      if (shellChoice !== undefined) channel.write(`[converge] No detached shell ${shellChoice}; starting a new one.\r\n`);
    }
    const args = command === undefined ? settings.shell.loginArgs : settings.shell.commandArgs(command);
    const env = envFor(options.command !== undefined ? requested : undefined);
    const authSock = env.SSH_AUTH_SOCK;
    log.info(`${conn.label}: ${kind}${command === undefined ? '' : ` (${command.length} chars)`}${pty ? ` with pty ${pty.cols}x${pty.rows}` : ''}${options.command !== undefined ? ' [forced command]' : ''}`);
    if (command === undefined && pty && settings.loginBanner) channel.write(settings.loginBanner());
    if (command === undefined && pty && authSock) {
      channel.write(`[converge] Your ssh-agent is forwarded (SSH_AUTH_SOCK=${authSock}): programs in this job can use your keys while you are connected.\r\n`);
    }
    const detached = interactive ? settings.shells!.detached() : [];
    if (detached.length > 0) {
      channel.write(`[converge] Detached shells: ${detached.map((d) => d.pid).join(', ')} (ssh -o SetEnv=CONVERGE_SHELL=<pid> re-attaches one).\r\n`);
    }
    const program = pty ? withSshTty(settings.shell.file, args) : { file: settings.shell.file, args };
    child = spawnChild(
      { ...program, cwd: settings.cwd, env, cols: pty?.cols ?? 80, rows: pty?.rows ?? 24, term: pty?.term ?? 'dumb' },
      pty !== undefined,
      settings.ptyBackend,
    );
    if (interactive) return void settings.shells!.start(child, channel, conn.label);
    children.add(child);
    bridge(channel, child, conn, settings);
  };

  session.on('auth-agent', (accept, reject) => (conn.agentForwarding?.request() ? accept?.() : reject?.()));
  session.on('shell', (accept) => run(accept(), undefined, 'shell'));
  session.on('exec', (accept, _reject, info) => run(accept(), info.command, 'exec'));

  if (options.command !== undefined) {
    // A forced command replaces subsystems too (as in OpenSSH): no sftp listener, so ssh2 emits
    // 'subsystem' for sftp as well and the forced command runs on a plain channel.
    session.on('subsystem', (accept, _reject, info) => run(accept(), info.name, `subsystem ${info.name}`));
  } else {
    attachSftp(session, { mode: settings.sftp, cwd: settings.cwd, env: envFor(undefined), log });
    session.on('subsystem', (_accept, reject, info) => {
      if (info.name === 'sftp') return; // served by attachSftp's own listener (system mode)
      log.info(`${conn.label}: unknown subsystem ${JSON.stringify(String(info.name).slice(0, 40))} refused`);
      reject();
    });
  }
}

/** One line on the client's stderr, exit status 1 (what a person sees), one line in the agent's log. */
function refuse(channel: ServerChannel, logLine: string, reason: string, newline: string, log: Logger): void {
  log.info(`${logLine}: ${reason}`);
  channel.stderr.write(`converge: ${reason}${newline}`);
  channel.exit(1);
  channel.end();
}

/** Copies child output to the channel and channel input to the child, each side pausing the other
 *  while its buffer is full; then reports the exit status and ends the channel (docs/SSH2-PITFALLS.md, item 1). */
function bridge(channel: ServerChannel, child: ChildHandle, conn: ConnectionInfo, settings: SessionSettings): void {
  let open = true;
  let blocked = 0;
  const block = (stream: NodeJS.EventEmitter): void => {
    if (blocked++ === 0) child.pauseOutput();
    stream.once('drain', () => {
      if (--blocked === 0) child.resumeOutput();
    });
  };
  child.onOutput((chunk) => {
    if (open && !channel.write(chunk)) block(channel);
  });
  child.onErrorOutput((chunk) => {
    if (open && !channel.stderr.write(chunk)) block(channel.stderr);
  });
  channel.on('data', (chunk: Buffer) => {
    if (child.write(chunk)) return;
    channel.pause();
    child.onceInputDrain(() => channel.resume());
  });
  channel.on('end', () => child.endInput());
  channel.on('error', (error: Error) => settings.log.debug(`${conn.label}: channel error: ${error.message}`));
  channel.on('close', () => {
    if (!open) return;
    open = false;
    // The client went away first: drop further output (a paused pipe would never close) and hang up
    // the child (SIGKILL if it ignores that).
    blocked = 0;
    child.resumeOutput();
    void hangUpOne(child, settings.killGraceMs);
  });
  void child.exited.then((status) => {
    settings.log.info(`${conn.label}: ${child.isTerminal ? 'terminal' : 'process'} exited ${status.signal ? `on SIG${status.signal}` : `with ${status.code}`}`);
    if (!open) return;
    open = false;
    if (status.signal) channel.exit(status.signal, false, '');
    else channel.exit(status.code ?? 0);
    channel.end();
  });
}
