import {
  booleanFlag,
  type EnvOf,
  matching,
  numberIn,
  numericIdList,
  oneOf,
  optionalSlackIdList,
  slackIdList,
} from './fields.ts';

/** Who may approve and read, and how long a request waits. */
export const approvalEnvShape = {
  CERT_APPROVERS: slackIdList,
  CERT_READERS: optionalSlackIdList,
  CERT_ALLOW_SELF_APPROVAL: booleanFlag(false),
  CERT_APPROVER_MAX_STALE_MINUTES: numberIn(15, 0, 1440, false),
  CERT_REQUEST_TTL_HOURS: numberIn(24, 0.01, 24 * 30, false),
  CERT_ROTATION_APPROVERS: optionalSlackIdList,
  CERT_APPROVALS_REQUIRED: numberIn(1, 1, 6, true),
};

/** What the bot puts on a renewed order's application. */
export const applicationEnvShape = {
  CERT_APPLY: oneOf('auto', ['auto', 'manual']),
  CERT_CAS_CONTACT_IDS: numericIdList,
  CERT_CAS_COMPANY_ID: matching(/^[0-9]{1,19}$/, 'must be a numeric CAS company ID'),
  CERT_VALIDATION_METHOD: oneOf('DNS', ['DNS', 'HTTP']),
  CERT_KEY_ALGORITHM: oneOf('RSA_2048', ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_256']),
};

/** The `approval` section of the configuration. */
export function approvalSection(env: EnvOf<typeof approvalEnvShape>) {
  return {
    /** Slack user IDs and user-group IDs allowed to approve. */
    approvers: env.CERT_APPROVERS,
    /**
     * Users and user groups allowed `/cert list` and `/cert status` (approvers always are); empty: everyone in the
     * workspace, guests included. @defaultValue everyone
     */
    readers: env.CERT_READERS,
    /** @defaultValue false */
    allowSelfApproval: env.CERT_ALLOW_SELF_APPROVAL,
    /**
     * While Slack cannot list an approver group, how long past its 5-minute cache its last known members may still
     * approve, minutes; then nobody from the group may until Slack answers. @defaultValue 15
     */
    approverMaxStaleMinutes: env.CERT_APPROVER_MAX_STALE_MINUTES,
    /** How long a request waits for a decision before it expires, hours. @defaultValue 24 */
    requestTtlHours: env.CERT_REQUEST_TTL_HOURS,
    /**
     * Users and user groups who may approve what spends no money (V2 rotations, deployments), besides
     * {@link approvers}. @defaultValue none
     */
    rotationApprovers: env.CERT_ROTATION_APPROVERS,
    /**
     * Distinct approvers (never the requester, unless self-approval is allowed) a money decision (a V1 renewal)
     * needs, 1 to 6; read per request through `approvalsRequired` (approval/decisions.ts). @defaultValue 1
     */
    approvalsRequired: env.CERT_APPROVALS_REQUIRED,
  };
}

/** The `application` section of the configuration. */
export function applicationSection(env: EnvOf<typeof applicationEnvShape>) {
  return {
    /** `auto`: the bot submits the new order's application; `manual`: console instructions. @defaultValue auto */
    mode: env.CERT_APPLY,
    /** CAS contacts put on each application; empty: the first of ListContact. */
    contactIds: env.CERT_CAS_CONTACT_IDS,
    /** CAS company for OV/EV applications. */
    companyId: env.CERT_CAS_COMPANY_ID,
    /** @defaultValue DNS */
    validationMethod: env.CERT_VALIDATION_METHOD,
    /** Key CAS generates when the request has no CSR. @defaultValue RSA_2048 */
    keyAlgorithm: env.CERT_KEY_ALGORITHM,
  };
}
