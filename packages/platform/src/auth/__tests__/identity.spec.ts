import {
  IDENTITY_HEADER,
  IDENTITY_SIGNATURE_HEADER,
  IDENTITY_TTL_SECONDS,
  signIdentityHeaders,
  verifyIdentityHeaders,
  type Identity,
} from '../identity';

const SECRET = 'unit-test-shared-secret-0123456789';
const AGENT: Identity = { userId: 'a1', roles: ['agent'], queueIds: ['general'], customerId: null };

describe('signed identity headers', () => {
  it('should return the identity when the headers are signed and fresh', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(verifyIdentityHeaders(signIdentityHeaders(AGENT, SECRET, now), SECRET, now + 5_000)).toEqual(
      AGENT,
    );
  });

  it('should refuse headers replayed after their time to live', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    const headers = signIdentityHeaders(AGENT, SECRET, now);
    expect(verifyIdentityHeaders(headers, SECRET, now + (IDENTITY_TTL_SECONDS + 2) * 1000)).toBeNull();
  });

  it('should refuse headers signed with another secret', () => {
    expect(verifyIdentityHeaders(signIdentityHeaders(AGENT, 'another-secret-0123456789'), SECRET)).toBeNull();
  });

  it('should refuse a payload changed after signing', () => {
    const headers = signIdentityHeaders(AGENT, SECRET);
    const payload = JSON.parse(Buffer.from(headers[IDENTITY_HEADER], 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString('base64url');
    expect(
      verifyIdentityHeaders(
        { [IDENTITY_HEADER]: forged, [IDENTITY_SIGNATURE_HEADER]: headers[IDENTITY_SIGNATURE_HEADER] },
        SECRET,
      ),
    ).toBeNull();
  });

  it('should refuse a pair it accepted before when replayed late, forged or checked with another secret', () => {
    const now = Date.parse('2026-11-25T11:00:00Z');
    const headers = signIdentityHeaders(AGENT, SECRET, now);
    const payload = JSON.parse(Buffer.from(headers[IDENTITY_HEADER], 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString('base64url');

    const first = verifyIdentityHeaders(headers, SECRET, now);
    const again = verifyIdentityHeaders(headers, SECRET, now + 1_000);
    const late = verifyIdentityHeaders(headers, SECRET, now + (IDENTITY_TTL_SECONDS + 2) * 1000);
    const withForgedPayload = verifyIdentityHeaders(
      { [IDENTITY_HEADER]: forged, [IDENTITY_SIGNATURE_HEADER]: headers[IDENTITY_SIGNATURE_HEADER] },
      SECRET,
      now,
    );
    const withAnotherSecret = verifyIdentityHeaders(headers, 'another-secret-0123456789', now);

    expect(first).toEqual(AGENT);
    expect(again).toEqual(AGENT);
    expect({ late, withForgedPayload, withAnotherSecret }).toEqual({
      late: null,
      withForgedPayload: null,
      withAnotherSecret: null,
    });
  });

  it('should refuse a signed payload without an expiry', () => {
    const unsignedExpiry = Buffer.from(JSON.stringify(AGENT)).toString('base64url');
    const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const signature = createHmac('sha256', SECRET).update(unsignedExpiry).digest('base64url');
    expect(
      verifyIdentityHeaders(
        { [IDENTITY_HEADER]: unsignedExpiry, [IDENTITY_SIGNATURE_HEADER]: signature },
        SECRET,
      ),
    ).toBeNull();
  });
});
