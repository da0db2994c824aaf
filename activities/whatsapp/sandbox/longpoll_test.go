package sandbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
	"github.com/wabuilder/wab/activities/whatsapp/sandbox"
)

// poll is one GET of /_sandbox/sent with a query.
type poll struct {
	status int
	count  string
	sent   []sandbox.Sent
	took   time.Duration
}

func getSent(t *testing.T, base, query string) poll {
	t.Helper()
	p, err := fetchSent(base, query)
	require.NoError(t, err)
	return p
}

// fetchSent is getSent for other goroutines, which must not call FailNow.
func fetchSent(base, query string) (poll, error) {
	start := time.Now()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/_sandbox/sent"+query, nil)
	if err != nil {
		return poll{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return poll{}, err
	}
	defer resp.Body.Close()
	p := poll{status: resp.StatusCode, count: resp.Header.Get(sandbox.SentCountHeader)}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&p.sent); err != nil {
			return poll{}, err
		}
	}
	p.took = time.Since(start)
	return p, nil
}

// goFetchSent polls in the background; the channel gets the answer, or a
// poll with status 0 if the request failed.
func goFetchSent(base, query string) <-chan poll {
	got := make(chan poll, 1)
	go func() {
		p, _ := fetchSent(base, query)
		got <- p
	}()
	return got
}

func longPollSetup(t *testing.T) *bundle {
	t.Helper()
	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { sb.Close(); srv.Close() })
	return &bundle{
		sb: sb, srv: srv, client: whatsapp.NewClient(srv.Client()),
		acct: whatsapp.Account{BaseURL: srv.URL, PhoneNumberID: phoneID, AccessToken: "t"},
	}
}

func TestSentLongPoll_AnswersAtOnceWhenThereIsNews(t *testing.T) {
	t.Parallel()
	b := longPollSetup(t)
	ctx := context.Background()
	for _, m := range []whatsapp.OutboundMessage{textTo(user, "one"), textTo("905550000001", "other"), textTo(user, "two")} {
		_, err := b.client.Send(ctx, b.acct, m)
		require.NoError(t, err)
	}

	p := getSent(t, b.srv.URL, "?to="+user+"&after=1&wait=30s")
	require.Equal(t, http.StatusOK, p.status)
	require.Less(t, p.took, 5*time.Second, "news is answered at once")
	require.Equal(t, "2", p.count)
	require.Len(t, p.sent, 1)
	require.Equal(t, "two", p.sent[0].Message.Text.Body)

	p = getSent(t, b.srv.URL, "?to=%2B"+user) // "+16505551234": digits count
	require.Equal(t, "2", p.count)
	require.Len(t, p.sent, 2)

	p = getSent(t, b.srv.URL, "?after=0") // every recipient
	require.Equal(t, "3", p.count)
	require.Len(t, p.sent, 3)

	// Without a query the endpoint is what it always was.
	p = getSent(t, b.srv.URL, "")
	require.Empty(t, p.count)
	require.Len(t, p.sent, 3)
}

func TestSentLongPoll_WaitsForTheNextMessage(t *testing.T) {
	t.Parallel()
	b := longPollSetup(t)
	ctx := context.Background()
	_, err := b.client.Send(ctx, b.acct, textTo(user, "old"))
	require.NoError(t, err)

	got := goFetchSent(b.srv.URL, "?to="+user+"&after=1&wait=30s")
	// The poll is waiting: a message to someone else does not end it.
	time.Sleep(100 * time.Millisecond)
	_, err = b.client.Send(ctx, b.acct, textTo("905550000001", "not for you"))
	require.NoError(t, err)
	select {
	case p := <-got:
		t.Fatalf("answered without news: %+v", p)
	case <-time.After(200 * time.Millisecond):
	}
	_, err = b.client.Send(ctx, b.acct, textTo(user, "new"))
	require.NoError(t, err)
	select {
	case p := <-got:
		require.Equal(t, http.StatusOK, p.status)
		require.Equal(t, "2", p.count)
		require.Len(t, p.sent, 1)
		require.Equal(t, "new", p.sent[0].Message.Text.Body)
	case <-time.After(5 * time.Second):
		t.Fatal("the long poll did not wake up on the send")
	}
}

func TestSentLongPoll_TimesOutEmpty(t *testing.T) {
	t.Parallel()
	b := longPollSetup(t)
	p := getSent(t, b.srv.URL, "?to="+user+"&after=0&wait=150ms")
	require.Equal(t, http.StatusOK, p.status)
	require.GreaterOrEqual(t, p.took, 150*time.Millisecond)
	require.Equal(t, "0", p.count)
	require.NotNil(t, p.sent, "an empty list, not null")
	require.Empty(t, p.sent)
}

func TestSentLongPoll_AfterBeyondTheRecordAnswersAtOnce(t *testing.T) {
	t.Parallel()
	b := longPollSetup(t)
	// A client that counted 5 messages in an earlier sandbox resyncs at once.
	p := getSent(t, b.srv.URL, "?to="+user+"&after=5&wait=30s")
	require.Equal(t, http.StatusOK, p.status)
	require.Less(t, p.took, 5*time.Second)
	require.Equal(t, "0", p.count)
	require.Empty(t, p.sent)
}

func TestSentLongPoll_BadQuery(t *testing.T) {
	t.Parallel()
	b := longPollSetup(t)
	for _, q := range []string{"?after=-1", "?after=x", "?wait=soon", "?wait=-1s"} {
		require.Equal(t, http.StatusBadRequest, getSent(t, b.srv.URL, q).status, q)
	}
}

func TestSentLongPoll_CloseReleasesWaiters(t *testing.T) {
	t.Parallel()
	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	got := goFetchSent(srv.URL, "?to="+user+"&wait=1m")
	time.Sleep(100 * time.Millisecond)
	sb.Close()
	select {
	case p := <-got:
		require.Equal(t, http.StatusServiceUnavailable, p.status)
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release the long poll")
	}
}

func TestSentAfter_ContextEnds(t *testing.T) {
	t.Parallel()
	b := longPollSetup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := b.sb.SentAfter(ctx, user, 0, time.Minute)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the caller's deadline is an error, the wait's is not")

	sent, total, err := b.sb.SentAfter(context.Background(), user, 0, 10*time.Millisecond)
	require.NoError(t, err)
	require.Empty(t, sent)
	require.Zero(t, total)
}
