import { createHmac } from 'node:crypto';
import { dingTalkSignedUrl, feishuSignature, signWebhook, verifyWebhookSignature } from '../signatures';

describe('webhook signatures', () => {
  it('should verify a signature made over the timestamp and the body', () => {
    const header = signWebhook('whsec_test', '{"a":1}', 1_800_000_000);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('whsec_test', '{"a":1}', header, 300, 1_800_000_010)).toBe(true);
  });

  it('should refuse an altered body, another secret or a stale timestamp', () => {
    const header = signWebhook('whsec_test', '{"a":1}', 1_800_000_000);
    expect(verifyWebhookSignature('whsec_test', '{"a":2}', header, 300, 1_800_000_000)).toBe(false);
    expect(verifyWebhookSignature('whsec_other', '{"a":1}', header, 300, 1_800_000_000)).toBe(false);
    expect(verifyWebhookSignature('whsec_test', '{"a":1}', header, 300, 1_800_000_301)).toBe(false);
  });

  it('should sign DingTalk requests as its documentation computes them', () => {
    const url = dingTalkSignedUrl(
      'https://oapi.dingtalk.com/robot/send?access_token=abc',
      'SECxyz',
      1_700_000_000_000,
    );
    const expected = createHmac('sha256', 'SECxyz').update('1700000000000\nSECxyz').digest('base64');
    expect(url).toBe(
      `https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign=${encodeURIComponent(expected)}`,
    );
  });

  it('should sign Feishu requests with the timestamp and secret as the HMAC key', () => {
    const expected = createHmac('sha256', '1700000000\nsecret').update('').digest('base64');
    expect(feishuSignature('secret', 1_700_000_000)).toBe(expected);
  });
});
