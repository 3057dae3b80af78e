import type { DeployResource, TlsResult } from '../renewals/deployment.ts';
import type { ThreadEvent } from '../renewals/thread-events.ts';
import { foldLines } from './message-limits.ts';
import { code, escapeMrkdwn, slackDate } from './mrkdwn.ts';

// The thread messages of a deployment: its job's results and the TLS checks of its endpoints.

/** How a deployment job ended, resource by resource, failed ones first. */
export function deployResultsText(event: Extract<ThreadEvent, { type: 'deploy_results' }>): string {
  const ok = event.results.filter((r) => r.status === 'success');
  const failed = event.results.filter((r) => r.status !== 'success');
  // Failed resources first: when the list is folded, what needs a person stays in view.
  return foldLines({
    head: [
      `${failed.length === 0 ? ':white_check_mark:' : ':warning:'} Deployment job ${code(event.jobId)} finished: deployed to ${ok.length} of ${event.results.length} resources.`,
    ],
    items: [
      ...failed.map((r) => `• ${resourceName(r)}: *${escapeMrkdwn(r.status)}*`),
      ...ok.map((r) => `• ${resourceName(r)}: deployed`),
    ],
    tail:
      failed.length > 0
        ? [
            `CAS does not give the reason through its API: open job ${code(event.jobId)} in the CAS console → Deployment to read it. Approvers can *Roll back* a failed resource on the deployment card.`,
          ]
        : [],
    more: (hidden) =>
      `• …and ${hidden} more; the CAS console → Deployment → job ${code(event.jobId)} lists every resource.`,
  });
}

/** A resource as people name it: product, domain or listener, region. */
export function resourceName(r: DeployResource): string {
  const where = r.domain
    ? escapeMrkdwn(r.domain)
    : r.listenerPort
      ? `listener :${escapeMrkdwn(r.listenerPort)}`
      : code(r.resourceId);
  return `${escapeMrkdwn(r.product)} ${where}${r.region ? ` (${escapeMrkdwn(r.region)})` : ''}`;
}

/** "serving the new certificate on N of M endpoints", naming every endpoint that does not (yet). */
export function renderTlsResults(results: TlsResult[], final: boolean, nextAt: number | undefined): string {
  if (results.length === 0)
    return ':warning: I could not read the new certificate from CAS, so I cannot tell what the endpoints serve. Approvers can *Check again* on the deployment card, or check the endpoints by hand.';
  const serving = results.filter((r) => r.outcome === 'new');
  const others = results.filter((r) => r.outcome !== 'new');
  const why = (r: TlsResult) =>
    r.outcome === 'old'
      ? 'still the old certificate'
      : r.outcome === 'other'
        ? `another certificate (SHA-256 ${code(r.sha256 ?? '')})`
        : `unreachable: ${escapeMrkdwn(r.error ?? 'no answer')}`;
  return foldLines({
    head: [
      `${others.length === 0 ? ':white_check_mark:' : final ? ':warning:' : ':hourglass_flowing_sand:'} Serving the new certificate on ${serving.length} of ${results.length} endpoint${results.length === 1 ? '' : 's'}.`,
    ],
    items: others.map((r) => `• ${escapeMrkdwn(r.domain)} (${escapeMrkdwn(r.address)}): ${why(r)}`),
    tail:
      others.length > 0
        ? [
            final
              ? 'Check these endpoints (CDN propagation, a certificate configured outside CAS, DNS pointing elsewhere). Approvers can *Check again*, or *Roll back* a resource, on the deployment card.'
              : `CDN propagation can take minutes; checking again at ${nextAt ? slackDate(nextAt, '{time}') : 'the next poll'}.`,
          ]
        : [],
    more: (hidden) => `• …and ${hidden} more endpoints`,
  });
}
