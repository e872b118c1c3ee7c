/**
 * A loopback stand-in for the part of Twilio Conversations' REST API (https://conversations.twilio.com/v1) that
 * `revoke --evict` uses, with the rules Twilio documents (docs/conversations/api/participant-conversation-resource,
 * docs/conversations/api/conversation-participant-resource, twilio-oai twilio_conversations_v1.json):
 * - `GET /v1/Services/{IS}/ParticipantConversations?Identity=…` (or `/v1/ParticipantConversations`, the account's
 *   default Conversation Service) lists the conversations a participant takes part in, under the key `conversations`;
 *   Identity or Address is required (400, 20001); "The default is 50, and the maximum is 50" for PageSize; paged with
 *   next_page_url;
 * - `DELETE /v1/Services/{IS}/Conversations/{CH}/Participants/{MB}` (or without the Services prefix, the default
 *   Service) answers 204; an unknown Service, Conversation or Participant is 404 with error 20404;
 * - auth, outages and the record as in rest-stand-in.ts; other methods 405 (20004).
 */
import { randomBytes } from 'node:crypto';
import type { FakeCredentials } from './account-keys';
import { RestStandIn, type RouteAnswer } from './rest-stand-in';
import { ApiRefusal, notFound } from './twilio-errors';
import { listPage } from './twilio-json';

export const CONVERSATIONS_HOST = 'conversations.twilio.com';
const MAX_PAGE_SIZE = 50;

export interface FakeConversationParticipant {
  readonly sid: string;
  readonly conversationSid: string;
  readonly identity: string;
}

interface FakeConversation {
  readonly sid: string;
  readonly serviceSid: string;
  readonly friendlyName: string;
  readonly created: string;
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export class FakeConversationsApi extends RestStandIn {
  private readonly services: string[] = [];
  private readonly conversations: FakeConversation[] = [];
  private participants: FakeConversationParticipant[] = [];

  constructor(credentials: FakeCredentials) {
    super(credentials, CONVERSATIONS_HOST);
  }

  /** Adds a Conversation Service; the first one is the account's default. */
  addService(): string {
    const serviceSid = sid('IS');
    this.services.push(serviceSid);
    return serviceSid;
  }

  addConversation(serviceSid: string, friendlyName: string): string {
    if (!this.services.includes(serviceSid)) throw new Error(`no Conversation Service ${serviceSid} in the stand-in`);
    const conversation = { sid: sid('CH'), serviceSid, friendlyName, created: new Date().toISOString() };
    this.conversations.push(conversation);
    return conversation.sid;
  }

  addParticipant(conversationSid: string, identity: string): string {
    const participant = { sid: sid('MB'), conversationSid, identity };
    this.participants.push(participant);
    return participant.sid;
  }

  /** The identities in a Conversation now, for assertions. */
  identitiesIn(conversationSid: string): string[] {
    return this.participants
      .filter((participant) => participant.conversationSid === conversationSid)
      .map((participant) => participant.identity);
  }

  protected route(method: string, url: URL): RouteAnswer {
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0] !== 'v1') throw notFound(url.pathname);
    let rest = segments.slice(1);
    let serviceSid: string | undefined = this.services[0];
    if (rest[0] === 'Services') {
      serviceSid = this.services.find((candidate) => candidate === rest[1]);
      rest = rest.slice(2);
    }
    if (!serviceSid) throw notFound(url.pathname);
    if (rest.length === 1 && rest[0] === 'ParticipantConversations') {
      if (method !== 'GET') throw new ApiRefusal('methodNotAllowed', 'Method not allowed');
      const identity = url.searchParams.get('Identity');
      if (identity === null && url.searchParams.get('Address') === null) {
        throw new ApiRefusal('invalidParameter', 'Either Identity or Address must be specified');
      }
      if (Number(url.searchParams.get('PageSize') ?? MAX_PAGE_SIZE) > MAX_PAGE_SIZE) {
        throw new ApiRefusal('invalidParameter', `PageSize must be at most ${MAX_PAGE_SIZE}`);
      }
      const matching = this.participants.filter(
        (participant) => participant.identity === identity && this.conversation(participant.conversationSid)?.serviceSid === serviceSid,
      );
      return { body: listPage(url, 'conversations', matching, (participant) => this.renderMembership(participant)) };
    }
    if (rest.length === 4 && rest[0] === 'Conversations' && rest[2] === 'Participants') {
      const conversation = this.conversation(rest[1]!);
      const participant = this.participants.find(
        (candidate) => candidate.sid === rest[3] && candidate.conversationSid === conversation?.sid,
      );
      if (!conversation || conversation.serviceSid !== serviceSid || !participant) throw notFound(url.pathname);
      if (method !== 'DELETE') throw new ApiRefusal('methodNotAllowed', 'Method not allowed');
      this.participants = this.participants.filter((candidate) => candidate !== participant);
      return undefined;
    }
    throw notFound(url.pathname);
  }

  private conversation(conversationSid: string): FakeConversation | undefined {
    return this.conversations.find((conversation) => conversation.sid === conversationSid);
  }

  private renderMembership(participant: FakeConversationParticipant): object {
    const conversation = this.conversation(participant.conversationSid)!;
    const base = `https://${CONVERSATIONS_HOST}/v1/Services/${conversation.serviceSid}/Conversations/${conversation.sid}`;
    return {
      account_sid: this.credentials.accountSid,
      chat_service_sid: conversation.serviceSid,
      participant_sid: participant.sid,
      participant_identity: participant.identity,
      participant_user_sid: null,
      participant_messaging_binding: null,
      conversation_sid: conversation.sid,
      conversation_unique_name: null,
      conversation_friendly_name: conversation.friendlyName,
      conversation_attributes: '{}',
      conversation_date_created: conversation.created,
      conversation_date_updated: conversation.created,
      conversation_created_by: 'system',
      conversation_state: 'active',
      conversation_timers: {},
      links: { participant: `${base}/Participants/${participant.sid}`, conversation: base },
    };
  }
}
