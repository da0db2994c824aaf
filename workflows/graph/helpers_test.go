package graph

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// mustParse parses a chatbot from JSON text.
func mustParse(t *testing.T, js string) Chatbot {
	t.Helper()
	c, err := Parse([]byte(js))
	require.NoError(t, err)
	return c
}

// mustCompile parses and compiles, requiring no validation errors.
func mustCompile(t *testing.T, js string) Version {
	t.Helper()
	v, rep := Compile(mustParse(t, js))
	require.Empty(t, rep.Errors)
	return v
}

// codes returns the codes of the issues, in order.
func codes(issues []Issue) []string {
	out := []string{}
	for _, i := range issues {
		out = append(out, i.Code)
	}
	return out
}

// referenceDir finds shared/reference/chatbots by walking up from the
// package directory: the repo is /work/main with shared beside it, and CI
// clones main elsewhere with a copy of shared beside the clone.
func referenceDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	require.NoError(t, err)
	for {
		cand := filepath.Join(dir, "shared", "reference", "chatbots")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			require.FailNow(t, "shared/reference/chatbots not found above the package directory")
		}
		dir = parent
	}
}
