// Counters and gauges the relay keeps about itself, written once and read by every sink: Prometheus
// (always, for GET /metrics) and statsd (when configured). Counting a thing is one call here.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export const ConnectionOutcome = {
  paired: 'paired',
  unknownId: 'unknown_id',
  agentTimeout: 'agent_timeout',
  agentGone: 'agent_gone',
  clientLeft: 'client_left',
  refused: 'refused',
} as const;
export type ConnectionOutcome = (typeof ConnectionOutcome)[keyof typeof ConnectionOutcome];

/**
 * How often the event-loop lag histogram of the default metrics samples, in ms. prom-client's default,
 * 10, is a timer that wakes the relay 100 times a second for as long as it runs, agents or not: measured
 * 2026-12-03, an idle relay with one agent spent 94-107 ms on the CPU per 10 s with it, 50-61 ms with
 * 100 (10 wakeups a second), 39-49 with 1000. 100 keeps the lag figures in steps a person can act on.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** Where figures go besides Prometheus (statsd). Names are without the prefix. */
export interface StatsSink {
  increment(name: string, tags: Record<string, string>, value?: number): void;
  gauge(name: string, value: number): void;
  close(): void;
}

export class RelayStats {
  readonly registry = new Registry();
  agentsConnected = 0;
  clientsConnected = 0;
  readonly agentRegistrations = { requested: 0, generated: 0, resumed: 0 };
  readonly connections = new Map<ConnectionOutcome, number>();
  readonly upgradeFailures = new Map<string, number>();
  readonly handshakeFailures = new Map<string, number>();
  /** Bytes of closed connections; live ones are added at scrape time by `liveBytes`. */
  private closedBytes = { clientToAgent: 0, agentToClient: 0 };
  liveBytes: () => { clientToAgent: number; agentToClient: number } = () => ({ clientToAgent: 0, agentToClient: 0 });
  /** Connected clients by what their agent reported them doing (shell, exec, sftp, forward, ssh). */
  clientKinds: () => Map<string, number> = () => new Map();
  private readonly sinks: StatsSink[] = [];
  private readonly counters: Record<string, Counter>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'converge_relay_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    const stats = this;
    new Gauge({ name: 'converge_agents_connected', help: 'Agents with an open control socket', registers, collect() { this.set(stats.agentsConnected); } });
    new Gauge({ name: 'converge_clients_connected', help: 'Clients piped to an agent now', registers, collect() { this.set(stats.clientsConnected); } });
    new Gauge({
      name: 'converge_client_sessions',
      help: 'Connected clients by session kind, as their agents report them',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const [kind, count] of stats.clientKinds()) this.set({ kind }, count);
      },
    });
    new Counter({
      name: 'converge_relayed_bytes_total',
      help: 'Bytes relayed, by direction',
      labelNames: ['direction'],
      registers,
      collect() {
        const live = stats.liveBytes();
        this.reset();
        this.inc({ direction: 'client_to_agent' }, stats.closedBytes.clientToAgent + live.clientToAgent);
        this.inc({ direction: 'agent_to_client' }, stats.closedBytes.agentToClient + live.agentToClient);
      },
    });
    this.counters = {
      connections: new Counter({ name: 'converge_connections_total', help: 'Client connections, by outcome', labelNames: ['outcome'], registers }),
      registrations: new Counter({ name: 'converge_agent_registrations_total', help: 'Agent registrations, by how the id was given', labelNames: ['id_source'], registers }),
      reconnects: new Counter({ name: 'converge_agent_reconnects_total', help: 'Agents that came back and resumed their id', registers }),
      upgrades: new Counter({ name: 'converge_upgrade_failures_total', help: 'Refused or failed HTTP upgrades, by reason', labelNames: ['reason'], registers }),
      handshakes: new Counter({ name: 'converge_agent_handshake_failures_total', help: 'Agent control handshakes refused, by reason', labelNames: ['reason'], registers }),
    };
  }

  addSink(sink: StatsSink): void {
    this.sinks.push(sink);
  }

  agentJoined(idSource: keyof RelayStats['agentRegistrations']): void {
    this.agentsConnected++;
    this.agentRegistrations[idSource]++;
    this.counters.registrations!.inc({ id_source: idSource });
    this.emit('agent_registrations', { id_source: idSource });
    if (idSource === 'resumed') {
      this.counters.reconnects!.inc();
      this.emit('agent_reconnects', {});
    }
    this.gauges();
  }

  agentLeft(): void {
    this.agentsConnected--;
    this.gauges();
  }

  clientJoined(): void {
    this.clientsConnected++;
    this.gauges();
  }

  clientLeft(bytesClientToAgent: number, bytesAgentToClient: number): void {
    this.clientsConnected--;
    this.closedBytes.clientToAgent += bytesClientToAgent;
    this.closedBytes.agentToClient += bytesAgentToClient;
    this.emit('relayed_bytes', { direction: 'client_to_agent' }, bytesClientToAgent);
    this.emit('relayed_bytes', { direction: 'agent_to_client' }, bytesAgentToClient);
    this.gauges();
  }

  countConnection(outcome: ConnectionOutcome): void {
    this.connections.set(outcome, (this.connections.get(outcome) ?? 0) + 1);
    this.counters.connections!.inc({ outcome });
    this.emit('connections', { outcome });
  }

  countUpgradeFailure(reason: string): void {
    this.upgradeFailures.set(reason, (this.upgradeFailures.get(reason) ?? 0) + 1);
    this.counters.upgrades!.inc({ reason });
    this.emit('upgrade_failures', { reason });
  }

  countHandshakeFailure(reason: string): void {
    this.handshakeFailures.set(reason, (this.handshakeFailures.get(reason) ?? 0) + 1);
    this.counters.handshakes!.inc({ reason });
    this.emit('agent_handshake_failures', { reason });
  }

  close(): void {
    for (const sink of this.sinks) sink.close();
  }

  private emit(name: string, tags: Record<string, string>, value = 1): void {
    for (const sink of this.sinks) sink.increment(name, tags, value);
  }

  private gauges(): void {
    for (const sink of this.sinks) {
      sink.gauge('agents_connected', this.agentsConnected);
      sink.gauge('clients_connected', this.clientsConnected);
    }
  }
}
