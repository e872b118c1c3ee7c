/** The products a token can grant, by the names used in configuration and requests. */

/** `chat` is Conversations (classic) and Programmable Chat; `taskrouter` is the Worker SDK (twilio-taskrouter). */
export const GRANT_NAMES = ['video', 'voice', 'chat', 'sync', 'taskrouter'] as const;
export type GrantName = (typeof GRANT_NAMES)[number];

export function isGrantName(value: string): value is GrantName {
  return (GRANT_NAMES as readonly string[]).includes(value);
}
