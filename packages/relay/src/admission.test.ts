import { admitClient, type ClientSlot } from './admission';

const slot = (connectionId: string, address: string, authenticated = false, since = 0): ClientSlot => ({ connectionId, address, authenticated, since });

describe('admitClient', () => {
  it('admits while there is room, or without a limit', () => {
    expect(admitClient([slot('a', 'x')], 'x', 2)).toEqual({ kind: 'admit' });
    expect(admitClient([slot('a', 'x'), slot('b', 'x')], 'x', 0)).toEqual({ kind: 'admit' });
  });

  it('when full, the address holding the most anonymous slots gives way to another address', () => {
    const slots = [slot('a1', 'attacker', false, 2), slot('a2', 'attacker', false, 1), slot('a3', 'attacker', false, 3)];
    expect(admitClient(slots, 'person', 3)).toEqual({ kind: 'evict', connectionId: 'a2' });
  });

  it('the heaviest address cannot evict itself or a lighter one', () => {
    const slots = [slot('a1', 'attacker'), slot('a2', 'attacker'), slot('p1', 'person')];
    expect(admitClient(slots, 'attacker', 3)).toEqual({ kind: 'refuse' });
    const even = [slot('a1', 'attacker'), slot('p1', 'person')];
    expect(admitClient(even, 'attacker', 2)).toEqual({ kind: 'refuse' });
  });

  it('logged-in connections are never evicted', () => {
    const slots = [slot('p1', 'person', true), slot('p2', 'person', true)];
    expect(admitClient(slots, 'attacker', 2)).toEqual({ kind: 'refuse' });
    const mixed = [slot('p1', 'person', true), slot('a1', 'attacker'), slot('a2', 'attacker')];
    expect(admitClient(mixed, 'person', 3)).toEqual({ kind: 'evict', connectionId: 'a1' });
  });
});
