// Package live pushes database events to WebSocket clients: the console's
// live feed at /ws.
//
// # Flow
//
// Whatever changes a conversation, message or session (the webhook ingest,
// the worker's activities, the API) announces it with db.Store.Notify in the
// transaction that makes the change. Every API process holds one LISTEN
// connection on db.EventsChannel (Hub.Run) and fans each event out to its
// own clients, so a client sees every event it subscribed to whichever
// process produced it. Events are hints: ids, statuses and times, never
// message bodies; a client re-reads through the REST API what it shows.
//
// # Protocol
//
// Connect to /ws with a login token or an API key: "Authorization: Bearer …",
// "X-API-Key: …", or, from a browser (which cannot set headers on an
// upgrade), /ws?token=…. A browser's Origin must be one of FRONTEND_URL.
// Refusals come before the upgrade, as plain HTTP with the API's one error
// shape: 401 without a valid credential, 403 from another origin.
//
// The client then sends JSON text frames; "id" is optional and echoed:
//
//	{"type":"subscribe","id":"1","all":true}                 every event
//	{"type":"subscribe","id":"2","conversationId":"<uuid>"}  one conversation
//	{"type":"subscribe","id":"3","sessionId":"<uuid>"}       one bot session
//	{"type":"unsubscribe","id":"4","conversationId":"<uuid>"} (same selectors)
//	{"type":"ping","id":"5"}
//
// Exactly one selector per request. The server answers each in order:
//
//	{"type":"ack","id":"2","action":"subscribe","conversationId":"<uuid>"}
//	{"type":"pong","id":"5"}
//	{"type":"error","id":"…","error":{"code":"invalid_request","message":"…","fields":{"sessionId":"…"}}}
//
// A client receives an event once if any of its subscriptions matches: all,
// the event's conversation, or its session. Every role may see every event
// (agents read every conversation). Events look like
//
//	{"type":"session.node","data":{"conversationId":"…","sessionId":"…","chatbotId":"…",
//	 "status":"waiting_input","node":"question-1","at":"2026-11-25T15:30:00.123Z"}}
//
// with these types (data fields besides conversationId and at):
//
//	message.received      messageId, wamid
//	message.sent          messageId, wamid, status, sessionId (if a bot sent it)
//	message.status        messageId, status (sent, delivered, read, failed)
//	conversation.updated  (the inbox row changed: last message, unread count, handoff)
//	session.started       sessionId, chatbotId, status, node
//	session.node          sessionId, chatbotId, status, node
//	session.completed     sessionId, chatbotId, status (completed, stopped, expired, failed), node
//	handoff.changed       status (bot or agent), userId (the agent, if one took it)
//
// Unknown types may be added later; ignore them. {"type":"resync"} means the
// server lost its database feed for a while and events may have been
// missed: re-read what is on screen.
//
// # Limits
//
// The server pings every 25 seconds and drops a client that has sent nothing
// (a pong included; browsers answer pings themselves) for 60. A client
// message may be 4 KiB; a client holds at most 100 subscriptions. A client
// that does not keep up (its queue of 256 frames is full) is dropped with
// close code 1008 (policy violation) and should reconnect and resync; it
// never slows the others down. On shutdown the server closes with 1001
// (going away).
package live
