// startAgent: wires keys, host key, SSH server, optional TCP listener and the relay connection into one
// running Agent, and takes it all down again. Reads no argv/env and never exits the process.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, arch, platform, release, tmpdir, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { claimPayload, clientUrl, generateId, MessageType, type OpenMessage, type WelcomeMessage } from '@converge/protocol';
import { loadKeys } from './auth/load-keys';
import type { FetchText } from './auth/url-key-source';
import { AgentLifecycle, type EndNotice } from './lifecycle';
import { ShellRegistry } from './shells/registry';
import { type AgentInfoFile, directSshCommand, formatBanner, relaySshCommand } from './banner';
import { type AgentConfig, type AgentConfigInput, resolveAgentConfig } from './config';
import { RelayControl } from './control';
import { openDataSocket } from './data-socket';
import { readEnvFile } from './env-file';
import { AccessPolicy } from './forward/policy';
import { formatLoginBanner } from './login-banner';
import { resolveShell } from './shell';
import { AgentError, AgentErrorCode, ExitCode } from './errors';
import { generateHostKey, knownHostsLine } from './host-key';
import type { JobReport } from './job';
import { createLogger, type Logger } from './log';
import { detectPtyBackend, type PtyBackend } from './pty';
import { SshServer } from './ssh-server';

export interface Agent {
  /** The current id (may change if the relay hands out a new one after a reconnect). */
  readonly id: string;
  readonly info: AgentInfoFile;
  readonly config: AgentConfig;
  /** Stops everything; `done` then resolves with 0. With a notice (a cancelled job), open terminals and
   *  the job log are told why first. */
  close(notice?: EndNotice): Promise<void>;
  /** Resolves with the exit code once the agent has stopped (0 after close() or a lifecycle end, 4 when refused later). */
  readonly done: Promise<ExitCode>;
  /** Run mode: the job's state changed; when it is no longer running the wait for logins begins. */
  jobChanged(job: JobReport): void;
}

export interface AgentDeps {
  readonly log?: Logger;
  /** Where the ready block goes (the CLI passes stdout). Default: nowhere. */
  readonly output?: (text: string) => void;
  /** Force a pty backend (tests). */
  readonly ptyBackend?: PtyBackend;
  /** How --github-user/--gitlab-user keys are fetched (tests). */
  readonly fetchKeys?: FetchText;
  /** Expiry and hold hint for the login banner, once something (a lifecycle module) knows them. */
  readonly bannerExtras?: () => { readonly expiresAt?: number; readonly holdHint?: string };
  /** Run mode: the job's state when the agent starts. While it is `running` no timeout runs. */
  readonly job?: JobReport;
}

/** The agent's own secrets: never in a session's environment (a person logged in is not the relay's admin). */
const SECRET_ENV = new Set(['CONVERGE_TOKEN']);

function currentUser(config: AgentConfig): string {
  try {
    return userInfo().username;
  } catch {
    return config.environment.USER ?? 'user';
  }
}

