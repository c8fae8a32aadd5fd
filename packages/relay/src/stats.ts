// Counters the relay keeps about itself; the metrics endpoint and the sessions page read them.

export const ConnectionOutcome = {
  paired: 'paired',
  unknownId: 'unknown_id',
  agentTimeout: 'agent_timeout',
  agentGone: 'agent_gone',
  clientLeft: 'client_left',
  refused: 'refused',
} as const;
export type ConnectionOutcome = (typeof ConnectionOutcome)[keyof typeof ConnectionOutcome];

export class RelayStats {
  agentsConnected = 0;
  clientsConnected = 0;
  agentRegistrations = { requested: 0, generated: 0, resumed: 0 };
  readonly connections = new Map<ConnectionOutcome, number>();
  readonly upgradeFailures = new Map<string, number>();
  bytesClientToAgent = 0;
  bytesAgentToClient = 0;

  countConnection(outcome: ConnectionOutcome): void {
    this.connections.set(outcome, (this.connections.get(outcome) ?? 0) + 1);
  }

  countUpgradeFailure(reason: string): void {
    this.upgradeFailures.set(reason, (this.upgradeFailures.get(reason) ?? 0) + 1);
  }
}
