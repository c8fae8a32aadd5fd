// The fleet's parts for e2e tests, as real processes from Debian's packages: redis-server and HAProxy
// (round robin, TCP mode, health checks), each on 127.0.0.1 with ports chosen here, stopped by cleanup().
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Proc, startProcess, tempDir, waitFor } from './harness';
import { freePort, waitForPort } from './net-helpers';

export interface RedisProc extends Proc {
  readonly port: number;
  readonly url: string;
}

export async function startRedis(port?: number): Promise<RedisProc> {
  const bound = port ?? (await freePort());
  const proc = startProcess('redis-server', ['--port', String(bound), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await waitForPort(bound);
  return { ...proc, port: bound, url: `redis://127.0.0.1:${bound}` };
}

export interface Balancer extends Proc {
  readonly port: number;
  readonly wsUrl: string;
}

/** HAProxy in TCP mode, round robin over `ports`, checking each every 300 ms (websockets pass unchanged). */
export async function startBalancer(ports: readonly number[]): Promise<Balancer> {
  const port = await freePort();
  const config = join(tempDir('converge-haproxy-'), 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 2000',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 1h',
      '  timeout server 1h',
      'frontend relays',
      `  bind 127.0.0.1:${port}`,
      '  default_backend fleet',
      'backend fleet',
      '  balance roundrobin',
      '  option redispatch',
      '  retries 3',
      ...ports.map((p, i) => `  server relay${i + 1} 127.0.0.1:${p} check inter 300 fall 1 rise 1`),
      '',
    ].join('\n'),
  );
  const proc = startProcess('haproxy', ['-db', '-f', config]);
  await waitFor('haproxy to listen', () => /./.test(proc.stderr()) || true, 100);
  await waitForPort(port);
  return { ...proc, port, wsUrl: `ws://127.0.0.1:${port}` };
}
