// `from="pattern-list"` of authorized_keys: does a client address match? Patterns are IP globs
// (`10.0.*`), CIDR (`192.168.0.0/16`) or negations (`!10.0.0.1`). Host names cannot be checked (no
// reverse DNS here), so they never match: a key restricted that way fails closed.
import { BlockList, isIP } from 'node:net';

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(text);
}

function cidrMatch(pattern: string, address: string): boolean {
  const [net, bits] = pattern.split('/');
  const family = isIP(net ?? '');
  if (!family || family !== isIP(address) || !/^\d+$/.test(bits ?? '')) return false;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  try {
    list.addSubnet(net!, Number(bits), type);
  } catch {
    return false;
  }
  return list.check(address, type);
}

function matchOne(pattern: string, address: string): boolean {
  return pattern.includes('/') ? cidrMatch(pattern, address) : globMatch(pattern, address);
}

/** OpenSSH semantics: any negated match refuses; otherwise one positive match allows. */
export function addressMatches(patterns: readonly string[], address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  let allowed = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (matchOne(negated ? pattern.slice(1) : pattern, plain)) {
      if (negated) return false;
      allowed = true;
    }
  }
  return allowed;
}
