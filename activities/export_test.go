package activities

import "time"

// SetPendingGrace shortens how long a retried send waits for a status
// webhook to name its message (pendingGrace), for tests.
func SetPendingGrace(a *Activities, d time.Duration) { a.pendingGrace = d }
