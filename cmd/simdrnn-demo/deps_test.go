package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoTestingDependency checks that the demo, a program users run, links
// neither the testing package nor the test-support packages.
func TestNoTestingDependency(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, string(out))
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/simdrnn/simdrnn/kernels", "go list -deps lists the demo's dependencies")
	for _, banned := range []string{"testing", "github.com/simdrnn/simdrnn/internal/testutil/kerneltest", "github.com/simdrnn/simdrnn/internal/testutil/ref", "github.com/simdrnn/simdrnn/internal/testutil/guard"} {
		require.NotContains(t, deps, banned)
	}
}
