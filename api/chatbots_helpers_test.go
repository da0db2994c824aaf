package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db/dbtest"
)

// botResp is a chatbot as the API returns it.
type botResp struct {
	ID                 uuid.UUID       `json:"id"`
	Name               string          `json:"name"`
	Description        string          `json:"description"`
	Nodes              json.RawMessage `json:"nodes"`
	Edges              json.RawMessage `json:"edges"`
	Settings           json.RawMessage `json:"settings"`
	Metadata           json.RawMessage `json:"metadata"`
	Status             string          `json:"status"`
	IsActive           bool            `json:"isActive"`
	PublishedVersionID *uuid.UUID      `json:"publishedVersionId"`
	CreatedBy          *uuid.UUID      `json:"createdBy"`
}

type issueResp struct {
	NodeID  string `json:"nodeId"`
	EdgeID  string `json:"edgeId"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type validationResp struct {
	Valid         bool              `json:"valid"`
	Errors        []issueResp       `json:"errors"`
	Warnings      []issueResp       `json:"warnings"`
	AutoVariables map[string]string `json:"autoVariables"`
}

type versionResp struct {
	ID        uuid.UUID `json:"id"`
	ChatbotID uuid.UUID `json:"chatbotId"`
	Version   int       `json:"version"`
}

type importResp struct {
	ChatbotID          uuid.UUID      `json:"chatbotId"`
	ChatbotName        string         `json:"chatbotName"`
	Warnings           []string       `json:"warnings"`
	ImportedFlowsCount int            `json:"importedFlowsCount"`
	Chatbot            botResp        `json:"chatbot"`
	Validation         validationResp `json:"validation"`
	PublishedVersion   *versionResp   `json:"publishedVersion"`
}

// simpleBot is a valid raw chatbot: start → message.
func simpleBot(name string) map[string]any {
	return map[string]any{
		"name": name, "description": "says hello",
		"nodes": []any{
			map[string]any{"id": "start-1", "type": "start", "position": map[string]any{"x": 0, "y": 0}, "data": map[string]any{"label": "Start"}},
			map[string]any{"id": "m1", "type": "message", "position": map[string]any{"x": 0, "y": 100}, "data": map[string]any{"label": "Hello", "content": "Hello {{customer_name}}"}},
		},
		"edges": []any{map[string]any{"id": "e1", "source": "start-1", "target": "m1"}},
	}
}

// createBot creates a chatbot as the admin.
func (e *apiEnv) createBot(body any) botResp {
	e.t.Helper()
	res := e.call(http.MethodPost, "/api/chatbots", body, e.adminToken)
	require.Equal(e.t, http.StatusCreated, res.Status, "%s", res.Body)
	var b botResp
	res.Decode(e.t, &b)
	return b
}

// publishBot publishes a chatbot as the admin.
func (e *apiEnv) publishBot(id uuid.UUID) versionResp {
	e.t.Helper()
	res := e.call(http.MethodPost, "/api/chatbots/"+id.String()+"/publish", nil, e.adminToken)
	require.Equal(e.t, http.StatusCreated, res.Status, "%s", res.Body)
	var out struct {
		Version versionResp `json:"version"`
	}
	res.Decode(e.t, &out)
	return out.Version
}

// upload posts a multipart form with the file (if any) in field "file".
func (e *apiEnv) upload(path string, fields map[string]string, file []byte, token string) response {
	e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(e.t, w.WriteField(k, v))
	}
	if file != nil {
		fw, err := w.CreateFormFile("file", "chatbot.json")
		require.NoError(e.t, err)
		_, err = fw.Write(file)
		require.NoError(e.t, err)
	}
	require.NoError(e.t, w.Close())
	req := httptest.NewRequestWithContext(e.ctx, http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := e.app.Test(req, 10_000)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return response{Status: res.StatusCode, Body: raw, Header: map[string]string{"Content-Disposition": res.Header.Get("Content-Disposition")}}
}

// referenceBots returns the reference chatbot files by name.
func referenceBots(t *testing.T) map[string][]byte {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "shared", "reference", "chatbots", "*.json"))
		if len(files) > 0 {
			out := map[string][]byte{}
			for _, f := range files {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				out[filepath.Base(f)] = b
			}
			return out
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "shared/reference/chatbots not found")
		dir = parent
	}
}

// uniqueName is a chatbot name no other test uses.
func uniqueName(prefix string) string { return prefix + " " + dbtest.Unique() }
