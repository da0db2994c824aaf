package localstack

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFreePort_ReservedYetBindable checks the port FreePort returns is held
// in TIME_WAIT (so the kernel does not give it to the next bind(:0), such as
// the Temporal CLI's own port picks) and can still be listened on.
func TestFreePort_ReservedYetBindable(t *testing.T) {
	t.Parallel()
	port, err := FreePort(context.Background())
	require.NoError(t, err)

	tcp, err := os.ReadFile("/proc/net/tcp")
	require.NoError(t, err)
	require.True(t, timeWait(string(tcp), port), "port %d is in TIME_WAIT", port)

	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:"+strconv.Itoa(port))
	require.NoError(t, err, "an explicit listen on the port succeeds")
	require.NoError(t, l.Close())
}

// timeWait reports whether /proc/net/tcp lists a local port in TIME_WAIT (06).
func timeWait(table string, port int) bool {
	local := fmt.Sprintf(":%04X", port)
	for _, line := range strings.Split(table, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasSuffix(f[1], local) && f[3] == "06" {
			return true
		}
	}
	return false
}
