import { describe, expect, it } from 'vitest';
import { parseCasJson } from '../../src/cas/int64-json.ts';

describe('parseCasJson', () => {
  it('keeps int64 ID fields exact, where JSON.parse would not', () => {
    const text =
      '{"OrderId":9007199254740993,"CertificateOrderList":[{"OrderId":9223372036854775807,"AliyunOrderId":12,"CertEndTime":1700000000000}],"TotalCount":3}';

    const parsed = parseCasJson(text);

    expect((JSON.parse(text) as { OrderId: number }).OrderId).toBe(9007199254740992);
    expect(parsed).toEqual({
      OrderId: '9007199254740993',
      CertificateOrderList: [
        { OrderId: '9223372036854775807', AliyunOrderId: '12', CertEndTime: 1700000000000 },
      ],
      TotalCount: 3,
    });
  });
});
