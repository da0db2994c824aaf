package activities

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRewriteURL(t *testing.T) {
	t.Parallel()
	a := &Activities{cfg: Config{RESTRewrites: map[string]string{
		"https://httpbin.org":     "http://127.0.0.1:9000",
		"https://httpbin.org/api": "http://127.0.0.1:9001/v2",
	}}}
	for in, want := range map[string]string{
		"https://httpbin.org/post":        "http://127.0.0.1:9000/post",
		"https://httpbin.org":             "http://127.0.0.1:9000",
		"https://httpbin.org?x=1":         "http://127.0.0.1:9000?x=1",
		"https://httpbin.org/api/users/1": "http://127.0.0.1:9001/v2/users/1",
		"https://httpbin.organic.com/x":   "https://httpbin.organic.com/x",
		"http://httpbin.org/post":         "http://httpbin.org/post",
	} {
		require.Equal(t, want, a.rewriteURL(in), in)
	}
}
