/** The token's settings: the account and key that sign it, its lifetimes, and the grants it may carry. */
import { createSecretKey, type KeyObject } from 'node:crypto';
import type { SettingsReader } from '../base/settings-reader';
import { splitList } from '../base/text';
import { GRANT_NAMES, isGrantName, type GrantName } from './grant-names';
import { DEFAULT_TTL_SECONDS, isValidRoomName, MAX_ROOM_NAME_LENGTH, TTL_CEILING_SECONDS, TTL_FLOOR_SECONDS } from './limits';

/** Who signs: the account and its API key. */
export interface SigningSettings {
  readonly accountSid: string;
  readonly apiKeySid: string;
  /** The API key secret as a KeyObject, created once: signing with it is far cheaper than with a string. */
  readonly signingKey: KeyObject;
}

/** How long tokens live, in seconds. */
export interface LifetimeSettings {
  readonly defaultTtl: number;
  readonly maxTtl: number;
}

export interface GrantSettings {
  /** Products every token carries unless the request asks for fewer. */
  readonly enabled: readonly GrantName[];
  /** When set, video tokens are pinned to this room. */
  readonly videoRoom?: string;
  readonly voiceOutgoingApplicationSid?: string;
  readonly voiceIncomingAllow: boolean;
  readonly voicePushCredentialSid?: string;
  readonly conversationsServiceSid?: string;
  readonly syncServiceSid?: string;
  /** The TaskRouter Workspace whose Workers the taskrouter grant is for; set whenever that grant is enabled. */
  readonly taskrouterWorkspaceSid?: string;
}

/** Everything minting a token needs. */
export interface TokenSettings extends SigningSettings, LifetimeSettings {
  readonly grants: GrantSettings;
  readonly region?: string;
}

/**
 * TWILIO_ACCOUNT_SID (or the platform's ACCOUNT_SID), TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET.
 * @example readSigningSettings(new SettingsReader(env))?.apiKeySid
 */
export function readSigningSettings(settings: SettingsReader): SigningSettings | undefined {
  // Deployed, the platform provides ACCOUNT_SID; locally either name works.
  const platformSid = settings.text('ACCOUNT_SID');
  const accountSidName = platformSid !== undefined ? 'ACCOUNT_SID' : 'TWILIO_ACCOUNT_SID';
  const accountSid = settings.sid(accountSidName, 'AC', { required: true, what: 'your Account SID' });
  const tutorialSid = platformSid !== undefined ? settings.text('TWILIO_ACCOUNT_SID') : undefined;
  if (accountSid !== undefined && tutorialSid !== undefined && tutorialSid !== accountSid) {
    // Deployed, ACCOUNT_SID is the platform's (the user never set it): name it as the account the service runs in.
    settings.report(
      'TWILIO_ACCOUNT_SID',
      'TWILIO_ACCOUNT_SID names another account than ACCOUNT_SID, the account the service runs in (Twilio sets ACCOUNT_SID when deployed)',
      'deploy to the account TWILIO_ACCOUNT_SID names, or set TWILIO_ACCOUNT_SID (and the API key) to the account the service runs in, or remove TWILIO_ACCOUNT_SID',
    );
  }
  const apiKeySid = settings.sid('TWILIO_API_KEY_SID', 'SK', { required: true, what: 'the SID of a Standard API key' });
  const apiKeySecret = settings.text('TWILIO_API_KEY_SECRET');
  const apiKeySecretUsable = apiKeySecret !== undefined && /^[\x21-\x7e]{32,}$/.test(apiKeySecret);
  if (apiKeySecret === undefined) {
    settings.report(
      'TWILIO_API_KEY_SECRET',
      'TWILIO_API_KEY_SECRET is not set',
      'set it to the secret shown once when the API key was created',
    );
  } else if (!apiKeySecretUsable) {
    settings.report(
      'TWILIO_API_KEY_SECRET',
      'TWILIO_API_KEY_SECRET must be at least 32 printable characters without spaces',
      'paste the 32-character secret shown when the API key was created; create a new key if it was lost',
    );
  }
  if (!accountSid || !apiKeySid || !apiKeySecretUsable) return undefined;
  return {
    accountSid,
    apiKeySid,
    signingKey: createSecretKey(Buffer.from(apiKeySecret, 'utf8')),
  };
}

/** TWILIO_REGION: where the token is used (the `region` claim). */
export function readRegion(settings: SettingsReader): string | undefined {
  const region = settings.text('TWILIO_REGION');
  if (region !== undefined && !/^[a-z]{2}[0-9]$/.test(region)) {
    settings.report('TWILIO_REGION', 'TWILIO_REGION must be a Twilio region code such as us1, ie1 or au1', 'use a region code or unset it');
    return undefined;
  }
  return region;
}

