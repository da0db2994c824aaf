package whatsapp_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

func TestUploadMedia(t *testing.T) {
	t.Parallel()
	type part struct{ name, filename, contentType, body string }
	var parts []part
	g := newGraph(t, func(w http.ResponseWriter, r *http.Request) {
		answer(200, `{"id":"4490709327384033"}`)(w, r)
	})
	id, err := g.client().UploadMedia(context.Background(), g.account(), `menü "v2".jpg`, "image/jpeg", strings.NewReader("JPEGDATA"))
	require.NoError(t, err)
	require.Equal(t, "4490709327384033", id)

	req := g.last(t)
	require.Equal(t, http.MethodPost, req.Method)
	require.Equal(t, "/v23.0/106540352242922/media", req.Path)
	require.Equal(t, "Bearer "+token, req.Auth)
	mt, params, err := mime.ParseMediaType(req.ContentType)
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data", mt)
	mr := multipart.NewReader(strings.NewReader(string(req.Body)), params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(p)
		require.NoError(t, err)
		parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
	}
	require.Equal(t, []part{
		{"messaging_product", "", "", "whatsapp"},
		{"type", "", "", "image/jpeg"},
		{"file", `menü "v2".jpg`, "image/jpeg", "JPEGDATA"},
	}, parts)
}

func TestMediaURLAndDownload(t *testing.T) {
	t.Parallel()
	var g *graph
	g = newGraph(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v23.0/1003383421387256":
			answer(200, `{"messaging_product":"whatsapp","url":"`+g.srv.URL+`/whatsapp_business/attachments/?mid=1003","mime_type":"image/jpeg","sha256":"abc","file_size":8,"id":"1003383421387256"}`)(w, r)
		case "/whatsapp_business/attachments/":
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = io.WriteString(w, "JPEGDATA")
		default:
			answer(404, `{"error":{"message":"Unsupported get request","code":100,"error_subcode":33}}`)(w, r)
		}
	})
	c, acct := g.client(), g.account()
	info, err := c.MediaURL(context.Background(), acct, "1003383421387256")
	require.NoError(t, err)
	require.Equal(t, whatsapp.MediaInfo{ID: "1003383421387256", URL: g.srv.URL + "/whatsapp_business/attachments/?mid=1003", MimeType: "image/jpeg", SHA256: "abc", FileSize: 8}, info)
	require.Equal(t, "phone_number_id=106540352242922", g.last(t).RawQuery)

	body, mimeType, err := c.DownloadMedia(context.Background(), acct, info.URL)
	require.NoError(t, err)
	defer body.Close()
	data, err := io.ReadAll(body)
	require.NoError(t, err)
	require.Equal(t, "JPEGDATA", string(data))
	require.Equal(t, "image/jpeg", mimeType)
	require.Equal(t, "Bearer "+token, g.last(t).Auth)

	_, err = c.MediaURL(context.Background(), acct, "missing")
	require.Equal(t, whatsapp.ErrKindInvalidParameter, whatsapp.KindOf(err))
}

func TestDownloadMedia_KeepsTokenOffPlainHTTPElsewhere(t *testing.T) {
	t.Parallel()
	g := newGraph(t, answer(200, "x"))
	_, _, err := g.client().DownloadMedia(context.Background(), g.account(), "http://attacker.example/steal")
	require.Equal(t, whatsapp.ErrKindInvalidMessage, whatsapp.KindOf(err))
	g.mu.Lock()
	defer g.mu.Unlock()
	require.Empty(t, g.reqs)
}
