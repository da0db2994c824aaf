package graph

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func routeVersion(t *testing.T, edges string) Version {
	t.Helper()
	return mustCompile(t, `{"name":"r","nodes":[
		{"id":"s","type":"start"},
		{"id":"api","type":"rest_api","data":{"apiUrl":"https://x"}},
		{"id":"q","type":"question","data":{"content":"?","questionType":"buttons","timeoutSeconds":60,"buttons":[{"id":"b1","title":"B1"},{"id":"b2","title":"B2"}]}},
		{"id":"f","type":"whatsapp_flow","data":{"whatsappFlowId":"F","timeoutSeconds":600}},
		{"id":"c","type":"condition","data":{"conditionVar":"x","conditionOp":"==","conditionVal":"1"}},
		{"id":"t1","type":"message","data":{"content":"1"}},{"id":"t2","type":"message","data":{"content":"2"}},
		{"id":"t3","type":"message","data":{"content":"3"}}],
		"edges":[{"source":"s","target":"api"}`+edges+`]}`)
}

func TestNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, edges, node, handle, want string
		ok                              bool
	}{
		{"plain", `,{"source":"api","target":"t1"}`, "s", "", "api", true},
		{"success exact", `,{"source":"api","target":"t1","sourceHandle":"success"},{"source":"api","target":"t2","sourceHandle":"error"}`, "api", "success", "t1", true},
		{"error exact", `,{"source":"api","target":"t1","sourceHandle":"success"},{"source":"api","target":"t2","sourceHandle":"error"}`, "api", "error", "t2", true},
		{"error never follows success", `,{"source":"api","target":"t1","sourceHandle":"success"}`, "api", "error", "", false},
		{"error falls back to unlabelled", `,{"source":"api","target":"t1","sourceHandle":"success"},{"source":"api","target":"t3"}`, "api", "error", "t3", true},
		{"error falls back to default", `,{"source":"api","target":"t1","sourceHandle":"success"},{"source":"api","target":"t3","sourceHandle":"default"}`, "api", "error", "t3", true},
		{"success falls back to unlabelled", `,{"source":"api","target":"t3"}`, "api", "success", "t3", true},
		{"button exact", `,{"source":"q","target":"t1","sourceHandle":"b1"},{"source":"q","target":"t2","sourceHandle":"b2"}`, "q", "b2", "t2", true},
		{"button to default", `,{"source":"q","target":"t1","sourceHandle":"b1"},{"source":"q","target":"t3","sourceHandle":"default"}`, "q", "b2", "t3", true},
		{"button unrouted", `,{"source":"q","target":"t1","sourceHandle":"b1"}`, "q", "b2", "", false},
		{"first matching edge wins", `,{"source":"q","target":"t1","sourceHandle":"b1"},{"source":"q","target":"t2","sourceHandle":"b1"}`, "q", "b1", "t1", true},
		{"timeout only on timeout edge", `,{"source":"q","target":"t1"},{"source":"q","target":"t2","sourceHandle":"default"}`, "q", "timeout", "", false},
		{"timeout edge", `,{"source":"q","target":"t1"},{"source":"q","target":"t2","sourceHandle":"timeout"}`, "q", "timeout", "t2", true},
		{"flow completion skips timeout and error", `,{"source":"f","target":"t1","sourceHandle":"timeout"},{"source":"f","target":"t2","sourceHandle":"error"},{"source":"f","target":"t3","sourceHandle":"success"}`, "f", "", "t3", true},
		{"flow completion prefers unlabelled", `,{"source":"f","target":"t1","sourceHandle":"success"},{"source":"f","target":"t2"}`, "f", "", "t2", true},
		{"flow send error", `,{"source":"f","target":"t1"},{"source":"f","target":"t2","sourceHandle":"error"}`, "f", "error", "t2", true},
		{"condition true/false", `,{"source":"c","target":"t1","sourceHandle":"true"},{"source":"c","target":"t2","sourceHandle":"false"}`, "c", "false", "t2", true},
		{"no edges", ``, "t1", "", "", false},
		{"unknown node", ``, "nope", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Next(routeVersion(t, tt.edges), tt.node, tt.handle)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}
