package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/wabuilder/wab/deploy/localstack"
)

// Build compiles the wab binary into dir and returns its path: what tests
// run (a test binary is not wab, so os.Executable will not do). It needs
// the Go toolchain and runs from the repository root. $WAB_BINARY, if set,
// is used instead (a binary built beforehand).
func Build(ctx context.Context, dir string) (string, error) {
	if bin := os.Getenv("WAB_BINARY"); bin != "" {
		return bin, nil
	}
	root, err := localstack.RepoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "wab")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/wab")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/wab: %w\n%s", err, msg)
	}
	return out, nil
}
