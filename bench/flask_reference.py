"""Benchmark reference: the tutorial's Flask token server. NOT part of the product.

This is what `npm run bench` compares the Twilio Function against: Twilio's Flask video tutorial
made runnable. Like the tutorial it accepts ANY non-empty username/password pair, so it must only
ever listen on loopback and only ever see throwaway credentials.

Run with Debian's interpreter (python3-flask, python3-twilio), not a pyenv shim:
    TWILIO_ACCOUNT_SID=AC... TWILIO_API_KEY_SID=SK... TWILIO_API_KEY_SECRET=... \
        /usr/bin/python3 bench/flask_reference.py 5005
Port: first argument, else $PORT, else 5005. Room: $VIDEO_ROOM, else "My Room" (the tutorial's).
"""
import logging
import os
import sys

from flask import Flask, abort, request
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VideoGrant

TOKEN_TTL_SECONDS = 3600

account_sid = os.environ['TWILIO_ACCOUNT_SID']
api_key_sid = os.environ['TWILIO_API_KEY_SID']
api_key_secret = os.environ['TWILIO_API_KEY_SECRET']
# The bench sets the same room the Twilio Function uses so both mint the same token shape.
room = os.environ.get('VIDEO_ROOM', 'My Room')

app = Flask(__name__)


@app.route('/token', methods=['POST'])
def token():
    body = request.get_json(force=True, silent=True) or {}
    username = body.get('username')
    password = body.get('password')
    if not username or not password:
        abort(401)
    access_token = AccessToken(account_sid, api_key_sid, api_key_secret,
                               identity=username, ttl=TOKEN_TTL_SECONDS)
    access_token.add_grant(VideoGrant(room=room))
    jwt = access_token.to_jwt()
    if isinstance(jwt, bytes):  # older python-twilio returned bytes
        jwt = jwt.decode()
    return {'token': jwt}


if __name__ == '__main__':
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get('PORT', '5005'))
    # Per-request access logs would cost the reference time the Function side does not spend
    # (the bench starts twilio-run with --no-logs too).
    logging.getLogger('werkzeug').setLevel(logging.WARNING)
    app.run(host='127.0.0.1', port=port, threaded=True, debug=False)
