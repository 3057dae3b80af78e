import { viewProblems } from './block-kit-limits.ts';
import { fail, type SlackAnswer, type SlackMethodTable } from './state.ts';

const triggerTtlMs = 3_000;

/** A view's Block Kit problems as Slack answers them, or undefined when it is valid. */
function refusal(view: Record<string, unknown>): SlackAnswer | undefined {
  const problems = viewProblems(view);
  return problems.length > 0
    ? fail('invalid_arguments', { response_metadata: { messages: problems } })
    : undefined;
}

/**
 * The views methods (open, push, update) and the `trigger_id`s they need: issued with an interaction, valid
 * about 3 seconds, usable once.
 */
export function createViewMethods(teamId: string) {
  const views = new Map<string, Record<string, unknown>>();
  const triggers = new Map<string, number | 'used'>();
  const open = (args: Record<string, unknown>): SlackAnswer => {
    if (typeof args.trigger_id !== 'string' || args.trigger_id === '') return fail('invalid_trigger_id');
    const issuedAt = triggers.get(args.trigger_id);
    if (issuedAt === undefined) return fail('invalid_trigger_id');
    if (issuedAt === 'used') return fail('trigger_exchanged');
    if (Date.now() - issuedAt > triggerTtlMs) return fail('expired_trigger_id');
    triggers.set(args.trigger_id, 'used');
    const view = args.view as Record<string, unknown> | undefined;
    if (!view) return fail('invalid_arguments');
    const refused = refusal(view);
    if (refused) return refused;
    const id = `V${String(views.size + 1).padStart(8, '0')}`;
    views.set(id, view);
    return { ok: true, view: { ...view, id, team_id: teamId } };
  };
  const methods: SlackMethodTable = {
    'views.open': open,
    'views.push': open,
    'views.update'(args) {
      const id = args.view_id as string | undefined;
      if (!id || !views.has(id)) return fail('not_found');
      const view = args.view as Record<string, unknown>;
      const refused = refusal(view);
      if (refused) return refused;
      views.set(id, view);
      return { ok: true, view: { ...view, id } };
    },
  };
  return {
    methods,
    /** A `trigger_id` as Slack issues one with an interaction: valid for 3 seconds, for one `views.open`. */
    issueTrigger(): string {
      const id = `${Math.floor(Date.now() / 1000)}.${triggers.size + 1}.${Math.random().toString(16).slice(2, 10)}`;
      triggers.set(id, Date.now());
      return id;
    },
  };
}
