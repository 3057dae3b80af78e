import type { Redis } from 'ioredis';
import type { SlackMessage } from './cards.ts';

/** An expiry alert message as posted, and what became of its orders since. */
export interface AlertPost {
  channel: string;
  ts: string;
  /** The message as it was posted (with every order's Renew button). */
  message: SlackMessage;
  /** Orders of the message renewed since, by order ID: the new order and the request that renewed it. */
  renewed: Record<string, RenewedOrder>;
  /** Order IDs shown as renewed by the last update Slack took. */
  shown: string[];
}

/** What an alert says of an order renewed since it was posted. */
export interface RenewedOrder {
  newOrderId: string;
  requestId: string;
  channelId: string;
  messageTs?: string | undefined;
}

const dayMs = 86_400_000;

/**
 * Where each expiry alert was posted, by order (kept until 90 days after the last end date in the message): when
 * an order is renewed, its alerts are updated so that their Renew button cannot pay for it a second time.
 */
export function createAlertPosts(deps: { redis: Redis; prefix: string }) {
  const { redis, prefix } = deps;
  const key = {
    post: (channel: string, ts: string) => `${prefix}:alert-post:${channel}:${ts}`,
    ofOrder: (orderId: string) => `${prefix}:alert-posts-of:${orderId}`,
  };

  return {
    key,
    /** Remembers a posted alert and the orders it offers to renew. */
    async record(
      channel: string,
      ts: string,
      message: SlackMessage,
      orders: ReadonlyArray<{ orderId: string; certEndTime: number }>,
    ): Promise<void> {
      const until = Math.max(...orders.map((o) => o.certEndTime)) + 90 * dayMs;
      const tx = redis
        .multi()
        .hset(key.post(channel, ts), 'message', JSON.stringify(message), 'shown', '[]')
        .pexpireat(key.post(channel, ts), until);
      for (const o of orders) {
        tx.sadd(key.ofOrder(o.orderId), `${channel}/${ts}`);
        tx.pexpireat(key.ofOrder(o.orderId), until);
      }
      await tx.exec();
    },

    /** The alerts that offered to renew an order, as `{channel, ts}`. */
    async ofOrder(orderId: string): Promise<Array<{ channel: string; ts: string }>> {
      return (await redis.smembers(key.ofOrder(orderId))).map((m) => {
        const [channel = '', ts = ''] = m.split('/');
        return { channel, ts };
      });
    },

    /** Notes that an order of an alert was renewed (once; the first request to say so is kept). */
    async markRenewed(channel: string, ts: string, orderId: string, renewed: RenewedOrder): Promise<void> {
      if ((await redis.exists(key.post(channel, ts))) === 0) return;
      await redis.hsetnx(key.post(channel, ts), `renewed:${orderId}`, JSON.stringify(renewed));
    },

    /** An alert as posted, with its renewed orders; undefined once it is past its retention. */
    async get(channel: string, ts: string): Promise<AlertPost | undefined> {
      const hash = await redis.hgetall(key.post(channel, ts));
      if (!hash.message) return undefined;
      const renewed: Record<string, RenewedOrder> = {};
      for (const [field, value] of Object.entries(hash)) {
        if (field.startsWith('renewed:')) renewed[field.slice(8)] = JSON.parse(value) as RenewedOrder;
      }
      const shown = JSON.parse(hash.shown ?? '[]') as string[];
      return { channel, ts, message: JSON.parse(hash.message) as SlackMessage, renewed, shown };
    },

    /** Records which orders the alert in Slack now shows as renewed. */
    async setShown(channel: string, ts: string, orderIds: readonly string[]): Promise<void> {
      await redis.hset(key.post(channel, ts), 'shown', JSON.stringify(orderIds));
    },
  };
}

/** Where expiry alerts were posted. */
export type AlertPosts = ReturnType<typeof createAlertPosts>;
