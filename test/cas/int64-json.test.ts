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

describe('parseCasJson quoting', () => {
  it('leaves ID-like text inside strings alone and handles spacing and nesting', () => {
    const text =
      '{ "Message" : "bad \\"OrderId\\":123 here", "OrderId" :\n 18446744073709551615 , "List":[{"CertificateId":7}], "Count": 2 }';

    expect(parseCasJson(text)).toEqual({
      Message: 'bad "OrderId":123 here',
      OrderId: '18446744073709551615',
      List: [{ CertificateId: '7' }],
      Count: 2,
    });
  });

  it('matches JSON.parse for every field that is not an ID', () => {
    const body = {
      RequestId: 'A-1',
      TotalCount: 3,
      Ratio: 0.5,
      Nested: { BuyDate: 1700000000000, Flag: true, Name: 'OrderId' },
    };

    expect(parseCasJson(JSON.stringify(body))).toEqual(body);
  });
});
