package chaos

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wabuilder/wab/cmd/internal/cluster"
	"github.com/wabuilder/wab/cmd/internal/load"
)

// killRecord is a kill as it happened.
type killRecord struct {
	role  cluster.Role
	index int
	at    time.Time
}

// explainDuplicates describes every message the Graph API accepted more
// than once for the same customer: when each copy was accepted, which of
// their wamids the database knows (it keeps one per outbound row), and the
// first kill between the first copy and the second. A copy whose wamid the database never
// saw was sent by an attempt that died (or lost Meta's answer) before it
// could store the wamid.
func explainDuplicates(ctx context.Context, c *cluster.Cluster, meta *load.Meta, kills []killRecord) ([]string, error) {
	type copyOf struct {
		at    time.Time
		wamid string
	}
	groups := map[[2]string][]copyOf{}
	for _, s := range meta.Sent() {
		k := [2]string{strings.TrimPrefix(s.To, "+"), load.Render(s.Message)}
		groups[k] = append(groups[k], copyOf{s.Time, s.WAMID})
	}
	var out []string
	for k, copies := range groups {
		if len(copies) < 2 {
			continue
		}
		wamids := make([]string, len(copies))
		for i, cp := range copies {
			wamids[i] = cp.wamid
		}
		known := map[string]bool{}
		rows, err := c.Pool().Query(ctx, "SELECT wamid FROM messages WHERE direction = 'outbound' AND wamid = ANY($1)", wamids)
		if err != nil {
			return out, fmt.Errorf("chaos: explain duplicates: %w", err)
		}
		for rows.Next() {
			var w string
			if err := rows.Scan(&w); err == nil {
				known[w] = true
			}
		}
		rows.Close()
		var parts []string
		for _, cp := range copies {
			state := "not in the database"
			if known[cp.wamid] {
				state = "stored"
			}
			parts = append(parts, fmt.Sprintf("accepted %s (%s)", cp.at.Format("15:04:05.000"), state))
		}
		line := fmt.Sprintf("%s got %q %d times: %s", k[0], k[1], len(copies), strings.Join(parts, ", "))
		if kl := firstKillBetween(kills, copies[0].at, copies[1].at); kl != nil {
			line += fmt.Sprintf("; %s %d was SIGKILLed at %s, %s after the first copy was accepted",
				kl.role, kl.index, kl.at.Format("15:04:05.000"), kl.at.Sub(copies[0].at).Round(time.Millisecond))
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out, nil
}

func firstKillBetween(kills []killRecord, from, to time.Time) *killRecord {
	var first *killRecord
	for i := range kills {
		k := &kills[i]
		if k.at.After(from) && k.at.Before(to) && (first == nil || k.at.Before(first.at)) {
			first = k
		}
	}
	return first
}
