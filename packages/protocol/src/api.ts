// Shapes of the relay's JSON API (`GET <base>/api/sessions`, and the same snapshot pushed as server-sent
// events on `GET <base>/api/sessions/events`), shared with the web pages. No secrets appear here:
// no connection ids, tokens or signatures.

export const API_PATHS = {
  sessions: '/api/sessions',
  sessionEvents: '/api/sessions/events',
  health: '/healthz',
  ready: '/readyz',
  metrics: '/metrics',
} as const;

export type JobState = 'none' | 'running' | 'succeeded' | 'failed';
export type SessionKind = 'pending' | 'ssh' | 'shell' | 'exec' | 'sftp' | 'forward';

export interface ClientSummary {
  /** A small per-agent number, stable while the client is connected (not a secret). */
  readonly index: number;
  readonly address: string;
  readonly since: string;
  readonly kind: SessionKind;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export interface AgentSummary {
  readonly id: string;
  readonly hostname: string;
  readonly os: string;
  readonly arch: string;
  readonly user: string;
  readonly cwd: string;
  readonly version: string;
  readonly address: string;
  readonly connectedAt: string;
  readonly job: { readonly state: JobState; readonly command?: string; readonly exitCode?: number };
  readonly expiresAt?: string;
  readonly hold: boolean;
  readonly clients: readonly ClientSummary[];
  /** Fleets: the relay (its advertised URL) whose agent this is. */
  readonly relay?: string;
}

export interface SessionsSnapshot {
  readonly relay: { readonly version: string; readonly startedAt: string };
  readonly generatedAt: string;
  readonly agents: readonly AgentSummary[];
}
