package load

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/workflows/graph"
)

func TestReport_TableAndJSON(t *testing.T) {
	t.Parallel()
	r := Report{
		Script: "sample", Mode: Open, Rate: 200, Customers: 10, Turns: 2, Started: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Inbound: 20, Replies: 40, TurnsOK: 20, Ack: Latency{Count: 20, P50: 3, P95: 7, P99: 9, Max: 12},
		Configuration: "Temporal dev server, SQLite on disk",
		Processes:     []ProcessStats{{Name: "worker 0", CPUSeconds: 1.25, PeakRSS: 64 << 20}},
	}
	require.True(t, r.OK())
	var out bytes.Buffer
	r.Table(&out)
	require.Contains(t, out.String(), "200 msgs/s offered")
	require.Regexp(t, `process worker 0 +1\.2 CPU s, peak RSS 64 MiB`, out.String())
	require.Contains(t, out.String(), "PASS")

	r.Lost, r.TurnsBad, r.TurnsOK = 2, 1, 19
	r.Verify = &Verification{SessionsStuck: 1}
	require.False(t, r.OK())
	out.Reset()
	r.Table(&out)
	require.Contains(t, out.String(), "FAIL: 2 lost, 1 bad turns, verification:")

	dir := t.TempDir() + "/results"
	path, err := r.WriteJSON(dir)
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(path, "/20261125T120000Z-sample-open.json"), path)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(raw, &back))
	require.InDelta(t, 9.0, back["webhook_ack"].(map[string]any)["p99_ms"], 0)
	require.InDelta(t, 2.0, back["lost"], 0)
}

// TestScripts_BotsPublish: both bots compile as Publish compiles them, and
// every fixed reply the scripts expect is a message of the bot.
func TestScripts_BotsPublish(t *testing.T) {
	t.Parallel()
	for name, s := range Scripts() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw := bytes.ReplaceAll(s.Bot, []byte(RESTPlaceholder), []byte("http://127.0.0.1:1"))
			bot, err := graph.Parse(raw)
			require.NoError(t, err)
			_, rep := graph.Compile(bot)
			require.NoError(t, rep.Err())
			body := strings.ReplaceAll(string(s.Bot), "{{customer_name}}", "{name}")
			for _, turn := range s.Turns {
				for _, w := range turn.Want {
					text, _, _ := strings.Cut(w.Text, " [") // a question's body
					if !strings.HasPrefix(text, "{") || strings.HasPrefix(text, "{name}") {
						require.Contains(t, body, text)
					}
				}
				if turn.WaitsOn != "" {
					require.Contains(t, body, `"id": "`+turn.WaitsOn+`"`)
				}
			}
			e := newExpander(map[string]string{"name": "cust-0-3"})
			if s.Vars != nil {
				vars := s.Vars(3)
				vars["name"] = "cust-0-3"
				e = newExpander(vars)
			}
			for _, turn := range s.Turns {
				for _, w := range e.wants(turn) {
					require.NotContains(t, w.Text, "{", "every placeholder is filled")
				}
			}
		})
	}
}
