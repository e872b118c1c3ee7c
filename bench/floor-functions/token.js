// The bench's floor for twilio-run: a Function that answers `{}` and does nothing else, served at the same path as
// the token function with the same flags, so twilio-run's own cost per request is measured in the same run.
exports.handler = (_context, _event, callback) => callback(null, {});
