/** Cloud products `ListCloudResources` takes as `CloudProduct` (reference §8; SLB, LIVE, webHosting, VOD, CR: China site only). */
export const cloudProducts = [
  'CDN',
  'DCDN',
  'DDOS',
  'ALB',
  'NLB',
  'OSS',
  'WAF',
  'GA',
  'APIGateway',
  'FC',
  'MSE',
  'SAE',
  'SLB',
  'LIVE',
  'VOD',
  'webHosting',
  'CR',
] as const;

/** Products only the China site deploys to (reference §8). */
const chinaOnlyProducts = new Set(['SLB', 'LIVE', 'webHosting', 'VOD', 'CR']);

/** Every product the site of `endpoint` deploys to (the international site is `cas.ap-southeast-1`). */
export function deployProductsOf(endpoint: string): string[] {
  const international = /ap-southeast-1|alibabacloud/.test(endpoint);
  return cloudProducts.filter((p) => !international || !chinaOnlyProducts.has(p));
}
