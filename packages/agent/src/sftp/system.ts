// Serves one raw `sftp` subsystem channel with the system's OpenSSH sftp-server, spawned directly (no shell).
import { spawn } from 'node:child_process';
import type { ServerChannel } from 'ssh2';
import type { Logger } from 'winston';

export interface SystemSftpOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
}

/**
 * Pipes the channel to `binary`'s stdin/stdout with backpressure both ways (stream.pipe pauses the side that
 * is ahead; a paused channel stops ssh2's window adjusts). Never through a shell: dotfile output would
 * corrupt the SFTP stream (docs/SSH2-PITFALLS.md, item 6). The child's exit closes the channel; the channel's close
 * kills the child. Resolves once both are gone.
 */
export function serveSystemSftp(channel: ServerChannel, binary: string, options: SystemSftpOptions): Promise<void> {
  const { log } = options;
  // -e: log to stderr (we collect it) instead of syslog, which CI containers usually lack.
  const child = spawn(binary, ['-e'], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let channelClosed = false;
  let channelDone = false;
  /** Ends our side of the channel once; `exitCode` first when the child really ran. */
  const finishChannel = (exit?: () => void): void => {
    if (channelDone || channelClosed) return;
    channelDone = true;
    exit?.();
    channel.end();
  };

  child.stdin.on('error', (err) => log.debug('sftp-server stdin', { err: err.message }));
  child.stdout.on('error', (err) => log.debug('sftp-server stdout', { err: err.message }));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    for (const line of text.split('\n')) if (line.trim() !== '') log.debug('sftp-server: ' + line.trimEnd());
  });
  channel.on('error', (err: Error) => log.debug('sftp channel', { err: err.message }));

  channel.pipe(child.stdin);
  // end: false, so the exit status goes out before the channel closes (docs/SSH2-PITFALLS.md, item 1).
  child.stdout.pipe(channel, { end: false });

  const childGone = new Promise<void>((resolve) => {
    child.on('error', (err) => {
      // spawn failed (binary vanished, not executable): no 'close' follows a failed spawn.
      log.warn('sftp: could not start sftp-server', { binary, err: err.message });
      finishChannel();
      resolve();
    });
    child.on('close', (code, signal) => {
      log.debug('sftp: sftp-server exited', { code, signal });
      finishChannel(() => {
        if (code !== null) channel.exit(code);
        else if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
      });
      resolve();
    });
  });
  const channelGone = new Promise<void>((resolve) => {
    channel.on('close', () => {
      channelClosed = true;
      channel.unpipe(child.stdin);
      child.stdout.unpipe(channel);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      resolve();
    });
  });
  return Promise.all([childGone, channelGone]).then(() => undefined);
}
