# simdrnn: `make test` runs every check and installs what it needs (as root on
# Debian); `make demo` runs the showcase.
SHELL := /bin/bash
GO ?= go
COUNT ?= 6
FUZZTIME ?= 2000x

comma := ,

# Levels the CPU reports, read from /proc/cpuinfo independently of
# golang.org/x/sys/cpu: the tests fail if any of them is not exercised.
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
# Only the levels simdrnn implements count: a CPU with AVX512F owes avx2 and
# generic (there is no AVX-512 level).
REQUIRE_LEVELS := generic$(if $(and $(filter avx2,$(CPU_FLAGS)),$(filter fma,$(CPU_FLAGS))),$(comma)avx2)
STRICT := SIMDRNN_STRICT_LEVELS=1 SIMDRNN_REQUIRE_LEVELS=$(REQUIRE_LEVELS)

# Explicit timeouts, far above what a quiet 2-core machine needs (the
# longest package takes about 1 min natively and 4 min under qemu), so a
# loaded machine does not hit go test's default of 10 minutes.
NATIVE := -count=1 -timeout 20m
EMULATED := -count=1 -timeout 40m

.PHONY: precision-accuracy test-torch all deps generate check-generated check-neon-words vet test test-native test-purego test-godebug test-qemu-x86 test-arm64 fuzz fuzz-arm64 exhaustive exhaustive-neon bench bench-peers demo

all: test

deps:
	@scripts/deps.sh

generate:
	$(GO) generate ./kernels

check-generated:
	@scripts/check-generated.sh

vet:
	$(GO) vet ./...
	$(GO) vet -tags purego ./...
	GOARCH=arm64 $(GO) vet ./...
	GOARCH=arm64 $(GO) vet -tags purego ./...
	cd asm && $(GO) vet ./...

test: deps check-generated check-neon-words vet test-native test-purego test-godebug test-qemu-x86 test-arm64 test-torch
	@echo "make test: all checks passed"

# The checks against PyTorch that need it installed (Debian's python3-torch;
# the rest of make test compares with vectors PyTorch made, in testdata).
test-torch:
	@if /usr/bin/python3 -c 'import torch' 2>/dev/null; then \
		$(MAKE) --no-print-directory precision-accuracy; \
	else \
		echo "test-torch: python3-torch is not installed (apt-get install python3-torch): the PyTorch accuracy comparison did not run"; \
	fi

# SIMDRNN_CONVERT_EXHAUSTIVE: F32ToF16 and F32ToBF16 on all 2³² inputs
# (about 20 s of the kernels package on 2 cores).
test-native:
	$(STRICT) SIMDRNN_CONVERT_EXHAUSTIVE=1 $(GO) test $(NATIVE) ./...
	$(GO) test $(NATIVE) -race -short ./cells/...

test-purego:
	SIMDRNN_EXPECT_LEVEL=generic $(GO) test $(NATIVE) -tags purego ./...

# GODEBUG switches walk down the cascade on this CPU.
test-godebug:
	GODEBUG=cpu.avx2=off SIMDRNN_EXPECT_LEVEL=generic $(GO) test $(NATIVE) ./kernels ./fuzz
	GODEBUG=cpu.fma=off SIMDRNN_EXPECT_LEVEL=generic $(GO) test $(NATIVE) ./kernels

# Emulated x86 CPUs prove the dispatch on CPUs this machine is not.
test-qemu-x86:
	SIMDRNN_EXPECT_LEVEL=avx2 SIMDRNN_REQUIRE_LEVELS=avx2,generic $(GO) test $(EMULATED) -short -exec 'qemu-x86_64-static -cpu Haswell' ./kernels ./fuzz 2> >(grep -v 'TCG doesn.t support requested feature' >&2)
	SIMDRNN_EXPECT_LEVEL=generic $(GO) test $(EMULATED) -short -exec 'qemu-x86_64-static -cpu Nehalem' ./kernels ./fuzz 2> >(grep -v 'TCG doesn.t support requested feature' >&2)

