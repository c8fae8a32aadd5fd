// The sessions snapshot (protocol's SessionsSnapshot) built from the connected agents: what the
// sessions page and GET /api/sessions show. No secrets: no connection ids, tokens or signatures.
import type { AgentSummary, SessionsSnapshot } from '@converge/protocol';
import type { AgentSession } from './agent-session';

/** `others`: agents held by the other relays of a fleet, as they published them; `self`: this relay's
 *  advertised URL, naming it on its own agents' entries (fleets only). */
export function buildSnapshot(
  agents: Iterable<AgentSession>,
  relay: { version: string; startedAt: Date; self?: string },
  now = new Date(),
  others: readonly AgentSummary[] = [],
): SessionsSnapshot {
  const list: AgentSummary[] = [...others];
  for (const agent of agents) {
    if (agent.id === undefined || agent.info === undefined) continue;
    list.push({
      id: agent.id,
      ...agent.info,
      address: agent.address,
      connectedAt: agent.connectedAt.toISOString(),
      job: {
        state: agent.status.jobState ?? 'none',
        ...(agent.status.jobCommand !== undefined && { command: agent.status.jobCommand }),
        ...(agent.status.jobExitCode !== undefined && { exitCode: agent.status.jobExitCode }),
      },
      ...(agent.status.expiresAt ? { expiresAt: new Date(agent.status.expiresAt).toISOString() } : {}),
      hold: agent.status.hold ?? false,
      clients: [...agent.clients].map((client) => {
        const bytes = client.bytes();
        return { index: client.index, address: client.address, since: client.since.toISOString(), kind: client.kind, bytesIn: bytes.in, bytesOut: bytes.out };
      }),
      ...(relay.self !== undefined && { relay: relay.self }),
    });
  }
  list.sort((a, b) => a.connectedAt.localeCompare(b.connectedAt) || a.id.localeCompare(b.id));
  return { relay: { version: relay.version, startedAt: relay.startedAt.toISOString() }, generatedAt: now.toISOString(), agents: list };
}
