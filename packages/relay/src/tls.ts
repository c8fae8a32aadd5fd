// TLS for the relay: an https server from PEM files that reloads them when they change (a renewed
// certificate is picked up without a restart; a half-written pair keeps the old one).
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { RequestListener } from 'node:http';
import type { Logger } from './log';

const POLL_MS = 1000;

export function createTlsServer(
  certFile: string,
  keyFile: string,
  onRequest: RequestListener,
  log: Logger,
  connectionsCheckingInterval: number,
): { server: Server; stopWatching: () => void } {
  const server = createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), connectionsCheckingInterval }, onRequest);
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