/** TOKEN_TTL and TOKEN_MAX_TTL: whole seconds within Twilio's bounds, the default no longer than the maximum. */
export function readLifetimeSettings(settings: SettingsReader): LifetimeSettings | undefined {
  const maxTtl = readTtl(settings, 'TOKEN_MAX_TTL');
  const defaultTtl = readTtl(settings, 'TOKEN_TTL');
  if (defaultTtl !== undefined && maxTtl !== undefined && defaultTtl > maxTtl) {
    settings.report('TOKEN_TTL', `TOKEN_TTL is above TOKEN_MAX_TTL (${maxTtl})`, 'lower TOKEN_TTL or raise TOKEN_MAX_TTL');
  }
  return defaultTtl !== undefined && maxTtl !== undefined ? { defaultTtl, maxTtl } : undefined;
}

function readTtl(settings: SettingsReader, name: string): number | undefined {
  const raw = settings.text(name);
  if (raw === undefined) return DEFAULT_TTL_SECONDS;
  const seconds = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(seconds >= TTL_FLOOR_SECONDS && seconds <= TTL_CEILING_SECONDS)) {
    settings.report(
      name,
      `${name} must be whole seconds from ${TTL_FLOOR_SECONDS} to ${TTL_CEILING_SECONDS}`,
      `for one hour, set ${name}=3600`,
    );
    return undefined;
  }
  return seconds;
}

/** TOKEN_GRANTS and each grant's own settings (VIDEO_ROOM, VOICE_*, CONVERSATIONS_SERVICE_SID, …). */
export function readGrantSettings(settings: SettingsReader): GrantSettings | undefined {
  const raw = settings.text('TOKEN_GRANTS') ?? 'video';
  const names = splitList(raw);
  const unknown = names.filter((name) => !isGrantName(name));
  if (unknown.length > 0 || names.length === 0) {
    settings.report('TOKEN_GRANTS', `TOKEN_GRANTS may only list ${GRANT_NAMES.join(', ')}`, 'for example TOKEN_GRANTS=video,chat');
    return undefined;
  }
  const enabled = GRANT_NAMES.filter((name) => names.includes(name));

  const videoRoom = settings.text('VIDEO_ROOM');
  if (videoRoom !== undefined && !isValidRoomName(videoRoom)) {
    settings.report(
      'VIDEO_ROOM',
      `VIDEO_ROOM must be 1 to ${MAX_ROOM_NAME_LENGTH} characters without control characters`,
      'use a plain room name',
    );
  }
  const voiceOutgoingApplicationSid = settings.sid('VOICE_OUTGOING_APPLICATION_SID', 'AP', { required: false, what: 'a TwiML App SID' });
  const incomingRaw = settings.text('VOICE_INCOMING_ALLOW')?.toLowerCase();
  if (incomingRaw !== undefined && incomingRaw !== 'true' && incomingRaw !== 'false') {
    settings.report('VOICE_INCOMING_ALLOW', 'VOICE_INCOMING_ALLOW must be true or false', 'set VOICE_INCOMING_ALLOW=true to receive calls');
  }
  const voiceIncomingAllow = incomingRaw === 'true';
  const voicePushCredentialSid = settings.sid('VOICE_PUSH_CREDENTIAL_SID', 'CR', { required: false, what: 'a Push Credential SID' });
  const conversationsServiceSid = settings.sid('CONVERSATIONS_SERVICE_SID', 'IS', {
    required: enabled.includes('chat'),
    what: 'a Conversations Service SID',
  });
  const syncServiceSid = settings.sid('SYNC_SERVICE_SID', 'IS', { required: false, what: 'a Sync Service SID' });
  const taskrouterWorkspaceSid = settings.sid('TASKROUTER_WORKSPACE_SID', 'WS', {
    required: enabled.includes('taskrouter'),
    what: 'a TaskRouter Workspace SID',
  });
  if (enabled.includes('voice') && !voiceOutgoingApplicationSid && !voiceIncomingAllow) {
    settings.report(
      'VOICE_OUTGOING_APPLICATION_SID',
      'the voice grant needs VOICE_OUTGOING_APPLICATION_SID or VOICE_INCOMING_ALLOW=true, or it allows nothing',
      'set the TwiML App SID for outgoing calls and/or VOICE_INCOMING_ALLOW=true',
    );
  }
  return {
    enabled,
    ...(videoRoom !== undefined && { videoRoom }),
    ...(voiceOutgoingApplicationSid !== undefined && { voiceOutgoingApplicationSid }),
    voiceIncomingAllow,
    ...(voicePushCredentialSid !== undefined && { voicePushCredentialSid }),
    ...(conversationsServiceSid !== undefined && { conversationsServiceSid }),
    ...(syncServiceSid !== undefined && { syncServiceSid }),
    ...(taskrouterWorkspaceSid !== undefined && { taskrouterWorkspaceSid }),
  };
}
