package graph

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// HTTPRequest is a rest_api node's request with every template rendered,
// ready for an activity to send. Headers are in a fixed order (node headers
// by name, then the auth header). For multipart/form-data the activity
// encodes FormFields itself (the boundary is its choice); otherwise Body is
// the exact body to send.
type HTTPRequest struct {
	Method       string        `json:"method"`
	URL          string        `json:"url"`
	Headers      []Header      `json:"headers,omitempty"`
	ContentType  string        `json:"contentType,omitempty"`
	Body         string        `json:"body,omitempty"`
	FormFields   []Header      `json:"formFields,omitempty"`
	Timeout      time.Duration `json:"timeout"`
	ResponsePath string        `json:"responsePath,omitempty"`
	FilterField  string        `json:"filterField,omitempty"`
	FilterValue  string        `json:"filterValue,omitempty"`
}

// Header is a name/value pair (also used for form fields).
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// BuildRequest renders rest_api node nodeID (REFERENCE §3.6, with the
// defects fixed: variables resolve with Lookup like everywhere else, flat
// auto-variable keys included, and there is no arithmetic pass):
//   - URL with RenderURL, then apiQueryParams (sorted by name) and an
//     api_key in the query, query-escaped;
//   - header values, auth fields and the filter value with RenderPlain;
//   - auth: bearer → "Authorization: Bearer <token>"; basic → base64 of
//     user:pass; api_key → header <keyName or X-API-Key> or query
//     parameter <keyName or api_key>;
//   - body (not for GET/HEAD) with RenderJSON; as JSON by default;
//     form-urlencoded encodes a JSON object's fields (sorted), a non-JSON
//     body is sent as is; multipart splits a JSON object into FormFields
//     (non-strings as JSON), a non-JSON body becomes field "data";
//   - timeout apiTimeout ms (default 30 s); method upper-cased (default GET).
//
// Pure.
func BuildRequest(v Version, nodeID string, vars Vars) (HTTPRequest, error) {
	n, ok := v.Node(nodeID)
	if !ok || n.Type != TypeRestAPI {
		return HTTPRequest{}, fmt.Errorf("graph: %q is not a rest_api node", nodeID)
	}
	d := n.Data
	if strings.TrimSpace(d.APIURL) == "" {
		return HTTPRequest{}, fmt.Errorf("graph: rest_api node %q has no apiUrl", nodeID)
	}
	r := HTTPRequest{
		Method:       strings.ToUpper(firstNonEmpty(strings.TrimSpace(d.APIMethod), "GET")),
		URL:          RenderURL(strings.TrimSpace(d.APIURL), vars),
		Timeout:      time.Duration(DefaultAPITimeoutMS) * time.Millisecond,
		ResponsePath: d.APIResponsePath,
		FilterField:  d.APIFilterField,
		FilterValue:  RenderPlain(d.APIFilterValue, vars),
	}
	if d.APITimeout > 0 {
		r.Timeout = time.Duration(d.APITimeout) * time.Millisecond
	}
	var query []Header
	for _, k := range sortedKeys(d.APIQueryParams) {
		query = append(query, Header{k, RenderPlain(d.APIQueryParams[k], vars)})
	}
	for _, k := range sortedKeys(d.APIHeaders) {
		r.Headers = append(r.Headers, Header{k, RenderPlain(d.APIHeaders[k], vars)})
	}
	switch strings.ToLower(strings.TrimSpace(d.APIAuthType)) {
	case "bearer":
		if tok := RenderPlain(d.APIAuthToken, vars); tok != "" {
			r.Headers = append(r.Headers, Header{"Authorization", "Bearer " + tok})
		}
	case "basic":
		cred := RenderPlain(d.APIAuthUsername, vars) + ":" + RenderPlain(d.APIAuthPassword, vars)
		r.Headers = append(r.Headers, Header{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(cred))})
	case "api_key":
		val := RenderPlain(d.APIAuthKeyValue, vars)
		if strings.EqualFold(d.APIAuthKeyLocation, "query") {
			query = append(query, Header{firstNonEmpty(d.APIAuthKeyName, "api_key"), val})
		} else {
			r.Headers = append(r.Headers, Header{firstNonEmpty(d.APIAuthKeyName, "X-API-Key"), val})
		}
	}
	for _, q := range query {
		sep := "?"
		if strings.Contains(r.URL, "?") {
			sep = "&"
		}
		r.URL += sep + escape(q.Name, true) + "=" + escape(q.Value, true)
	}
	if r.Method != "GET" && r.Method != "HEAD" && strings.TrimSpace(d.APIBody) != "" {
		r.buildBody(d, vars)
	}
	return r, nil
}

func (r *HTTPRequest) buildBody(d NodeData, vars Vars) {
	ct := strings.ToLower(strings.TrimSpace(d.APIContentType))
	rendered := RenderJSON(d.APIBody, vars)
	var obj map[string]any
	isObj := false
	if v, err := decodeNumber([]byte(rendered)); err == nil {
		obj, isObj = v.(map[string]any)
	}
	switch ct {
	case "application/x-www-form-urlencoded":
		r.ContentType = ct
		if !isObj {
			r.Body = rendered
			return
		}
		parts := make([]string, 0, len(obj))
		for _, k := range sortedKeys(obj) {
			parts = append(parts, escape(k, true)+"="+escape(Scalar(obj[k]), true))
		}
		r.Body = strings.Join(parts, "&")
	case "multipart/form-data":
		r.ContentType = ct
		if !isObj {
			r.FormFields = []Header{{"data", rendered}}
			return
		}
		for _, k := range sortedKeys(obj) {
			r.FormFields = append(r.FormFields, Header{k, Scalar(obj[k])})
		}
	default:
		r.ContentType = firstNonEmpty(ct, "application/json")
		r.Body = rendered
	}
}

// ExtractResponse applies a rest_api node's response path and filter to a
// decoded response body (REFERENCE §3.6): the path walks dots and [i]
// indexes (a missing path gives nil); then, when the data is an array and
// both filterField and filterValue are set, only the items whose field
// (a path too) renders equal to filterValue are kept. Pure.
func ExtractResponse(data any, responsePath, filterField, filterValue string) any {
	v, ok := walkPath(data, responsePath)
	if !ok {
		return nil
	}
	list, isList := asList(v)
	if !isList || filterField == "" || filterValue == "" {
		return v
	}
	out := []any{}
	for _, item := range list {
		if f, ok := walkPath(item, filterField); ok && Scalar(f) == filterValue {
			out = append(out, item)
		}
	}
	return out
}

// DecodeJSONBody decodes a response body for ExtractResponse, keeping
// numbers exact; a body that is not JSON is returned as a string. Pure.
func DecodeJSONBody(body []byte) any {
	if v, err := decodeNumber(body); err == nil {
		return v
	}
	return string(body)
}
