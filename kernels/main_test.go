package kernels_test

import (
	"testing"

	"github.com/simdrnn/simdrnn/internal/testutil/kerneltest"
)

// TestMain fails the run when a level this CPU/build offers was not
// exercised, or when SIMDRNN_REQUIRE_LEVELS / SIMDRNN_EXPECT_LEVEL are not met.
func TestMain(m *testing.M) { kerneltest.Main(m) }
