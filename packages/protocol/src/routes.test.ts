import { ProtocolError } from './errors';
import { agentUrl, clientUrl, dataUrl, matchRoute, normalizeBasePath, parseClientUrl, parseRelayUrl } from './routes';

const CONN = 'abcdefghjkmnpqrstvwxyz0123';

describe('parseRelayUrl', () => {
  it.each([
    ['ws://relay:8000', 'ws://relay:8000', 'http://relay:8000', ''],
    ['http://relay:8000/', 'ws://relay:8000', 'http://relay:8000', ''],
    ['https://ci.example.com/converge/', 'wss://ci.example.com/converge', 'https://ci.example.com/converge', '/converge'],
    ['wss://ci.example.com:443/a/b', 'wss://ci.example.com/a/b', 'https://ci.example.com/a/b', '/a/b'],
    ['  ws://127.0.0.1:1234  ', 'ws://127.0.0.1:1234', 'http://127.0.0.1:1234', ''],
    ['ws://[::1]:9/', 'ws://[::1]:9', 'http://[::1]:9', ''],
  ])('%s', (input, wsBase, httpBase, basePath) => {
    expect(parseRelayUrl(input)).toEqual({ wsBase, httpBase, basePath, secure: wsBase.startsWith('wss') });
  });

  it.each([
    ['relay.example.com', /not a URL/],
    ['ftp://relay', /scheme ftp: is not/],
    ['ws://user:pw@relay', /credentials/],
    ['ws://relay/?x=1', /query or fragment/],
    ['ws://relay/client/abc', /this is a client URL; give the relay's base URL \(ws:\/\/relay\)/],
    ['ws://relay/a%20b', /base path/],
  ])('refuses %s', (input, message) => {
    expect(() => parseRelayUrl(input)).toThrow(ProtocolError);
    expect(() => parseRelayUrl(input)).toThrow(message);
  });
});

describe('client URLs', () => {
  it('round-trips through clientUrl and parseClientUrl', () => {
    const relay = parseRelayUrl('https://ci.example.com/converge');
    const url = clientUrl(relay, 'k3v9-x7qd-2mhp-tr8w');
    expect(url).toBe('wss://ci.example.com/converge/client/k3v9-x7qd-2mhp-tr8w');
    expect(parseClientUrl(url)).toEqual({ relay, id: 'k3v9-x7qd-2mhp-tr8w' });
  });

  it('drops a host-name suffix so ssh_config %h works', () => {
    expect(parseClientUrl('ws://r:1/client/k3v9-x7qd.converge').id).toBe('k3v9-x7qd');
    expect(parseClientUrl('ws://r:1/client/My-Job.example.com').id).toBe('my-job');
  });

  it.each([
    ['ws://r/clients/abc', /expected ws\(s\)/],
    ['ws://r/client/', /invalid id ""/],
    ['ws://r/client/a_b', /invalid id "a_b"/],
    ['ws://r/client/abc/extra', /expected ws\(s\)/],
  ])('refuses %s', (input, message) => {
    expect(() => parseClientUrl(input)).toThrow(message);
  });

  it('builds agent and data URLs', () => {
    const relay = parseRelayUrl('ws://r:1/base');
    expect(agentUrl(relay)).toBe('ws://r:1/base/agent');
    expect(dataUrl(relay, CONN)).toBe(`ws://r:1/base/data/${CONN}`);
    expect(() => dataUrl(relay, 'nope')).toThrow(ProtocolError);
    expect(() => clientUrl(relay, 'NO')).toThrow(ProtocolError);
  });
});

describe('matchRoute', () => {
  it.each([
    ['/agent', '', { kind: 'agent' }],
    ['/client/abc', '', { kind: 'client', id: 'abc' }],
    [`/data/${CONN}`, '', { kind: 'data', connectionId: CONN }],
    ['/x/agent', '/x', { kind: 'agent' }],
    ['/x/client/my-id', '/x', { kind: 'client', id: 'my-id' }],
    ['/agent', '/x', { kind: 'other', path: '/agent' }],
    ['/x', '/x', { kind: 'other', path: '/' }],
    ['/xy/agent', '/x', { kind: 'other', path: '/xy/agent' }],
    ['/', '', { kind: 'other', path: '/' }],
    ['/sessions', '', { kind: 'other', path: '/sessions' }],
    ['/client/BAD', '', { kind: 'invalid', reason: 'invalid id in the client path' }],
    ['/data/short', '', { kind: 'invalid', reason: 'invalid connection id in the data path' }],
    ['/client/abc/def', '', { kind: 'other', path: '/client/abc/def' }],
    ['/agent/extra', '', { kind: 'other', path: '/agent/extra' }],
  ])('%s under %j', (path, base, expected) => {
    expect(matchRoute(path, base)).toEqual(expected);
  });

  it('normalizes base paths', () => {
    expect(normalizeBasePath('/')).toBe('');
    expect(normalizeBasePath('')).toBe('');
    expect(normalizeBasePath('x/')).toBe('/x');
    expect(normalizeBasePath('/a/b//')).toBe('/a/b');
    expect(() => normalizeBasePath('/a?b')).toThrow(ProtocolError);
  });
});
