import { createHash } from 'node:crypto';
import type { SimSubscription, SimSubscriptionCertificate } from './subscription-model.ts';
import { certificateStatusAt, openAttempt, statusAt } from './subscriptions.ts';

/** The China site's CertIdentifier: `<certificateId>-cn-hangzhou` (SDK models). */
const certIdentifier = (certificateId: string) => `${certificateId}-cn-hangzhou`;

/** A stable hex digest standing in for a certificate's fingerprint or serial (no PEM is made for V2). */
const digest = (text: string, length: number) =>
  createHash('sha256').update(text).digest('hex').slice(0, length).toUpperCase();

/** The fields ListInstances rows and GetInstanceDetail share (SDK ListInstancesResponseBodyInstanceList). */
export function instanceRow(sub: SimSubscription, now: number): Record<string, unknown> {
  const latest = sub.certificates.at(-1);
  const certificateStatus = certificateStatusAt(latest, now);
  return {
    InstanceId: sub.instanceId,
    InstanceType: sub.instanceType,
    Status: statusAt(sub, now),
    CertificateStatus: certificateStatus ?? null,
    CertificateId: latest?.certificateId ?? null,
    CertIdentifier: latest ? certIdentifier(latest.certificateId) : null,
    CertificateName: sub.certificateName ?? `cert-${sub.instanceId}`,
    CertificateType: sub.certificateType,
    Brand: sub.brand,
    Spec: sub.spec,
    Domain: sub.application?.domain ?? sub.domain,
    CertificateDomain: latest ? sub.domain : null,
    CertificateNotBefore: latest?.notBefore ?? null,
    CertificateNotAfter: latest?.notAfter ?? null,
    CertificateRevokeTime: certificateStatus === 'revoked' ? (latest?.revokedAt ?? null) : null,
    // The instance's validity is its latest certificate's; empty before the first issuance (SDK comments).
    InstanceStartTime: latest?.notBefore ?? null,
    InstanceEndTime: latest?.notAfter ?? null,
    OrderStartTime: sub.orderStartTime,
    OrderEndTime: sub.orderEndTime,
    AutoReissue: sub.autoReissue ? 'enable' : 'disable',
    KeyAlgorithm: sub.application?.keyAlgorithm ?? sub.keyAlgorithm,
    PendingResult: pendingResult(sub),
    ResourceGroupId: sub.resourceGroupId,
    FullDomainCount: sub.domain.startsWith('*.') ? 0 : 1,
    WildcardDomainCount: sub.domain.startsWith('*.') ? 1 : 0,
    UsingProductList: [],
  };
}

/** The CA's last message: the failed task's reason, `pending` while under review, else none. */
function pendingResult(sub: SimSubscription): string | null {
  const last = sub.attempts.at(-1);
  if (!last) return null;
  if (!last.settled) return 'pending';
  return last.settled.how === 'failed' ? (last.outcome.message ?? 'The CA refused the application.') : null;
}

/** The DNS or HTTP record CAS asks for while an application is being validated (after its task). */
function validations(sub: SimSubscription, now: number, taskMs: number): Array<Record<string, string>> {
  const a = openAttempt(sub);
  if (a?.outcome.task !== 'success' || a.cancelRequestedAt !== undefined) return [];
  if (now < a.appliedAt + taskMs) return [];
  const domain = (sub.application?.domain ?? sub.domain).split(',')[0] as string;
  const root = domain.replace(/^\*\./, '');
  const token = digest(`${sub.instanceId}/${a.appliedAt}`, 24).toLowerCase();
  return sub.application?.validationMethod === 'HTTP'
    ? [
        {
          Domain: domain,
          RootDomain: root,
          ValidationType: 'HTTP',
          ValidationKey: '/.well-known/pki-validation/fileauth.txt',
          ValidationValue: token,
        },
      ]
    : [
        {
          Domain: domain,
          RootDomain: root,
          ValidationType: 'TXT',
          ValidationKey: '_dnsauth',
          ValidationValue: token,
        },
      ];
}

/** GetInstanceDetail: every field of the SDK's GetInstanceDetailResponseBody. */
export function instanceDetail(sub: SimSubscription, now: number, taskMs: number): Record<string, unknown> {
  const { UsingProductList: _using, CertificateDomain: _domain, ...row } = instanceRow(sub, now);
  const app = sub.application;
  return {
    ...row,
    AverageWaitingTime: '120',
    ValidationMethod: app?.validationMethod ?? null,
    GenerateCsrMethod: app ? (app.csr ? 'upload' : 'online') : null,
    Csr: app?.csr ?? null,
    ContactIdList: app?.contactIds.map(Number) ?? [],
    CompanyId: app?.companyId ?? null,
    CountryCode: 'CN',
    Province: 'Beijing',
    City: 'Beijing',
    UpgradeStatus: 'none',
    DomainValidationList: validations(sub, now, taskMs),
    DingGroupList: [],
    Tags: [],
  };
}

const algorithmOf = (keyAlgorithm: string) =>
  keyAlgorithm.startsWith('ECC') ? 'ECC' : keyAlgorithm === 'SM2' ? 'SM2' : 'RSA';
const keySizeOf = (keyAlgorithm: string) => Number(/_(\d+)$/.exec(keyAlgorithm)?.[1] ?? 256);

/** One ListCertificates row (SDK ListCertificatesResponseBodyCertificateList): its CertificateId is a string. */
export function certificateRow(
  sub: SimSubscription,
  cert: SimSubscriptionCertificate,
  now: number,
): Record<string, unknown> {
  const keyAlgorithm = sub.application?.keyAlgorithm ?? sub.keyAlgorithm;
  return {
    CertificateId: cert.certificateId,
    CertIdentifier: certIdentifier(cert.certificateId),
    CertificateName: `${sub.certificateName ?? `cert-${sub.instanceId}`}-${cert.certificateId}`,
    CertificateSource: sub.instanceType,
    CertificateStatus: certificateStatusAt(cert, now),
    InstanceId: sub.instanceId,
    CommonName: sub.domain,
    Domain: sub.domain,
    SubjectAlternativeNames: [sub.domain],
    Issuer: sub.brand,
    Algorithm: algorithmOf(keyAlgorithm),
    KeySize: keySizeOf(keyAlgorithm),
    ExistPrivateKey: !sub.application?.csr,
    FingerPrint: digest(`fp/${cert.certificateId}`, 64),
    Serial: digest(`serial/${cert.certificateId}`, 32),
    NotBefore: cert.notBefore,
    NotAfter: cert.notAfter,
    UsingProductList: [],
  };
}
