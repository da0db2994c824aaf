package cluster

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A reused run directory must get back the key its database was sealed
// with, or every webhook fails to decrypt the number's secrets.
func TestKeptSecret_SurvivesReuse(t *testing.T) {
	dir := t.TempDir()
	first, err := keptSecret(dir, "encryption-key", 32)
	require.NoError(t, err)
	again, err := keptSecret(dir, "encryption-key", 32)
	require.NoError(t, err)
	require.Equal(t, first, again)
	info, err := os.Stat(filepath.Join(dir, "encryption-key"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "a key file is private")

	other, err := keptSecret(t.TempDir(), "encryption-key", 32)
	require.NoError(t, err)
	require.NotEqual(t, first, other, "a new directory gets a new key")
}
