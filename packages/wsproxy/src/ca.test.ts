import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { trustedCertificates } from './ca';

describe('trustedCertificates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsproxy-ca-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pem = (name: string) => {
    const file = join(dir, name);
    writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`);
    return file;
  };

  it("trusts Node's roots, the system bundle, NODE_EXTRA_CA_CERTS and --ca", () => {
    const extra = pem('from-env');
    const explicit = pem('from-flag');
    const list = trustedCertificates(explicit, { NODE_EXTRA_CA_CERTS: extra });
    expect(list.slice(0, rootCertificates.length)).toEqual([...rootCertificates]);
    const system = '/etc/ssl/certs/ca-certificates.crt';
    if (existsSync(system)) expect(list).toContain(readFileSync(system, 'utf8'));
    expect(list).toContain(readFileSync(extra, 'utf8'));
    expect(list[list.length - 1]).toBe(readFileSync(explicit, 'utf8'));
  });

  it('ignores a missing NODE_EXTRA_CA_CERTS file but refuses a missing --ca file', () => {
    expect(() => trustedCertificates(undefined, { NODE_EXTRA_CA_CERTS: join(dir, 'nope') })).not.toThrow();
    expect(() => trustedCertificates(join(dir, 'nope'), {})).toThrow(/ENOENT/);
  });
});
