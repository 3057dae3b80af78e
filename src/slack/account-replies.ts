/**
 * The private answer in a channel that belongs to no Alibaba account (CERT_ACCOUNTS): nothing is done there, and
 * the channels that do have an account are listed (our own channel IDs, from the accounts file: no escaping needed).
 */
export function noAccountText(channels: readonly string[]): string {
  const where =
    channels.length > 0
      ? `Use one of the channels that have one: ${channels.map((c) => `<#${c}>`).join(', ')}.`
      : 'No channel has one yet.';
  return `This channel belongs to no Alibaba Cloud account, so I cannot act here; nothing was requested. ${where} (Operators add channels in the accounts file, \`CERT_ACCOUNTS\`.)`;
}
