package zzstress

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/db"
	"github.com/wabuilder/wab/db/dbtest"
	"github.com/wabuilder/wab/db/secret"
)

func TestStress(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewDatabase(ctx, t)
	pool, err := pgxpool.New(ctx, url)
	require.NoError(t, err)
	defer pool.Close()
	box, _ := secret.NewBox([]byte("0123456789abcdef0123456789abcdef"))
	s := db.New(pool, box)
	require.NoError(t, db.Migrate(ctx, pool))
	acc := dbtest.Account(ctx, t, s, nil)
	msg := func(wa, wamid string) db.IngestMessage {
		return db.IngestMessage{ID: uuid.New(), AccountID: acc.ID, WAID: wa, WorkflowID: "conv/x/" + wa, WAMID: wamid,
			Type: "text", Payload: json.RawMessage(`{}`), Preview: "p", Timestamp: time.Now(), Outbox: json.RawMessage(`{}`)}
	}
	var fails int
	for c := 0; c < 20; c++ {
		wa := fmt.Sprint(9050000 + c)
		r, err := s.Ingest(ctx, db.IngestBatch{Messages: []db.IngestMessage{msg(wa, wa+"-0")}})
		require.NoError(t, err)
		convID := r.Stored[0].ConversationID
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = s.RecordConversationMessage(ctx, convID, db.ConversationActivity{At: time.Now(), Preview: "out"})
			}
		}()
		for i := 1; i < 100; i++ {
			if _, err := s.Ingest(ctx, db.IngestBatch{Messages: []db.IngestMessage{msg(wa, fmt.Sprintf("%s-%d", wa, i))}}); err != nil {
				fails++
				t.Log(err)
			}
		}
		close(stop)
		wg.Wait()
	}
	t.Log("fails", fails)
}
