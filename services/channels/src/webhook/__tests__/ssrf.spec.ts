import type { LookupAddress } from 'node:dns';
import {
  checkAddress,
  checkLiteralHost,
  ForbiddenAddressError,
  guardedLookup,
  parseAllowedNetworks,
} from '../ssrf';

describe('request-forgery guard', () => {
  const none = parseAllowedNetworks([]);

  it.each([
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.169.254',
    '::1',
    'fe80::1',
    'fd00::1',
    '0.0.0.0',
    '100.64.0.1',
    '::ffff:127.0.0.1',
  ])('should refuse %s', (address) => {
    expect(() => checkAddress(address, none)).toThrow(ForbiddenAddressError);
  });

  it('should let public addresses through', () => {
    expect(() => checkAddress('93.184.216.34', none)).not.toThrow();
    expect(() => checkAddress('2606:2800:220:1:248:1893:25c8:1946', none)).not.toThrow();
  });

  it('should let an allow-listed private network through, and only that one', () => {
    const allowed = parseAllowedNetworks(['10.1.0.0/16']);
    expect(() => checkAddress('10.1.2.3', allowed)).not.toThrow();
    expect(() => checkAddress('10.2.0.1', allowed)).toThrow(ForbiddenAddressError);
  });

  it('should check IP literals in URLs, bracketed IPv6 too', () => {
    expect(() => checkLiteralHost('[::1]', none)).toThrow(ForbiddenAddressError);
    expect(() => checkLiteralHost('example.com', none)).not.toThrow();
  });

  it('should refuse a name when any address it resolves to is private', (done) => {
    const resolve = ((
      _host: string,
      _options: unknown,
      callback: (error: null, addresses: LookupAddress[]) => void,
    ) =>
      callback(null, [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ])) as never;
    guardedLookup(none, resolve)('rebind.example', {}, (error) => {
      expect(error).toBeInstanceOf(ForbiddenAddressError);
      done();
    });
  });

  it('should answer with the checked address when every one is public', (done) => {
    const resolve = ((
      _host: string,
      _options: unknown,
      callback: (error: null, addresses: LookupAddress[]) => void,
    ) => callback(null, [{ address: '93.184.216.34', family: 4 }])) as never;
    guardedLookup(none, resolve)('example.com', {}, (error, address, family) => {
      expect(error).toBeNull();
      expect([address, family]).toEqual(['93.184.216.34', 4]);
      done();
    });
  });
});
