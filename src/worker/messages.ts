import type { DomainValidation } from '../cas/schemas.ts';
import { escapeMrkdwn, slackDate } from '../slack/mrkdwn.ts';
import type { CertificateSummary } from './cert-summary.ts';

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/** The thread messages of a renewal, in the order they usually appear. */
export const threadText = {
  submitting: (orderId: string) => `:arrows_counterclockwise: Renewing order ${code(orderId)} in CAS…`,

  submitted: (newOrderId: string) =>
    `:arrows_counterclockwise: CAS accepted the renewal: new order ${code(newOrderId)}, pending application. I will follow it here.`,

  reconciled: (newOrderId: string) =>
    `:mag: CAS did not answer the renewal call, but it did renew: found new order ${code(newOrderId)}. Following it here.`,

  outcomeUnknown: (reason: string) =>
    `:hourglass_flowing_sand: CAS did not confirm the renewal (${escapeMrkdwn(reason)}). Checking in CAS whether it happened before doing anything else; the renewal is never sent twice automatically.`,

  retrying: (reason: string, at: number) =>
    `:hourglass_flowing_sand: CAS did not take the renewal yet (${escapeMrkdwn(reason)}); nothing was spent. Trying again at ${slackDate(at, '{time}')}.`,

  pendingApplication: (newOrderId: string) =>
    `:hourglass: New order ${code(newOrderId)} is pending application in CAS (待申请). If it does not move on by itself, open the CAS console → SSL Certificates → the order → *Apply* and submit the application.`,

  validation: (domain: string | undefined, v: DomainValidation) =>
    v.kind === 'DNS'
      ? [
          `:mag: *Domain validation needed*${domain ? ` for ${escapeMrkdwn(domain)}` : ''}: add this DNS record.`,
          `• Name: ${code(v.recordDomain)}`,
          `• Type: ${code(v.recordType)}`,
          `• Value: ${code(v.recordValue)}`,
          'CAS checks it automatically; I will post here when it moves on.',
        ].join('\n')
      : [
          `:mag: *Domain validation needed*${domain ? ` for ${escapeMrkdwn(domain)}` : ''}: serve this file over HTTP(S).`,
          `• URL: ${code(`http://${v.domain || domain || '<domain>'}${v.uri}`)}`,
          `• Content: ${code(v.content)}`,
          'CAS checks it automatically; I will post here when it moves on.',
        ].join('\n'),

  reviewing: (newOrderId: string) =>
    `:mag: Domain validated; the CA is reviewing new order ${code(newOrderId)}.`,

  issued: (newOrderId: string, cert: CertificateSummary | undefined, casGeneratedKey: boolean) =>
    [
      `:white_check_mark: Renewal issued: new order ${code(newOrderId)}.`,
      ...(cert
        ? [
            `• Subject: ${code(cert.subject)}`,
            `• SANs: ${cert.sans.length > 0 ? cert.sans.map(code).join(', ') : '_none_'}`,
            `• Not after: ${slackDate(cert.notAfter.getTime(), '{date_short}')} (${cert.notAfter.toISOString()})`,
            `• Serial: ${code(cert.serial)}`,
            `• SHA-256: ${code(cert.sha256)}`,
          ]
        : ['• The certificate could not be parsed; see the CAS console.']),
      casGeneratedKey
        ? 'CAS generated the key pair: download the certificate and its private key from the CAS console. The key is never posted here.'
        : 'It was issued for your CSR: install it with the private key you kept.',
    ].join('\n'),

  reviewFailed: (newOrderId: string) =>
    `:x: Renewal failed: the CA review of new order ${code(newOrderId)} failed (CAS state \`verify_fail\`). Check the domain validation in the CAS console; to try again, delete the failed application there (this releases the plan quota) and run \`/cert renew\` again.`,

  refused: (orderId: string, casCode: string, message: string) =>
    `:x: Renewal failed: CAS refused to renew order ${code(orderId)}: ${code(casCode)} ${escapeMrkdwn(message)}`,

  needsAttention: (what: string) =>
    `:warning: *Needs attention*: ${what}\nThe order is free for a new request meanwhile. Approvers: *Check CAS again* or *Close…* on the card above.`,
};
