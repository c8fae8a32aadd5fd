import { permitOpenAllows } from './direct';
import { AccessPolicy } from './policy';
import { bindHost, gatewayBindHost, permitListenAllows } from './remote';
import { NO_OPTIONS } from '../auth/options';

test('agent flag and relay welcome decide forwarding and shells; a later welcome replaces the earlier', () => {
  const open = new AccessPolicy(true);
  expect(open.forwardingRefusal()).toBeUndefined();
  expect(open.shellRefusal()).toBeUndefined();
  open.applyWelcome({ allowForwarding: false, allowShell: false });
  expect(open.forwardingRefusal()).toMatch(/disabled by the relay/);
  expect(open.shellRefusal()).toMatch(/sftp still works/);
  open.applyWelcome({});
  expect(open.forwardingRefusal()).toBeUndefined();
  expect(new AccessPolicy(false).forwardingRefusal()).toMatch(/--no-forwarding/);
});

test('remote forward bind addresses and permitopen', () => {
  expect(bindHost('localhost')).toBe('127.0.0.1');
  expect(bindHost('')).toBe('0.0.0.0');
  expect(bindHost('*')).toBe('0.0.0.0');
  expect(bindHost('::1')).toBe('::1');
  const options = { ...NO_OPTIONS, permitOpen: ['127.0.0.1:80', '[::1]:*', '*:443'] };
  expect(permitOpenAllows(options, '127.0.0.1', 80)).toBe(true);
  expect(permitOpenAllows(options, '127.0.0.1', 81)).toBe(false);
  expect(permitOpenAllows(options, '::1', 9)).toBe(true);
  expect(permitOpenAllows(options, 'example.com', 443)).toBe(true);
  expect(permitOpenAllows(NO_OPTIONS, 'anything', 1)).toBe(true);
});

test('GatewayPorts: -R binds loopback by default whatever the client asks', () => {
  expect(gatewayBindHost('0.0.0.0', 'no')).toBe('127.0.0.1');
  expect(gatewayBindHost('', 'no')).toBe('127.0.0.1');
  expect(gatewayBindHost('::1', 'no')).toBe('::1');
  expect(gatewayBindHost('localhost', 'yes')).toBe('0.0.0.0');
  expect(gatewayBindHost('0.0.0.0', 'clientspecified')).toBe('0.0.0.0');
  expect(gatewayBindHost('localhost', 'clientspecified')).toBe('127.0.0.1');
});

test('permitlisten limits -R ports and hosts; port 0 needs a * port', () => {
  const options = { ...NO_OPTIONS, permitListen: ['8080', 'localhost:9000', '*:7000'] };
  expect(permitListenAllows(options, 'localhost', 8080)).toBe(true);
  expect(permitListenAllows(options, '0.0.0.0', 8080)).toBe(true);
  expect(permitListenAllows(options, 'localhost', 8081)).toBe(false);
  expect(permitListenAllows(options, 'localhost', 9000)).toBe(true);
  expect(permitListenAllows(options, '0.0.0.0', 9000)).toBe(false);
  expect(permitListenAllows(options, '10.0.0.1', 7000)).toBe(true);
  expect(permitListenAllows(options, 'localhost', 0)).toBe(false);
  expect(permitListenAllows({ ...NO_OPTIONS, permitListen: ['*'] }, 'localhost', 0)).toBe(true);
  expect(permitListenAllows(NO_OPTIONS, '0.0.0.0', 1)).toBe(true);
});
