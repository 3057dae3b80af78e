import { z } from 'zod';
import type { DeployResource, DeployResult, TlsResult } from './deployment.ts';
import { json, optionalNumber } from './hash-fields.ts';

/**
 * Every state of a deployment (DESIGN.md: installing the renewed certificate, CERT_DEPLOY=ask). A deployment is
 * proposed when its request is issued; the request's own state machine ends there (`issued`).
 */
export const deployStates = [
  'deploy_requested',
  'deploy_approved',
  'deploy_creating',
  'deploying',
  'verifying',
  'deployed',
  'verified',
  'rolling_back',
  /** No deployment job was created (CAS refused it, no contact, …): the thread says why. */
  'not_deployed',
  /** A person chose Skip: the certificate is installed elsewhere, or by hand. */
  'skipped',
] as const;
export type DeployState = (typeof deployStates)[number];

const object = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

/**
 * A deployment as stored in its own Redis hash (`<prefix>:deployment:<requestId>`): one per issued request that had
 * somewhere to deploy to. What it needs of its request (the certificates, the thread) is copied once, when it is
 * proposed, and named as its own; its moves are rows of its own table (deploy-transitions.ts).
 */
export const DeploymentRecord = z.object({
  /** The request whose new certificate this deploys (its thread holds the deployment card). */
  requestId: z.string(),
  state: z.enum(deployStates),
  version: z.coerce.number().int(),
  updatedAt: optionalNumber,
  /** The request's thread: where the deployment card is posted. */
  channelId: z.string(),
  threadTs: z.string().optional(),
  domain: z.string().optional(),
  /** Certificate IDs: the one the old order's resources serve, and the new one to deploy. */
  oldCertId: z.string(),
  newCertId: z.string(),
  /** SHA-256 fingerprint of the new certificate (what a TLS endpoint must serve once deployed). */
  newCertSha256: z.string().optional(),
  /** SHA-256 of the old certificate, when CAS gave it (an endpoint serving it is named "still old"). */
  oldCertSha256: z.string().optional(),
  /** The CAS contacts of the request's application (a deployment job needs one). */
  contactIds: json(z.array(z.string())),
  /** Where the old certificate is served, as proposed on the deployment card. */
  resources: json(z.array(object<DeployResource>())),
  /** The deployment card's `ts` in the thread. */
  cardTs: z.string().optional(),
  decidedBy: z.string().optional(),
  /** Counts the decisions that gave the worker work (Deploy, Check again, Roll back): each is its own job. */
  run: optionalNumber,
  /** The claim of CreateDeploymentJob (fenced like the paid call); the job is looked for by name after a crash. */
  intentId: z.string().optional(),
  creatingAt: optionalNumber,
  jobId: z.string().optional(),
  /** Each resource's outcome once the job finished (and after rollbacks). */
  results: json(z.array(object<DeployResult>())),
  /** What the TLS check found, endpoint by endpoint. */
  tlsResults: json(z.array(object<TlsResult>())),
  /** The resource (WorkerId) a person asked to roll back. */
  rollbackWorkerId: z.string().optional(),
  /** Worker runs in a row that ended in an unexpected error (reset by a run that completes). */
  failures: optionalNumber,
  lastError: z.string().optional(),
});
export type DeploymentRecord = z.infer<typeof DeploymentRecord>;
