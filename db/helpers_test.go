package db_test

import (
	"strings"
	"time"
)

// now is truncated to Postgres' microsecond precision so round trips compare equal.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func lower(s string) string { return strings.ToLower(s) }
