package graph

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTemplateFallback(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(`{"name":"t","nodes":[{"id":"s","type":"start","data":{"label":"s"}},
		{"id":"m","type":"message","data":{"label":"m","content":"Hi {{customer_name}}",
		 "templateFallback":{"name":"hello","language":"tr","bodyParams":["{{customer_name}}","{{missing}}"]}}},
		{"id":"bad","type":"message","data":{"label":"b","content":"x","templateFallback":{"language":"tr"}}}],
		"edges":[{"source":"s","target":"m"},{"source":"m","target":"bad"}]}`))
	require.NoError(t, err)
	rep := Validate(c)
	require.Len(t, rep.Errors, 1)
	require.Equal(t, "bad", rep.Errors[0].NodeID)
	require.Equal(t, "template_name_required", rep.Errors[0].Code)

	c.Nodes = c.Nodes[:2]
	c.Edges = c.Edges[:1]
	v, rep := Compile(c)
	require.True(t, rep.OK())
	got, ok := BuildTemplate(v, "m", Vars{VarCustomerName: "Ali"})
	require.True(t, ok)
	require.Equal(t, OutboundTemplate{NodeID: "m", Name: "hello", Language: "tr", BodyParams: []string{"Ali", "{{missing}}"}}, got)
	_, ok = BuildTemplate(v, "s", nil)
	require.False(t, ok)
}
