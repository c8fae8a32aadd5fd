// Which client of an agent may stay when the agent's client slots are full. Pure: no timers or IO here.
// Logged-in connections are never evicted. Among anonymous ones (waiting for the agent, or connected and
// not logged in yet), the address holding the most gives way to an address holding fewer, so idle
// sockets from one address cannot lock a person out of an agent.

export interface ClientSlot {
  readonly connectionId: string;
  readonly address: string;
  readonly authenticated: boolean;
  /** ms since the epoch: the oldest anonymous slot of an address goes first. */
  readonly since: number;
}

export type Admission = { readonly kind: 'admit' } | { readonly kind: 'evict'; readonly connectionId: string } | { readonly kind: 'refuse' };

/** `max` 0 means no limit. */
export function admitClient(slots: readonly ClientSlot[], address: string, max: number): Admission {
  if (max === 0 || slots.length < max) return { kind: 'admit' };
  const anonymous = new Map<string, ClientSlot[]>();
  for (const slot of slots) {
    if (slot.authenticated) continue;
    const list = anonymous.get(slot.address) ?? [];
    list.push(slot);
    anonymous.set(slot.address, list);
  }
  let heaviest: ClientSlot[] = [];
  for (const list of anonymous.values()) if (list.length > heaviest.length) heaviest = list;
  const mine = anonymous.get(address)?.length ?? 0;
  if (heaviest.length <= mine) return { kind: 'refuse' };
  const oldest = heaviest.reduce((a, b) => (b.since < a.since ? b : a));
  return { kind: 'evict', connectionId: oldest.connectionId };
}
