package activities

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

func TestWhatsAppMessage_DirectIsSentAsWritten(t *testing.T) {
	t.Parallel()
	written := whatsapp.OutboundMessage{
		To: "someone else", Type: whatsapp.TypeImage,
		Media: &whatsapp.Media{Link: "https://example.com/a.png", Caption: "Your receipt"},
	}
	m, err := whatsAppMessage(to, Outbound{Kind: OutboundDirect, Message: &written})
	require.NoError(t, err)
	require.Equal(t, to, m.To, "always the conversation's customer")
	require.Equal(t, written.Media, m.Media)
	require.Equal(t, "someone else", written.To, "the input is not changed")
	require.Equal(t, "Your receipt", preview(m))

	_, err = whatsAppMessage(to, Outbound{Kind: OutboundDirect})
	require.Error(t, err)
}

func TestPreview_MediaAndTemplates(t *testing.T) {
	t.Parallel()
	for want, m := range map[string]whatsapp.OutboundMessage{
		"[document]":             {Type: whatsapp.TypeDocument, Media: &whatsapp.Media{ID: "1"}},
		"[template order_ready]": {Type: whatsapp.TypeTemplate, Template: &whatsapp.Template{Name: "order_ready"}},
	} {
		require.Equal(t, want, preview(m))
	}
}
