/** Bounds shared by the configuration, the request parser and the token policy. */

export const TTL_FLOOR_SECONDS = 60;
/** Twilio refuses access tokens that live longer than 24 hours (error 20157). */
export const TTL_CEILING_SECONDS = 86_400;
export const DEFAULT_TTL_SECONDS = 3_600;
export const MAX_ROOM_NAME_LENGTH = 128;

/**
 * 1 to maxLength characters of well-formed text, without control or invisible formatting characters,
 * and without U+FFFD (the runtime's stand-in for invalid UTF-8).
 */
export function isPlainText(value: string, maxLength: number): boolean {
  return value.length > 0 && value.length <= maxLength && value.isWellFormed() && !/[\p{Cc}\p{Cf}\uFFFD]/u.test(value);
}

/** Room names: 1 to 128 characters of plain text (see isPlainText). */
export function isValidRoomName(room: string): boolean {
  return isPlainText(room, MAX_ROOM_NAME_LENGTH);
}
