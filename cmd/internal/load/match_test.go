package load

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMatcher(t *testing.T) {
	t.Parallel()
	two := [][]Want{{{Text: "A cust-1f-7"}, {Text: "B"}}, {{Text: "C ", Prefix: true}, {Text: "D"}}}
	tests := []struct {
		name    string
		turns   [][]Want
		replies []string
		want    []Outcome
		missing int
	}{
		{"in order", two, []string{"A cust-1f-7", "B", "C long answer", "D"}, []Outcome{Matched, Matched, Matched, Matched}, 0},
		{"lost", two, []string{"A cust-1f-7", "D"}, []Outcome{Matched, OutOfOrder}, 2},
		{"duplicate right away", two, []string{"A cust-1f-7", "A cust-1f-7", "B"}, []Outcome{Matched, Duplicate, Matched}, 2},
		{"duplicate later", two, []string{"A cust-1f-7", "B", "C x", "B", "D"}, []Outcome{Matched, Matched, Matched, Duplicate, Matched}, 0},
		{"swapped", two, []string{"B", "A cust-1f-7"}, []Outcome{OutOfOrder, Matched}, 2},
		{"next turn overtakes", two, []string{"A cust-1f-7", "C x", "B", "D"}, []Outcome{Matched, OutOfOrder, Matched, Matched}, 0},
		{"another customer's", two, []string{"A cust-1f-70", "A cust-1f-7"}, []Outcome{Misrouted, Matched}, 3},
		{"another run's customer", two, []string{"Hi cust-2e-7"}, []Outcome{Misrouted}, 4},
		{"unexpected", two, []string{"Z", "A cust-1f-7"}, []Outcome{Unexpected, Matched}, 3},
		{"prefix needs the prefix", two, []string{"A cust-1f-7", "B", "C"}, []Outcome{Matched, Matched, Unexpected}, 2},
		{"repeated script: first open slot wins", [][]Want{{{Text: "hi"}}, {{Text: "hi"}}}, []string{"hi", "hi", "hi"}, []Outcome{Matched, Matched, Duplicate}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := matcher{name: "cust-1f-7"}
			for k, w := range tc.turns {
				m.expect(k, w)
			}
			var got []Outcome
			for _, r := range tc.replies {
				out, _ := m.feed(r)
				got = append(got, out)
			}
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.missing, m.missing())
		})
	}
}

