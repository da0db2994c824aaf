package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/workflows/graph"
)

// Import takes what export writes and what the reference's users have: the
// export format {version, exportedAt, chatbot, whatsappFlows} and, unlike the
// reference, the raw format {name, description, nodes, edges} too. Node data
// is stored as the file has it; a graph that is not a graph (node without id
// or type, unknown type, edge to a missing node) is refused, while other
// problems come back as validation warnings and block only publishing.

type importQuery struct {
	Name        string `query:"name" validate:"max=200" doc:"use this name instead of the file's (made unique the same way)"`
	SetActive   bool   `query:"setActive" doc:"publish the bot and make it the default bot, as toggle-active does; skipped with a warning when it has errors"`
	ImportFlows *bool  `query:"importFlows" doc:"store the file's embedded WhatsApp Flows that are not known yet (default true)"`
}

// importBody documents both formats; the handler reads the file itself.
type importBody struct {
	Version       string            `json:"version" doc:"export format: \"1.0\""`
	ExportedAt    string            `json:"exportedAt" doc:"export format"`
	Chatbot       json.RawMessage   `json:"chatbot" doc:"export format: {name, description, nodes, edges, settings, metadata}"`
	WhatsAppFlows []json.RawMessage `json:"whatsappFlows" doc:"export format: embedded WhatsApp Flows"`
	Name          string            `json:"name" doc:"raw format"`
	Description   string            `json:"description" doc:"raw format"`
	Nodes         []json.RawMessage `json:"nodes" doc:"raw format"`
	Edges         []json.RawMessage `json:"edges" doc:"raw format"`
	File          string            `json:"file" doc:"multipart/form-data only: the chatbot JSON file; the form fields name, setActive and importFlows may replace the query parameters"`
}

type importResponse struct {
	Success            bool           `json:"success"`
	Message            string         `json:"message"`
	ChatbotID          uuid.UUID      `json:"chatbotId"`
	ChatbotName        string         `json:"chatbotName" doc:"the final name: \"<name> (Copy)\", \"(Copy 2)\", … when the name was taken"`
	ImportedAt         time.Time      `json:"importedAt"`
	Warnings           []string       `json:"warnings"`
	ImportedFlowsCount int            `json:"importedFlowsCount"`
	Chatbot            chatbotView    `json:"chatbot"`
	Validation         validationView `json:"validation"`
	PublishedVersion   *versionView   `json:"publishedVersion" doc:"the version setActive published"`
}

// importedFile is a chatbot file read and checked.
type importedFile struct {
	content  db.ChatbotContent
	flows    []graph.Flow
	warnings []string
}

func (h *handlers) importChatbot(c *fiber.Ctx) error {
	var q importQuery
	if err := bindQuery(c, &q); err != nil {
		return err
	}
	data, src, err := importSource(c, &q)
	if err != nil {
		return err
	}
	file, err := readImport(src, data, strings.TrimSpace(q.Name))
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	out := importResponse{Success: true, Message: "Chatbot imported successfully", ImportedAt: time.Now().UTC(), Warnings: file.warnings}
	err = h.d.Store.InTx(ctx, func(tx *db.Store) error {
		name, err := tx.UniqueChatbotName(ctx, file.content.Name)
		if err != nil {
			return internal("import chatbot", err)
		}
		if name != file.content.Name {
			out.Warnings = append(out.Warnings, fmt.Sprintf("a chatbot named %q exists: imported as %q", file.content.Name, name))
		}
		d := file.content
		b, err := tx.CreateChatbot(ctx, db.NewChatbot{
			Name: name, Description: d.Description, Nodes: d.Nodes, Edges: orNull(d.Edges),
			Settings: orNull(d.Settings), Metadata: orNull(d.Metadata), CreatedBy: callerID(c),
		})
		if err != nil {
			return internal("import chatbot", err)
		}
		if q.ImportFlows == nil || *q.ImportFlows {
			flows := make([]db.WhatsAppFlow, len(file.flows))
			for i, f := range file.flows {
				flows[i] = dbFlow(f)
			}
			if out.ImportedFlowsCount, err = tx.AddWhatsAppFlows(ctx, flows); err != nil {
				return internal("import whatsapp flows", err)
			}
		}
		dr, err := loadDraft(ctx, tx, b)
		if err != nil {
			return err
		}
		if len(dr.MissingFlows) > 0 {
			out.Warnings = append(out.Warnings, "Missing WhatsApp Flows: "+strings.Join(dr.MissingFlows, ", "))
		}
		rep := dr.report()
		out.Validation = viewReport(rep, graph.NumberAutoVars(dr.Chatbot))
		if !rep.OK() {
			out.Warnings = append(out.Warnings, fmt.Sprintf("the chatbot has %d validation error(s): fix them before publishing", len(rep.Errors)))
		}
		if q.SetActive {
			if b, err = activateImported(ctx, tx, b, callerID(c), &out); err != nil {
				return err
			}
		}
		out.ChatbotID, out.ChatbotName, out.Chatbot = b.ID, b.Name, viewChatbot(b)
		return nil
	})
	if err != nil {
		return err
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// activateImported publishes the imported bot and makes it the default one;
// a bot with errors stays a draft, with a warning.
func activateImported(ctx context.Context, tx *db.Store, b db.Chatbot, by *uuid.UUID, out *importResponse) (db.Chatbot, error) {
	v, _, err := publish(ctx, tx, b, by)
	var invalid *invalidChatbotError
	if errors.As(err, &invalid) {
		out.Warnings = append(out.Warnings, "setActive: not published nor activated, the chatbot has validation errors")
		return b, nil
	}
	if err != nil {
		return b, err
	}
	vv := viewVersion(v)
	out.PublishedVersion = &vv
	if b, err = tx.MakeDefaultChatbot(ctx, b.ID); err != nil {
		return b, internal("activate imported chatbot", err)
	}
	return b, nil
}

// importSource returns the file: the multipart field "file" (whose form
// fields may replace the query's options) or the body.
func importSource(c *fiber.Ctx, q *importQuery) (data []byte, src string, err error) {
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		return c.Body(), "body", nil
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, "", BadRequest("file", "is required: send the chatbot JSON file in the multipart field \"file\"")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", internal("open uploaded file", err)
	}
	defer f.Close()
	if data, err = io.ReadAll(f); err != nil {
		return nil, "", internal("read uploaded file", err)
	}
	if v := strings.TrimSpace(c.FormValue("name")); v != "" {
		if len(v) > 200 {
			return nil, "", BadRequest("name", "must be at most 200 characters long")
		}
		q.Name = v
	}
	importFlows, err := formBool(c, "importFlows")
	if err != nil {
		return nil, "", err
	}
	if importFlows != nil {
		q.ImportFlows = importFlows
	}
	setActive, err := formBool(c, "setActive")
	if err != nil {
		return nil, "", err
	}
	if setActive != nil {
		q.SetActive = *setActive
	}
	return data, "file", nil
}

// formBool reads an optional true/false form field.
func formBool(c *fiber.Ctx, field string) (*bool, error) {
	v := strings.TrimSpace(c.FormValue(field))
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, BadRequest(field, "must be true or false")
	}
	return &b, nil
}

