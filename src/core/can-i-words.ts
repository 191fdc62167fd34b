/**
 * The words of an `auth can-i` / `auth who-can` question, shared by its parser (src/domain/can-i/question.ts) and
 * by shell completion (src/core/completion.ts), so that completion offers exactly what the parser takes.
 */

export const CAN_I_ACTIONS = ['create', 'read', 'write', 'deploy', 'administer'] as const
export type CanIAction = (typeof CAN_I_ACTIONS)[number]

export type TargetKind = 'service' | 'infrastructure' | 'deployment'

/** The kind words of a target, `service/ID` and its spellings. */
export const TARGET_KIND_WORDS: Readonly<Record<string, TargetKind>> = {
  service: 'service',
  services: 'service',
  infra: 'infrastructure',
  infras: 'infrastructure',
  infrastructure: 'infrastructure',
  infrastructures: 'infrastructure',
  deployment: 'deployment',
  deployments: 'deployment',
}

/** The spellings completion offers: the short one of each kind, as the help's examples write them. */
export const TARGET_KINDS_OFFERED = ['service', 'infra', 'deployment'] as const

/** The kinds that `create` may be asked about, alone (`create service`). */
export const CREATABLE_KINDS_OFFERED = ['service', 'infra'] as const
