/**
 * Twilio's REST error shape, `{"code","message","more_info","status"}`, and the codes the fake answers with. Each code
 * names where it was read; the README beside this file lists the pages.
 */

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/** One table maps every refusal the fake makes to Twilio's code and HTTP status. */
const TWILIO_ERRORS = {
  /** 20001 "Invalid parameter" (400): Twilio's answer to a bad field, e.g. "Services are limited to ... 50". */
  invalidParameter: { code: 20001, status: 400 },
  /** 20003 "Authenticate" (401): wrong or missing credentials. */
  authenticate: { code: 20003, status: 401 },
  /** 20004 "Method not allowed" (405). */
  methodNotAllowed: { code: 20004, status: 405 },
  /** 20404 "The requested resource ... was not found" (404). */
  notFound: { code: 20404, status: 404 },
  /**
   * 20409 "Conflict" (409). Twilio answers 409 for a taken UniqueName or DomainSuffix (twilio-cli #211, terraform
   * provider #78); the exact code for Serverless was not found in Twilio's docs, so the platform's generic one is used.
   */
  conflict: { code: 20409, status: 409 },
  /**
   * 70051 "Authorization Failed": the credentials are valid but may not reach this resource, e.g. a Restricted API key
   * without the permission (twilio.com/docs/api/errors/70051). Twilio's page names no status; 401 as for 20003.
   */
  authorizationFailed: { code: 70051, status: 401 },
  /** 82007 "Unsupported Runtime" on Build creation. */
  unsupportedRuntime: { code: 82007, status: 400 },
} as const;

export type TwilioErrorKind = keyof typeof TWILIO_ERRORS;

export function twilioErrorBody(kind: TwilioErrorKind, message: string): TwilioErrorBody {
  const { code, status } = TWILIO_ERRORS[kind];
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Thrown by a rule; the API handler turns it into Twilio's error JSON and records `summary` with the status. */
export class ApiRefusal extends Error {
  constructor(
    readonly kind: TwilioErrorKind,
    message: string,
    /** The secret-free summary of the refused request body, for the record. */
    readonly summary?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Twilio's 404 names the path without the version: "The requested resource /Services/ZS…/Environments was not found". */
export function notFound(path: string): ApiRefusal {
  return new ApiRefusal('notFound', `The requested resource ${path.replace(/^\/v1/, '')} was not found`);
}
