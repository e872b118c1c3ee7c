/**
 * A loopback stand-in for the part of Twilio Video's REST API (https://video.twilio.com/v1) that `revoke --evict` uses,
 * with the rules Twilio documents (docs/video/api/rooms-resource, docs/video/api/participants, twilio-oai
 * twilio_video_v1.json):
 * - `GET /v1/Rooms` filters on Status (in-progress, completed, failed) and UniqueName, pages with Twilio's `meta` under
 *   the key `rooms` (PageSize 1 to 1000, next_page_url with a PageToken); `GET /v1/Rooms/{RM sid or UniqueName}`;
 * - `GET /v1/Rooms/{Room}/Participants` filters on Status (connected, disconnected) and Identity, key `participants`;
 * - `GET/POST /v1/Rooms/{Room}/Participants/{PA sid or Identity}`: an identity names the participant CONNECTED to the
 *   room under it; none is 404 with error 20404. POST takes only `Status=disconnected` (anything else 400, 20001).
 * - auth, outages and the record as in rest-stand-in.ts; other methods 405 (20004).
 */
import { randomBytes } from 'node:crypto';
import type { FakeCredentials } from './account-keys';
import { RestStandIn, type RouteAnswer } from './rest-stand-in';
import { ApiRefusal, notFound } from './twilio-errors';
import { listPage } from './twilio-json';

export const VIDEO_HOST = 'video.twilio.com';

export interface FakeRoom {
  readonly sid: string;
  readonly uniqueName: string;
  status: 'in-progress' | 'completed' | 'failed';
  readonly created: string;
}

export interface FakeParticipant {
  readonly sid: string;
  readonly roomSid: string;
  readonly identity: string;
  status: 'connected' | 'disconnected';
  readonly started: string;
  ended?: string;
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
const ROOM_STATUSES = new Set(['in-progress', 'completed', 'failed']);
const PARTICIPANT_STATUSES = new Set(['connected', 'disconnected']);

/** A list (GET only) and its Status filter: null when not given; a value outside `allowed` is an invalid parameter. */
function listStatus(method: string, url: URL, allowed: ReadonlySet<string>): string | null {
  if (method !== 'GET') throw new ApiRefusal('methodNotAllowed', 'Method not allowed');
  const status = url.searchParams.get('Status');
  if (status !== null && !allowed.has(status)) throw new ApiRefusal('invalidParameter', `Invalid Status: ${status}`);
  return status;
}

export class FakeVideoApi extends RestStandIn {
  private readonly rooms: FakeRoom[] = [];
  private readonly participants: FakeParticipant[] = [];

  constructor(credentials: FakeCredentials) {
    super(credentials, VIDEO_HOST);
  }

  /** Adds a Room (in progress unless told) and returns its SID. */
  addRoom(uniqueName: string, status: FakeRoom['status'] = 'in-progress'): string {
    const room: FakeRoom = { sid: sid('RM'), uniqueName, status, created: new Date().toISOString() };
    this.rooms.push(room);
    return room.sid;
  }

  /** Connects an identity to a Room and returns the Participant SID. */
  connect(roomSid: string, identity: string): string {
    const participant: FakeParticipant = {
      sid: sid('PA'),
      roomSid,
      identity,
      status: 'connected',
      started: new Date().toISOString(),
    };
    this.participants.push(participant);
    return participant.sid;
  }

  /** Every Participant, for assertions. */
  participantsOf(roomSid: string): readonly Readonly<FakeParticipant>[] {
    return this.participants.filter((participant) => participant.roomSid === roomSid).map((participant) => ({ ...participant }));
  }

  protected route(method: string, url: URL, form: URLSearchParams): RouteAnswer {
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0] !== 'v1' || segments[1] !== 'Rooms' || segments.length > 5) throw notFound(url.pathname);
    if (segments.length === 2) {
      const status = listStatus(method, url, ROOM_STATUSES);
      const uniqueName = url.searchParams.get('UniqueName');
      const matching = this.rooms.filter(
        (room) => (status === null || room.status === status) && (uniqueName === null || room.uniqueName === uniqueName),
      );
      return { body: listPage(url, 'rooms', matching, (room) => this.renderRoom(room)) };
    }
    const room = this.rooms.find((candidate) => candidate.sid === segments[2] || candidate.uniqueName === segments[2]);
    if (!room) throw notFound(url.pathname);
    if (segments.length === 3) {
      if (method !== 'GET') throw new ApiRefusal('methodNotAllowed', 'Method not allowed');
      return { body: this.renderRoom(room) };
    }
    if (segments[3] !== 'Participants') throw notFound(url.pathname);
    if (segments.length === 4) {
      const status = listStatus(method, url, PARTICIPANT_STATUSES);
      const identity = url.searchParams.get('Identity');
      const matching = this.participants.filter(
        (participant) =>
          participant.roomSid === room.sid &&
          (status === null || participant.status === status) &&
          (identity === null || participant.identity === identity),
      );
      return { body: listPage(url, 'participants', matching, (participant) => this.renderParticipant(participant)) };
    }
    const key = decodeURIComponent(segments[4]!);
    const participant = this.participants.find(
      (candidate) =>
        candidate.roomSid === room.sid && (candidate.sid === key || (candidate.identity === key && candidate.status === 'connected')),
    );
    if (!participant) throw notFound(url.pathname);
    if (method === 'GET') return { body: this.renderParticipant(participant) };
    if (method !== 'POST') throw new ApiRefusal('methodNotAllowed', 'Method not allowed');
    if (form.get('Status') !== 'disconnected') throw new ApiRefusal('invalidParameter', 'Status must be disconnected');
    if (participant.status === 'connected') {
      participant.status = 'disconnected';
      participant.ended = new Date().toISOString();
    }
    return { body: this.renderParticipant(participant) };
  }

  private renderRoom(room: FakeRoom): object {
    const url = `https://${VIDEO_HOST}/v1/Rooms/${room.sid}`;
    return {
      sid: room.sid,
      account_sid: this.credentials.accountSid,
      unique_name: room.uniqueName,
      status: room.status,
      type: 'group',
      date_created: room.created,
      url,
      links: { participants: `${url}/Participants`, recordings: `${url}/Recordings` },
    };
  }

  private renderParticipant(participant: FakeParticipant): object {
    return {
      sid: participant.sid,
      room_sid: participant.roomSid,
      account_sid: this.credentials.accountSid,
      identity: participant.identity,
      status: participant.status,
      start_time: participant.started,
      end_time: participant.ended ?? null,
      url: `https://${VIDEO_HOST}/v1/Rooms/${participant.roomSid}/Participants/${participant.sid}`,
    };
  }
}
