/// <reference lib="dom" />
/** twilio-video: no updateToken; the README says to get a token right before connect() and connect with it. */
import { connect } from 'twilio-video';
import { recordError, startTokens } from './shared';

const { tokens } = await startTokens();
const { token } = await tokens.getToken();
// No camera or microphone here: connect with no local tracks, as a viewer would.
connect(token, { name: 'lobby', audio: false, video: false }).catch(recordError);