export async function startAgent(input: AgentConfigInput | AgentConfig, deps: AgentDeps = {}): Promise<Agent> {
  const config = resolveAgentConfig(input as AgentConfigInput);
  const log = deps.log ?? createLogger(config.quiet ? 'warn' : config.logLevel);
  const output = deps.output ?? (() => undefined);
  const cwdIsDir = await stat(config.cwd).then((s) => s.isDirectory(), () => false);
  if (!cwdIsDir) throw new AgentError(AgentErrorCode.BAD_ARGUMENT, `--cwd ${config.cwd} is not a directory`);
  const extraEnv = config.envFile ? await readEnvFile(config.envFile, (line) => log.warn(line)) : {};
  const keys = await loadKeys(config, log, deps.fetchKeys);
  const cleanups: (() => Promise<void> | void)[] = [() => keys.close()];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    if (config.watchKeys) keys.watch();
    const hostKey = generateHostKey();
    const agentDir = await mkdtemp(join(config.agentDirParent ?? tmpdir(), 'converge-agent-'));
    cleanups.push(() => rm(agentDir, { recursive: true, force: true }));
    const user = currentUser(config);
    const shell = resolveShell(config.shell ? [config.shell, ...config.shells] : config.shells, { env: config.environment, platform: process.platform });
    const ptyBackend = deps.ptyBackend ?? detectPtyBackend();
    log.debug(`shell ${shell.file}, terminal backend ${ptyBackend}, agent dir ${agentDir}`);
    const policy = new AccessPolicy(config.forwarding, config.gatewayPorts);
    if (!config.forwarding) log.info('port forwarding is off (--no-forwarding)');
    let id = config.id ?? '';
    let control: RelayControl | undefined;
    let info: AgentInfoFile | undefined;
    const life = new AgentLifecycle({
      settings: config.lifecycle,
      agentDir,
      log,
      send: (message) => control?.send(message),
      job: deps.job,
      reminder: { command: () => info?.sshCommand, write: output },
    });
    cleanups.push(() => life.close());
    await life.init();
    const shells = new ShellRegistry(log, life.shellHooks);
    cleanups.push(() => shells.closeAll(config.killGraceMs));
    const childEnv = (): Record<string, string> => {
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(config.environment)) if (value !== undefined && !SECRET_ENV.has(name)) env[name] = value;
      return { ...env, ...extraEnv, ...config.env, CONVERGE_ID: id, agentdir: agentDir };
    };
    const host = hostname();
    const keyFiles = config.authorizedKeysFiles.map((file) => resolve(file));
    const loginBanner = (): string => formatLoginBanner({ id, hostname: host, cwd: config.cwd, agentDir, keyFiles, ...(deps.bannerExtras ?? (() => life.bannerExtras()))() });
    const server = new SshServer({
      hostKey,
      keys,
      log,
      policy,
      session: { shell, cwd: config.cwd, childEnv, ptyBackend, sftp: config.sftp, killGraceMs: config.killGraceMs, log, policy, loginBanner, acceptEnv: config.acceptEnv, shells },
      hooks: life.tracker,
    });
    cleanups.push(() => server.close());
    let listen: { host: string; port: number } | undefined;
    if (config.listen) {
      try {
        const bound = await server.listen(config.listen.host, config.listen.port);
        listen = { host: config.listen.host, port: bound.port };
        log.info(`serving SSH on ${config.listen.host}:${bound.port}`);
      } catch (error) {
        throw new AgentError(AgentErrorCode.LISTEN_FAILED, `cannot listen on ${config.listen.host}:${config.listen.port}: ${(error as Error).message}`, { cause: error });
      }
    }

    const publish = async (newId: string): Promise<void> => {
      const changed = newId !== info?.id;
      id = newId;
      const client = config.relay ? clientUrl(config.relay, id) : undefined;
      info = {
        id,
        relayUrl: config.relay?.wsBase,
        clientUrl: client,
        sshCommand: client ? relaySshCommand(client, user, id, hostKey.fingerprint) : directSshCommand(listen!.host, listen!.port, user, id),
        user,
        fingerprint: hostKey.fingerprint,
        knownHostsLine: knownHostsLine(id, hostKey),
        agentDir,
        listen,
      };
      // The banner first: whoever waits for the info file may expect the job log to show the command.
      if (changed) output(formatBanner(info, keys.keys, config.quiet));
      if (config.infoFile) {
        const body = `${JSON.stringify({ ...info, relayUrl: info.relayUrl ?? null, clientUrl: info.clientUrl ?? null }, null, 2)}\n`;
        await writeInfoFile(config.infoFile, body).catch((error: Error) => log.warn(`cannot write --info-file: ${error.message}`));
      }
    };

    let resolveDone!: (code: ExitCode) => void;
    const done = new Promise<ExitCode>((resolve) => (resolveDone = resolve));
    if (config.relay) {
      const relay = config.relay;
      let asked = config.id;
      let published: Promise<void> = Promise.resolve();
      const onWelcome = (welcome: WelcomeMessage): void => {
        if (welcome.idSource === 'generated' && asked) log.warn(`id ${asked} is in use; this agent got ${welcome.id} instead`);
        asked = welcome.id;
        policy.applyWelcome(welcome);
        if (welcome.allowShell === false) log.info('the relay forbids shells and commands on its agents (sftp still works)');
        if (welcome.allowForwarding === false) log.info('the relay forbids port forwarding on its agents');
        life.welcomed();
        life.relayConnected(true);
        published = published.then(() => publish(welcome.id));
      };
      const onOpen = (open: OpenMessage): void => {
        log.debug(`relay asks for connection ${open.connectionId.slice(0, 6)}... from ${open.clientAddress ?? 'unknown address'}`);
        openDataSocket(relay, open.connectionId).then(
          (stream) => server.inject(stream, open.clientAddress, open.connectionId),
          (error: Error) => {
            log.warn(`cannot open data socket: ${error.message}`);
            control?.send({ type: MessageType.openFailed, connectionId: open.connectionId, reason: error.message.slice(0, 1000) });
          },
        );
      };
      const signClaim = (nonce: string, requestedId: string | undefined) => ({ hostKey: hostKey.publicKey, signature: hostKey.sign(claimPayload(nonce, requestedId)) });
      control = new RelayControl({ relay, agent: agentInfo(config, user), requestedId: config.id, token: config.token, log, onWelcome, onOpen, signClaim, onLost: () => life.relayConnected(false) });
      const started = control;
      cleanups.push(() => started.close());
      await control.start();
      await published;
      void control.ended.then(async (refusal) => {
        if (!refusal) return;
        await runCleanups();
        resolveDone(refusal.exitCode);
      });
    } else {
      await publish(config.id ?? generateId((size) => randomBytes(size)));
    }
    if (deps.job?.state !== 'running') life.start('await-login');
    void life.ended.then(async () => {
      await runCleanups();
      resolveDone(ExitCode.ok);
    });

    return {
      get id() {
        return id;
      },
      get info() {
        return info!;
      },
      config,
      done,
      jobChanged(job) {
        life.jobChanged(job);
        if (job.state !== 'running') life.start('after-job');
      },
      async close(notice) {
        if (notice) await life.announce(notice);
        await runCleanups();
        resolveDone(ExitCode.ok);
      },
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

/**
 * Writes aside, then renames: a script polling the file never reads it half written. The temp file has
 * an unpredictable name and is created exclusively (O_EXCL: a planted file or symlink makes it fail
 * instead of being followed), readable by this user only.
 */
async function writeInfoFile(path: string, body: string): Promise<void> {
  const partial = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    await writeFile(partial, body, { flag: 'wx', mode: 0o600 });
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw error;
  }
}

function agentInfo(config: AgentConfig, user: string) {
  return {
    hostname: hostname().slice(0, 255),
    os: `${platform()} ${release()}`.slice(0, 255),
    arch: arch(),
    user: user.slice(0, 255),
    cwd: config.cwd.slice(0, 4096),
    version: config.version.slice(0, 64),
  };
}
