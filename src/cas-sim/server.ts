import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimAction, SimActionTable } from './actions.ts';
import { createDeploymentActions } from './deployment-actions.ts';
import { createDeploymentStore } from './deployments.ts';
import { createFaultQueue, type HeldRequest } from './faults.ts';
import { createCasRequestHandler, type SimCall } from './http-handler.ts';
import { createInstanceActions } from './instance-actions.ts';
import { createOrderActions } from './order-actions.ts';
import { createOrderStore } from './orders.ts';
import { createRequestGuards } from './request-guards.ts';
import { type ParsedSimSeed, SimSeed } from './seed.ts';
import { createSimCa } from './sim-ca.ts';
import { createSubscriptionActions } from './subscription-actions.ts';
import { createSubscriptionCertificates } from './subscription-certificates.ts';
import { createSubscriptionStore } from './subscriptions.ts';
import type { RawRequest, SimAccessKey } from './verify-v3.ts';

export type { SimCall } from './http-handler.ts';

/** Options of {@link createCasSimulator}. */
export interface CasSimulatorOptions {
  seed?: SimSeed;
  /** Simulator clock, epoch milliseconds. @defaultValue Date.now */
  now?: () => number;
  /** Host answered in `HostId`. @defaultValue cas.aliyuncs.com */
  hostId?: string;
  /** Keep this many raw requests for replay/tamper tests. @defaultValue 50 */
  keepRawRequests?: number;
}

/** The order store, the subscriptions and the deployment store, seeded, each resource serving its certificate. */
function createSimStores(seed: ParsedSimSeed, now: () => number) {
  const ca = createSimCa();
  const store = createOrderStore(seed, { now, ca });
  const subscriptions = createSubscriptionStore({
    subscriptions: seed.subscriptions,
    behaviour: seed.subscriptionApi,
    now,
    newCertificateId: store.newCertificateId,
    firstContactId: () => [...store.contacts.keys()][0],
    contactExists: (contactId) => store.contacts.has(contactId),
  });
  // A V2 subscription's certificates are deployed and served like an order's.
  const v2 = createSubscriptionCertificates(subscriptions, ca);
  const deployments = createDeploymentStore({
    now,
    certificateExists: (certId) => store.certificateExists(certId) || v2.exists(certId),
    certificateDomain: (certId) =>
      [...store.orders.values()].find((o) => o.instance.certificateId === certId)?.domain ??
      v2.domain(certId),
    contactExists: (contactId) => store.contacts.has(contactId),
    behaviour: seed.deployApi,
  });
  for (const r of seed.resources) {
    const certId = r.certId ?? (r.servesOrder ? store.get(r.servesOrder)?.instance.certificateId : undefined);
    const { id, cloudProduct, domain, regionId, listenerPort, fail, rollbackFails } = r;
    deployments.addResource({
      id,
      cloudProduct,
      domain,
      regionId,
      listenerPort,
      certId,
      fail,
      rollbackFails,
    });
  }
  const instanceActions = createInstanceActions(store, seed.maxShowSize);
  const actions: SimActionTable = {
    ...createOrderActions(store, seed.maxShowSize),
    ...instanceActions,
    ...createSubscriptionActions(subscriptions, instanceActions, {
      now,
      orderAppliedAt: (id) => [...store.orders.values()].find((o) => o.instanceId === id)?.instance.appliedAt,
    }),
    ...createDeploymentActions(deployments, seed.maxShowSize),
    GetUserCertificateDetail: v2.certificateDetail(instanceActions.GetUserCertificateDetail as SimAction),
  };
  const servable = async (certId: string) => (await store.servable(certId)) ?? v2.servable(certId);
  return { store, deployments, subscriptions, actions, servable };
}

/** Serves `handle` on a local port until closed. */
export function createListener(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  let server: Server | undefined;
  return {
    /** Starts listening on 127.0.0.1 (port 0 = any free port); resolves to the base URL. */
    async listen(port = 0, host = '127.0.0.1'): Promise<string> {
      const started = createServer(handle);
      server = started;
      await new Promise<void>((resolve) => started.listen(port, host, resolve));
      return `http://${host}:${(started.address() as AddressInfo).port}`;
    },
    async close(): Promise<void> {
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    },
  };
}

/**
 * A local stand-in for Alibaba Cloud CAS 2020-04-07: the operations the bot uses (orders, certificate instances,
 * deployment), V3 signatures checked as Alibaba does, int64 IDs as JSON numbers, Alibaba's error bodies, scripted
 * order states and injectable faults.
 */
export function createCasSimulator(options: CasSimulatorOptions = {}) {
  const now = options.now ?? Date.now;
  const seed = SimSeed.parse(options.seed ?? {});
  const { store, deployments, subscriptions, actions, servable } = createSimStores(seed, now);
  const keys = new Map<string, SimAccessKey>(seed.accessKeys.map((k) => [k.accessKeyId, k]));
  const faults = createFaultQueue();
  /** Emits `held` with a {@link HeldRequest} when a `hold` fault parks a request. */
  const events = new EventEmitter();
  const calls: SimCall[] = [];
  const rawRequests: RawRequest[] = [];
  const handle = createCasRequestHandler({
    now,
    hostId: options.hostId ?? 'cas.aliyuncs.com',
    keys,
    guards: createRequestGuards({ now, qps: seed.qps }),
    takeFault: (action) => faults.take(action),
    hold: (action) =>
      new Promise((resolve) => events.emit('held', { action, release: resolve } satisfies HeldRequest)),
    actions,
    calls,
    keepRaw(raw) {
      rawRequests.push(raw);
      if (rawRequests.length > (options.keepRawRequests ?? 50)) rawRequests.shift();
    },
  });
  return {
    store,
    deployments,
    /** The V2.0 subscription instances. */
    subscriptions,
    /**
     * What a TLS endpoint of `domain` serves now: the certificate (and key) of the first resource with that
     * domain; undefined when no resource serves it or its key is not the simulator's.
     */
    async served(domain: string): Promise<{ certificatePem: string; privateKeyPem: string } | undefined> {
      const resource = [...deployments.resources.values()].find((r) => r.domain === domain);
      return resource?.certId ? servable(resource.certId) : undefined;
    },
    faults,
    events,
    /** Every call after signature verification, in order. */
    calls,
    /** The latest raw requests as received (for replay and tamper tests). */
    rawRequests,
    /** Adds an AccessKey the simulator accepts. */
    addAccessKey(key: SimAccessKey): void {
      keys.set(key.accessKeyId, key);
    },
    /** The AccessKey of that ID, if this account has it. */
    accessKey: (accessKeyId: string): SimAccessKey | undefined => keys.get(accessKeyId),
    /** The HTTP handler itself (a server of several accounts routes each request to its account's). */
    handle(req: IncomingMessage, res: ServerResponse): void {
      handle(req, res).catch(() => res.destroy());
    },
    /** How many applications were submitted for an order's instance (ApplyCertificate or by hand). */
    applications: (orderId: string): number => store.get(orderId)?.instance.applications ?? 0,
    /** How many renewals were performed (successful `RenewCertificateOrderForPackageRequest` actions). */
    renewCount: (): number => [...store.orders.values()].filter((o) => o.renewedFrom !== undefined).length,
    ...createListener((req, res) => {
      handle(req, res).catch(() => res.destroy());
    }),
  };
}

/** A running or ready simulator. */
export type CasSimulator = ReturnType<typeof createCasSimulator>;
