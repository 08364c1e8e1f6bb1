import { signLinkToken, verifyLinkToken } from '../confirmation-token';

describe('confirmation link tokens', () => {
  const id = '3f0c9a4e-8d1b-4d0e-9b59-2f1f6d3c7a10';

  it('should give back the link id of a token it signed', () => {
    expect(verifyLinkToken(signLinkToken(id, 'secret-0123456789abcdef'), 'secret-0123456789abcdef')).toBe(id);
  });

  it('should refuse a token signed with another secret, altered, or malformed', () => {
    const token = signLinkToken(id, 'secret-0123456789abcdef');
    expect(verifyLinkToken(token, 'other-0123456789abcdef')).toBeNull();
    const other = signLinkToken('00000000-0000-4000-8000-000000000000', 'x').split('.')[0];
    expect(verifyLinkToken(`${other}.${token.split('.')[1]}`, 'secret-0123456789abcdef')).toBeNull();
    expect(verifyLinkToken('garbage', 'secret-0123456789abcdef')).toBeNull();
    expect(verifyLinkToken(`${token}.extra`, 'secret-0123456789abcdef')).toBeNull();
  });
});
