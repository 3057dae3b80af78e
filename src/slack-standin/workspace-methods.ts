import { fail, type SlackMethodTable, type StandInState } from './state.ts';

/** The token and workspace methods: auth.test, apps.connections.open (Socket Mode), usergroups.users.list. */
export function createWorkspaceMethods(state: StandInState): SlackMethodTable {
  return {
    'auth.test': () => ({
      ok: true,
      url: 'https://test.slack.com/',
      team: 'Test',
      user: 'certbot',
      team_id: state.teamId,
      user_id: state.botUserId,
      bot_id: state.botId,
      app_id: state.appId,
      is_enterprise_install: false,
    }),
    'apps.connections.open': () =>
      state.options.socketMode
        ? { ok: true, url: state.options.socketMode.url }
        : fail('not_allowed_token_type'),
    'usergroups.users.list'(args) {
      const users = state.usergroups.get(String(args.usergroup));
      if (!users) return fail('no_such_subteam');
      return { ok: true, users };
    },
  };
}