// TestConv_Deliver books replies to turns: latencies from the turn's start,
// completion, and which turn a wrong reply spoils.
func TestConv_Deliver(t *testing.T) {
	t.Parallel()
	s := SampleChatbot()
	m := &Meta{convs: map[string]*conv{}, tag: "1f"}
	c := m.newConvs(&s, 2)[1]
	require.Equal(t, "cust-1f-1", c.name)
	require.Equal(t, "9000310000001", c.waID)

	t0 := time.Now()
	tr := c.startTurn(1, "100", "wamid.1", t0)
	welcome := "Merhaba cust-1f-1! WhatsApp Builder Destek Hattına hoşgeldiniz. Size nasıl yardımcı olabilirim?"
	menu := "cust-1f-1, lütfen aşağıdaki seçeneklerden birini seçin: [Teknik Destek|Fiyat Bilgisi|Hakkimizda]"
	c.deliver(welcome, t0.Add(10*time.Millisecond))
	require.False(t, tr.complete())
	c.deliver(menu, t0.Add(30*time.Millisecond))
	require.True(t, tr.ok())
	require.Equal(t, 10*time.Millisecond, tr.first.Sub(tr.start))
	require.Equal(t, 30*time.Millisecond, tr.last.Sub(tr.start))
	select {
	case <-tr.done:
	default:
		t.Fatal("a complete turn is done")
	}
	require.True(t, c.parkable(), "waiting on the menu")

	// Customer 1 taps button 1 mod 3: the price answer.
	spec := c.exp.spec(s.turn(1).Say)
	require.Equal(t, "btn_price", spec.ID)
	tr2 := c.startTurn(1, "100", "wamid.2", t0.Add(time.Second))
	c.deliver(menu, t0.Add(time.Second)) // a late duplicate spoils turn 1, not turn 2
	c.deliver("Fiyat Bilgisi (cust-1f-1) - Starter Paket…", t0.Add(time.Second))
	c.deliver("Merhaba cust-1f-0! nope", t0.Add(time.Second))
	require.Equal(t, 1, tr.duplicates)
	require.False(t, tr.ok())
	require.Equal(t, 1, tr2.got)
	require.Equal(t, 1, tr2.misrouted)
	require.False(t, c.parkable())
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var samples []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	l := Summarize(samples)
	require.Equal(t, Latency{Count: 100, P50: 50, P95: 95, P99: 99, Max: 100, Mean: 50.5}, l)

	require.Equal(t, Latency{}, Summarize(nil))
	one := Summarize([]time.Duration{1500 * time.Microsecond})
	require.Equal(t, Latency{Count: 1, P50: 1.5, P95: 1.5, P99: 1.5, Max: 1.5, Mean: 1.5}, one)

	sorted := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	require.Equal(t, time.Duration(1), Percentile(sorted, 0))
	require.Equal(t, time.Duration(5), Percentile(sorted, 50))
	require.Equal(t, time.Duration(10), Percentile(sorted, 99))
	require.Equal(t, time.Duration(10), Percentile(sorted, 100))
}

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"http://127.0.0.1:3000/api/webhooks/whatsapp", "http://localhost:1", "https://[::1]:8/x", "http://127.8.9.1/"} {
		require.NoError(t, CheckLoopback(ok), ok)
	}
	for _, bad := range []string{"http://10.0.0.1:3000/", "https://graph.facebook.com", "http://0.0.0.0:1", "ftp://127.0.0.1/", "127.0.0.1:3000"} {
		require.Error(t, CheckLoopback(bad), bad)
	}
	err := Target{WebhookURL: "http://192.168.1.5/x", AppSecret: "s", PhoneNumberID: "1"}.check()
	require.ErrorContains(t, err, "only ever sent to loopback")
}

// TestRunner_LateIsNotLost: after sending stops, the run waits (up to
// Drain) for the replies still owed. A turn answered after the reply
// timeout counts as late; only replies that never came count as lost.
func TestRunner_LateIsNotLost(t *testing.T) {
	t.Parallel()
	s := SampleChatbot()
	m := &Meta{convs: map[string]*conv{}, tag: "2f"}
	r := &runner{cfg: Config{ReplyTimeout: time.Second, Drain: 300 * time.Millisecond}.withDefaults(), meta: m, id: 1}
	cs := m.newConvs(&s, 3)
	r.convs, r.handed = cs, len(cs)
	welcome := func(c *conv) string {
		return "Merhaba " + c.name + "! WhatsApp Builder Destek Hattına hoşgeldiniz. Size nasıl yardımcı olabilirim?"
	}
	menu := func(c *conv) string {
		return c.name + ", lütfen aşağıdaki seçeneklerden birini seçin: [Teknik Destek|Fiyat Bilgisi|Hakkimizda]"
	}
	t0 := time.Now().Add(-time.Minute)
	for i, c := range cs {
		c.startTurn(1, "100", "wamid."+c.name, t0)
		if i < 2 {
			c.deliver(welcome(c), t0.Add(100*time.Millisecond))
		}
	}
	cs[0].deliver(menu(cs[0]), t0.Add(200*time.Millisecond)) // in time
	go func() {
		time.Sleep(50 * time.Millisecond) // while the run drains
		cs[1].deliver(menu(cs[1]), t0.Add(5*time.Second))
	}()
	started := time.Now()
	r.awaitReplies(context.Background())
	require.GreaterOrEqual(t, time.Since(started), 300*time.Millisecond, "waits Drain for the third customer")

	rep := r.report(t0)
	require.Equal(t, 3, rep.Inbound)
	require.Equal(t, 1, rep.Late, "the second customer's turn came after the 1s reply timeout")
	require.Equal(t, 2, rep.Lost, "the third customer's two replies never came")
	require.Equal(t, 2, rep.TurnsOK, "a late turn is still a correct one")
	require.Equal(t, 1, rep.TurnsBad)
	require.False(t, rep.OK())
}