# arm64 under qemu: the default emulated CPU and a Cortex-A72 must select
# neon (the first run, full and strict, fails if neon is not exercised, and
# if the default CPU lacks the dot product its SDOT int8 kernels need; the
# Cortex-A72 has none, so its run covers the plain int8 kernels' dispatch);
# cpu.asimd=off must fall back to generic. The dispatch-only runs use -short,
# and so does bptt's: its long training tests (TestAddingProblem) run in the
# native and purego runs, its gradient and equivalence tests under qemu too.
test-arm64:
	GOARCH=arm64 SIMDRNN_EXPECT_LEVEL=neon SIMDRNN_STRICT_LEVELS=1 SIMDRNN_REQUIRE_LEVELS=neon,generic SIMDRNN_REQUIRE_DOTPROD=1 $(GO) test $(EMULATED) -exec qemu-aarch64-static $$($(GO) list ./... | grep -v '/bptt$$')
	GOARCH=arm64 SIMDRNN_EXPECT_LEVEL=neon SIMDRNN_STRICT_LEVELS=1 SIMDRNN_REQUIRE_LEVELS=neon,generic $(GO) test $(EMULATED) -short -exec qemu-aarch64-static ./bptt
	QEMU_CPU=cortex-a72 GOARCH=arm64 SIMDRNN_EXPECT_LEVEL=neon SIMDRNN_REQUIRE_LEVELS=neon,generic $(GO) test $(EMULATED) -short -exec qemu-aarch64-static ./kernels ./fuzz
	GOARCH=arm64 SIMDRNN_EXPECT_LEVEL=generic $(GO) test $(EMULATED) -short -exec 'env GODEBUG=cpu.asimd=off qemu-aarch64-static' ./kernels ./fuzz
	GOARCH=arm64 SIMDRNN_EXPECT_LEVEL=generic $(GO) test $(EMULATED) -short -tags purego -exec qemu-aarch64-static ./...

# Every WORD in the arm64 assembly must disassemble to the instruction its
# comment names; the encoder is checked against GNU as.
check-neon-words:
	cd asm && $(GO) test $(NATIVE) ./... && $(GO) run ./neon/wordcheck ..

fuzz:
	@for target in $$($(GO) test -list 'Fuzz.*' ./fuzz | grep '^Fuzz'); do \
		echo "== $$target"; \
		$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) ./fuzz || exit 1; \
	done

# The fuzz targets for arm64 under qemu (fuzz workers exec the arm64 test
# binary themselves, which needs qemu registered with binfmt_misc).
fuzz-arm64:
	@scripts/binfmt-arm64.sh
	@for target in $$(GOARCH=arm64 $(GO) test -list 'Fuzz.*' ./fuzz | grep '^Fuzz'); do \
		echo "== $$target (arm64)"; \
		GOARCH=arm64 $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) ./fuzz || exit 1; \
	done

# Sigmoid and Tanh at every level on all 2³² float32 inputs against float64
# math; prints the maximum ULP error and where (about 4 min on 2 cores).
exhaustive:
	SIMDRNN_EXHAUSTIVE=1 $(GO) test -count=1 -run '^TestActivationExhaustive$$' -v -timeout 30m ./kernels

# The NEON level of Sigmoid and Tanh under qemu: every float32 in [−10, 10]
# plus every 4097th bit pattern (the full 2³² would take hours emulated).
# The results stream from the emulated producer to a native checker.
exhaustive-neon:
	GOARCH=arm64 $(GO) build -o bin/actsweep-arm64 ./internal/tools/actsweep
	$(GO) build -o bin/actsweep ./internal/tools/actsweep
	bin/actsweep -func sigmoid -level neon -producer 'qemu-aarch64-static bin/actsweep-arm64' & \
	bin/actsweep -func tanh -level neon -producer 'qemu-aarch64-static bin/actsweep-arm64'; status=$$?; wait $$! && exit $$status

# Issue 15's accuracy table: simdrnn at every weight precision against
# PyTorch's float32 and quantize_dynamic qint8 outputs (nn.LSTM / nn.GRU,
# H = 64 … 1,024, T = 100); fails when a bar is missed (f16 ≤ 1e-3,
# bf16 ≤ 1e-2, int8 ≤ PyTorch qint8). Needs Debian's python3-torch.
PRECACC := /tmp/simdrnn-precacc
precision-accuracy:
	/usr/bin/python3 bench/peers/precision_accuracy.py $(PRECACC)
	$(GO) run ./internal/tools/precacc $(foreach c,lstm gru,$(foreach h,64 128 256 512 1024,$(PRECACC)/$(c)-$(h).safetensors))

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count $(COUNT) ./bench | tee bench/out.txt
	$(GO) run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da bench/out.txt

bench-peers:
	cd bench/peers && COUNT=$(COUNT) ./run.sh

# The showcase (about 25 s on two AVX2 cores; nothing to download beyond the
# Go modules): an LSTM and a GRU trained on a sequence-classification task
# and on the adding problem, the trained LSTM streamed step by step with its
# latency at every level, and the kernels' throughput at every level.
demo:
	$(GO) run ./cmd/simdrnn-demo
