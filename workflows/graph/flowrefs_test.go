package graph

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFlowIDs(t *testing.T) {
	t.Parallel()
	c := mustParse(t, `{"name":"f","nodes":[
		{"id":"s","type":"start","data":{"label":"s"}},
		{"id":"a","type":"whatsapp_flow","data":{"label":"a","whatsappFlowId":"111"}},
		{"id":"b","type":"message","data":{"label":"b","whatsappFlowId":"999"}},
		{"id":"c","type":"whatsapp_flow","data":{"label":"c","whatsappFlowId":"222"}},
		{"id":"d","type":"whatsapp_flow","data":{"label":"d","whatsappFlowId":"111"}},
		{"id":"e","type":"whatsapp_flow","data":{"label":"e"}}],"edges":[]}`)
	require.Equal(t, []string{"111", "222"}, FlowIDs(c))
	require.Empty(t, FlowIDs(Chatbot{}))
}
