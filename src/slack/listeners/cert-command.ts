import type { App } from '@slack/bolt';
import type { ReaderPolicy } from '../../approval/readers.ts';
import { parseCsr } from '../../csr/parse-csr.ts';
import { isAppError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Guarded } from '../after-ack.ts';
import { parseCertCommand, usage } from '../command-parser.ts';
import type { OpenFlow } from '../open-flow.ts';

/** What the `/cert` listener needs. */
export interface CertCommandDeps {
  openAndPost: OpenFlow;
  /**
   * The private answer for a channel that belongs to no Alibaba account (CERT_ACCOUNTS), undefined when it has one:
   * every sub-command but help is refused there, and nothing is created.
   */
  noAccount: (channelId: string) => string | undefined;
  /** `/cert status <orderId|instanceId>`, in the channel's account. */
  status: (id: string, channelId: string) => Promise<string>;
  /** Who may use `/cert list` and `/cert status`, and how often; `describe` names them (mentions). */
  readers: Pick<ReaderPolicy, 'check'> & { describe(): string };
  /** `/cert list`: the caller's private list of the channel's account's orders expiring soon. */
  list: (channelId: string) => Promise<string>;
  /** `/cert scan`: runs the expiry scan now (approvers only) and summarises it. */
  scan: (userId: string) => Promise<string>;
  /** Runs the slow part after the ack, a few at a time, answering the person if it fails (see after-ack.ts). */
  guarded: Guarded;
  logger: Logger;
}

/**
 * `/cert`: bad input is answered in the ack itself (ephemeral, with the usage) and creates nothing; everything
 * slow (CAS, Redis, posting) happens after the ack. The command text is never logged: it may hold a CSR or,
 * by mistake, a private key.
 */
export function registerCertCommand(app: App, deps: CertCommandDeps): void {
  /** Who may read, and how often (CERT_READERS): answers the person when not. */
  async function mayRead(userId: string, reply: (text: string) => Promise<unknown>): Promise<boolean> {
    const check = await deps.readers.check(userId);
    if (check === 'not_reader')
      await reply(`Only ${deps.readers.describe()} can see expiring certificates and renewal requests here.`);
    if (check === 'too_often') await reply('That is many requests in a minute; try again in a moment.');
    return check === 'ok';
  }

  app.command('/cert', async ({ command, ack, respond }) => {
    const parsed = parseCertCommand(command.text ?? '');
    const reply = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const guarded = (what: string, work: () => Promise<void>) => deps.guarded(`/cert ${what}`, reply, work);
    switch (parsed.kind) {
      case 'help':
        await ack({ response_type: 'ephemeral', text: usage });
        return;
      case 'invalid':
        await ack({ response_type: 'ephemeral', text: `${parsed.message}\n\n${usage}` });
        return;
    }
    const refusal = deps.noAccount(command.channel_id);
    if (refusal !== undefined) {
      await ack({ response_type: 'ephemeral', text: refusal });
      return;
    }
    switch (parsed.kind) {
      case 'renew': {
        let csr: Awaited<ReturnType<typeof parseCsr>> | undefined;
        if (parsed.csrText !== undefined) {
          const result = await parseCsr(parsed.csrText).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          if ('error' in result) {
            if (!isAppError(result.error)) throw result.error;
            await ack({ response_type: 'ephemeral', text: result.error.message });
            return;
          }
          csr = result.value;
        }
        await ack();
        await guarded('renew', () =>
          deps.openAndPost(
            {
              orderId: parsed.orderId,
              csr,
              channelId: command.channel_id,
              userId: command.user_id,
              teamId: command.team_id,
            },
            reply,
          ),
        );
        return;
      }
      case 'status':
      case 'instance_status': {
        const id = parsed.kind === 'status' ? parsed.orderId : parsed.instanceId;
        await ack();
        await guarded('status', async () => {
          if (await mayRead(command.user_id, reply)) await reply(await deps.status(id, command.channel_id));
        });
        return;
      }
      case 'list':
        await ack();
        await guarded('list', async () => {
          if (await mayRead(command.user_id, reply)) await reply(await deps.list(command.channel_id));
        });
        return;
      case 'scan':
        await ack();
        await guarded('scan', async () => {
          await reply(await deps.scan(command.user_id));
        });
        return;
    }
  });
}
