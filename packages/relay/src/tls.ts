// TLS for the relay: an https server from PEM files that reloads them when they change (a renewed
// certificate is picked up without a restart; a half-written pair keeps the old one).
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { RequestListener } from 'node:http';
import { RelayConfigError } from './errors';
import type { Logger } from './log';

/** Reads a PEM file named by a flag; a missing or unreadable one is a one-line configuration error. */
function readPem(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new RelayConfigError(`${flag} ${file}: cannot read it (${why})`);
  }
}

const POLL_MS = 1000;

export function createTlsServer(
  certFile: string,
  keyFile: string,
  onRequest: RequestListener,
  log: Logger,
  connectionsCheckingInterval: number,
): { server: Server; stopWatching: () => void } {
  const cert = readPem('--tls-cert', certFile);
  const key = readPem('--tls-key', keyFile);
  let server: Server;
  try {
    server = createHttpsServer({ cert, key, connectionsCheckingInterval }, onRequest);
  } catch (error) {
    // OpenSSL's words ("error:0480006C:PEM routines::no start line") say little; name the flags.
    const why = String((error as Error).message).replace(/^error:[0-9A-F]+:/, '');
    throw new RelayConfigError(`--tls-cert ${certFile} / --tls-key ${keyFile}: not a usable PEM certificate and key (${why})`);
  }
  const reload = () => {
    try {
      server.setSecureContext({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
      log.info('TLS certificate reloaded', { cert: certFile });
    } catch (error) {
      log.warn('TLS certificate not reloaded; keeping the previous one', { error: (error as Error).message });
    }
  };
  watchFile(certFile, { interval: POLL_MS }, reload);
  watchFile(keyFile, { interval: POLL_MS }, reload);
  return {
    server,
    stopWatching: () => {
      unwatchFile(certFile, reload);
      unwatchFile(keyFile, reload);
    },
  };
}