// readImport reads a chatbot file in either format, or answers 400 naming
// the field at fault (src names the file itself: "body" or "file").
func readImport(src string, data []byte, name string) (importedFile, error) {
	data = bytes.TrimPrefix(bytes.TrimSpace(data), []byte("\xef\xbb\xbf"))
	if len(data) == 0 {
		return importedFile{}, BadRequest(src, "is empty: want a chatbot JSON file")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) {
			return importedFile{}, BadRequest(src, publicJSONError(err))
		}
		return importedFile{}, BadRequest(src, "must be a JSON object: the raw format {name, nodes, edges} or the export format {version, chatbot}")
	}
	var out importedFile
	body, prefix := top, ""
	if cb := orNull(top["chatbot"]); cb != nil {
		prefix = "chatbot."
		if err := json.Unmarshal(cb, &body); err != nil {
			return importedFile{}, BadRequest("chatbot", "must be an object")
		}
		var version string
		_ = json.Unmarshal(top["version"], &version) // informational only
		switch {
		case version == "":
			out.warnings = append(out.warnings, "the file has no version: read as "+graph.ExportVersion)
		case version != graph.ExportVersion:
			out.warnings = append(out.warnings, fmt.Sprintf("export version %q is not %s: read as %s", version, graph.ExportVersion, graph.ExportVersion))
		}
	}
	if orNull(body["nodes"]) == nil {
		return importedFile{}, BadRequest(prefix+"nodes", "is required: want the raw format {name, nodes, edges} or the export format {version, chatbot: {name, nodes, edges}}")
	}
	d := db.ChatbotContent{Nodes: body["nodes"], Edges: body["edges"], Settings: body["settings"], Metadata: body["metadata"]}
	for field, dst := range map[string]*string{"name": &d.Name, "description": &d.Description} {
		if raw := orNull(body[field]); raw != nil {
			if err := json.Unmarshal(raw, dst); err != nil {
				return importedFile{}, BadRequest(prefix+field, "must be a string")
			}
		}
	}
	if name != "" {
		d.Name = name
	}
	if d.Name = strings.TrimSpace(d.Name); d.Name == "" {
		return importedFile{}, BadRequest(prefix+"name", "is required")
	}
	if _, err := readDraft(prefix, d); err != nil {
		return importedFile{}, err
	}
	c, err := graph.Parse(data)
	if err != nil {
		return importedFile{}, BadRequest("whatsappFlows", publicJSONError(err))
	}
	for _, f := range c.Flows {
		if strings.TrimSpace(f.WhatsAppFlowID) == "" {
			out.warnings = append(out.warnings, fmt.Sprintf("the embedded WhatsApp Flow %q has no whatsappFlowId: skipped", f.Name))
			continue
		}
		out.flows = append(out.flows, f)
	}
	out.content = d
	return out, nil
}
