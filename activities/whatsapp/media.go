package whatsapp

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// UploadMedia uploads r as a media file of the given MIME type and returns
// its media id (valid for 30 days) to send by ID. The body is streamed, so
// large files are never held in memory.
func (c *Client) UploadMedia(ctx context.Context, acct Account, filename, mimeType string, r io.Reader) (string, error) {
	if mimeType == "" {
		return "", &ValidationError{Field: "mime_type", Reason: "required"}
	}
	endpoint, err := acct.endpoint(acct.PhoneNumberID, "media")
	if err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	defer pr.Close() // unblocks the writer if the request ends early
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeUpload(mw, filename, mimeType, r))
	}()
	var resp struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, acct, http.MethodPost, endpoint, mw.FormDataContentType(), pr, &resp); err != nil {
		return "", err
	}
	if resp.ID == "" {
		return "", &APIError{HTTPStatus: http.StatusOK, Message: "answer has no media id"}
	}
	return resp.ID, nil
}

func writeUpload(mw *multipart.Writer, filename, mimeType string, r io.Reader) error {
	if err := mw.WriteField("messaging_product", "whatsapp"); err != nil {
		return err
	}
	if err := mw.WriteField("type", mimeType); err != nil {
		return err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, escapeQuotes(filename)))
	h.Set("Content-Type", mimeType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, r); err != nil {
		return err
	}
	return mw.Close()
}

// escapeQuotes makes filename safe inside a quoted header parameter, as
// mime/multipart does for its own CreateFormFile.
func escapeQuotes(s string) string {
	return strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "").Replace(s)
}

// MediaInfo describes an uploaded or received media file.
type MediaInfo struct {
	ID       string `json:"id"`
	URL      string `json:"url"` // short-lived; fetch it with DownloadMedia
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	FileSize int64  `json:"file_size"`
}

// MediaURL resolves a media id (from an inbound message) to a download URL.
func (c *Client) MediaURL(ctx context.Context, acct Account, mediaID string) (MediaInfo, error) {
	endpoint, err := acct.endpoint(mediaID)
	if err != nil {
		return MediaInfo{}, err
	}
	if acct.PhoneNumberID != "" {
		// Meta then checks the media belongs to this number.
		endpoint += "?" + url.Values{"phone_number_id": {acct.PhoneNumberID}}.Encode()
	}
	var info MediaInfo
	err = c.call(ctx, acct, http.MethodGet, endpoint, "", nil, &info)
	return info, err
}

// DownloadMedia fetches a URL from MediaURL with the bearer token and returns
// the body (the caller closes it) and its MIME type. The token is only sent
// over HTTPS, or to the account's own base URL (the sandbox).
func (c *Client) DownloadMedia(ctx context.Context, acct Account, mediaURL string) (io.ReadCloser, string, error) {
	if acct.AccessToken == "" {
		return nil, "", &AccountError{Reason: "no access token"}
	}
	if err := allowedDownload(acct, mediaURL); err != nil {
		return nil, "", err
	}
	resp, err := c.do(ctx, acct, http.MethodGet, mediaURL, "", nil)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		return nil, "", apiError(acct, resp, raw)
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}

func allowedDownload(acct Account, mediaURL string) error {
	u, err := url.Parse(mediaURL)
	if err != nil || u.Host == "" {
		return &ValidationError{Field: "url", Reason: "not an absolute URL"}
	}
	if u.Scheme == "https" {
		return nil
	}
	base, err := url.Parse(acct.baseURL())
	if err == nil && u.Scheme == "http" && u.Host == base.Host {
		return nil
	}
	return &ValidationError{Field: "url", Reason: "refusing to send the token over plain http to another host"}
}
