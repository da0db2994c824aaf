// Package graph is the chatbot model shared by the HTTP API and the
// conversation workflow: parsing and exporting the chatbot JSON of the earlier
// NestJS WhatsApp Builder, validation, compilation into an immutable Version,
// variable lookup and templates, conditions, edge routing, and building what
// each node sends.
//
// # Determinism
//
// Everything in this package is a pure function of its arguments. It performs
// no I/O, never reads the clock, uses no randomness and no goroutines, and
// never lets Go's map iteration order reach an output (keys are sorted
// first). Every function is therefore safe in Temporal workflow code, where a
// replay must compute exactly what the first run did. Values returned here
// must be treated as immutable (slices inside are shared, not copied).
//
// # API side
//
//	c, err := graph.Parse(file)          // raw {name, nodes, edges} or export {version, chatbot, whatsappFlows}
//	rep := graph.Validate(c)             // on save: show rep.Errors / rep.Warnings per node
//	names := graph.NumberAutoVars(c)     // the variable picker's question_N, rest_api_N, flow_N
//	v, rep := graph.Compile(c)           // on publish: store json.Marshal(v) as the immutable version
//	out, err := graph.Export(c, now)     // the export file (the caller passes the time)
//
// # Workflow side
//
// Decode the Version, start at v.Start with the system variables (VarCustomerPhone,
// VarCustomerName, ...), then per node:
//
//	start                  Next(v, id, "")
//	message                MessageTexts(content, vars) → send each; Next(v, id, "")
//	question               BuildQuestion(v, id, vars, page) → send; on a reply MatchAnswer:
//	                       Page > 0 → re-send that page; Matched → merge AnswerVars, Next(v, id, Handle);
//	                       else re-ask (Settings.ReaskCount) then Next(v, id, "default")
//	condition              EvaluateNode(data, vars) → Next(v, id, "true"/"false")
//	rest_api               BuildRequest (activity sends it; ExtractResponse, RestErrorMessage)
//	                       → merge RestResultVars; Next(v, id, result.Handle())
//	whatsapp_flow          BuildFlow(v, id, vars, token) → send; on nfm_reply ParseFlowResponse,
//	                       merge FlowResponseVars, Next(v, id, ""); send failure → Next(v, id, "error")
//	delay                  DelayDuration(data) → durable timer; Next(v, id, "")
//	set_variable           merge ApplyAssignments(data, vars); Next(v, id, "")
//	handoff                MessageTexts(content) → pause for an agent; afterwards Next(v, id, "")
//	end                    MessageTexts(content) → end the session
//
// Questions and flows with data.timeoutSeconds wait at most that long (after
// data.reminderSeconds, send data.reminderText or re-send the question), then
// Next(v, id, "timeout"). Next's ok=false ends the session. Settings carries
// the inactivity timeout, re-ask count, loop limit, cancel words and restart
// keywords (IsCancelWord, IsRestartKeyword).
package graph
