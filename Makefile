# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tcptrace: `make` builds ./tcptrace, `make test` runs every suite, V=1 shows commands.

# The target architecture: ARCH (x86 or arm64; x86_64 and aarch64 are
# taken too), else the host's. Another architecture than the host's builds
# in build/ARCH and only the BPF object (`make bpf ARCH=arm64`, clang alone
# cross-builds it), unless CC is a cross compiler.
HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ARCH ?= $(HOST_ARCH)
override ARCH := $(patsubst x86_64,x86,$(patsubst amd64,x86,$(patsubst aarch64,arm64,$(ARCH))))
ifeq ($(ARCH),$(HOST_ARCH))
OUTPUT ?= build
else
OUTPUT ?= build/$(ARCH)
endif
PREFIX ?= /usr/local
DESTDIR ?=
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
LLVM_OBJDUMP ?= llvm-objdump
BPFTOOL ?= bpftool
CC ?= gcc
PKG_CONFIG ?= pkg-config

VMLINUX_DIR := vmlinux/$(ARCH)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-9s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

CFLAGS ?= -g -O2
# override: a CFLAGS given on the command line (as unit-asan and fuzz do)
# replaces -g -O2 only, not what the build needs.
override CFLAGS += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -MMD -MP \
	  -Iinclude -Isrc -I$(OUTPUT) -DTCPTRACE_VERSION='"$(VERSION)"'
# One self-contained binary by default: libbpf, libelf and zlib linked
# statically (Debian's -dev packages ship the .a files). DYNAMIC=1 links
# them as shared libraries.
ifeq ($(DYNAMIC),1)
LDLIBS_BPF := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz
else
LDLIBS_BPF := -static $(shell $(PKG_CONFIG) --static --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall \
	      -I$(VMLINUX_DIR) -Iinclude -Ibpf -fdebug-prefix-map=$(CURDIR)=.

# Everything in src/ but the files that know libbpf is plain logic that the
# unit tests link without BPF.
APP_ONLY := src/main.c src/tracer.c src/probe.c
LIB_SRCS := $(filter-out $(APP_ONLY),$(wildcard src/*.c))
LIB_OBJS := $(patsubst src/%.c,$(OUTPUT)/%.o,$(LIB_SRCS))
APP_OBJS := $(patsubst src/%.c,$(OUTPUT)/%.o,$(APP_ONLY))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
LIVE_HELPER := $(OUTPUT)/tests/tcpcase
HOSTILE_HELPERS := $(OUTPUT)/tests/commconn $(OUTPUT)/bench/connrate
LIVE_STORM := $(OUTPUT)/tests/tcpstorm
LIVE_DENY := $(OUTPUT)/tests/deny_connect.bpf.o
LIVE_BINS := $(LIVE_HELPER) $(LIVE_STORM) $(LIVE_DENY)

BUILD_DEPS := clang llvm gcc make pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
# kubectl for the manifest check: Debian's kubernetes-client, unless some
# kubectl is there already (Google's kubectl package owns the same path).
KUBECTL_DEP := $(if $(shell command -v kubectl 2>/dev/null),,kubernetes-client)
# libclang-rt-dev: the sanitizer and libFuzzer runtimes of Debian's default
# clang (libclang-rt-14-dev on Debian 12), which clang only recommends.
TEST_DEPS := libcmocka-dev jq iproute2 util-linux qemu-system-x86 busybox-static xz-utils binutils \
	     groff-base bsdextrautils libclang-rt-dev nftables runc podman \
	     $(KUBECTL_DEP)

# The image: FROM scratch, the one binary (deploy/Containerfile).
IMAGE ?= localhost/tcptrace:$(VERSION)
PODMAN ?= podman

.PHONY: all clean install install-check test unit unit-asan fuzz fuzz-corpus hostile live vmtest \
	deps test-deps vmlinux bpf cross-bpf image
.DELETE_ON_ERROR:

# User space for another architecture needs a cross compiler (and that
# architecture's libbpf, libelf and zlib): without one, say so rather than
# build a host binary around a foreign BPF object.
ifneq ($(ARCH),$(HOST_ARCH))
ifeq ($(origin CC),default)
CROSS_CHECK = $(error ARCH=$(ARCH) on this $(HOST_ARCH) host builds the BPF object only (make bpf ARCH=$(ARCH)); user space needs CC=<$(ARCH) cross compiler>)
endif
endif

all: tcptrace

tcptrace: $(APP_OBJS) $(LIB_OBJS)
	$(CROSS_CHECK)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS_BPF) -o $@

$(OUTPUT) $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/tcptrace.bpf.o: bpf/tcptrace.bpf.c $(wildcard bpf/*.h) include/tcptrace.h $(VMLINUX_DIR)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/tcptrace.skel.h: $(OUTPUT)/tcptrace.bpf.o Makefile
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name tcptrace_bpf > $@

# The BPF object alone: `make bpf ARCH=arm64` (or `make bpf-arm64`) builds
# build/arm64/tcptrace.bpf.o on any host.
bpf: $(OUTPUT)/tcptrace.bpf.o

bpf-%:
	$(Q)$(MAKE) ARCH=$* OUTPUT=$(if $(filter $*,$(HOST_ARCH)),$(OUTPUT),$(OUTPUT)/$*) bpf

# The BPF object of every other architecture with a vmlinux.h, built in
# $(OUTPUT)/ARCH (this host's build/ stays as it is), opened by bpftool gen
# skeleton, and checked against this host's: the same programs and maps,
# with that architecture's registers (scripts/check-bpf-object.sh).
CROSS_ARCHS ?= $(filter-out $(HOST_ARCH),$(notdir $(wildcard vmlinux/*)))

cross-bpf: $(OUTPUT)/tcptrace.bpf.o
	$(if $(filter-out $(HOST_ARCH),$(ARCH)),$(error make cross-bpf builds every architecture but the host's against the host's: run it without ARCH))
	$(Q)set -e; for a in $(CROSS_ARCHS); do \
		$(MAKE) ARCH=$$a OUTPUT=$(OUTPUT)/$$a $(OUTPUT)/$$a/tcptrace.skel.h; \
		LLVM_OBJDUMP=$(LLVM_OBJDUMP) BPFTOOL=$(BPFTOOL) scripts/check-bpf-object.sh \
			$$a $(OUTPUT)/$$a/tcptrace.bpf.o $(OUTPUT)/tcptrace.bpf.o; \
	done

$(OUTPUT)/tracer.o: $(OUTPUT)/tcptrace.skel.h

$(OUTPUT)/%.o: src/%.c | $(OUTPUT)
	$(CROSS_CHECK)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) -lcmocka -o $@

$(LIVE_HELPER): tests/live/tcpcase.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(LIVE_STORM): tests/live/tcpstorm.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

# The eperm case's cgroup/connect4 program (run.sh loads it with bpftool).
$(LIVE_DENY): tests/live/deny_connect.bpf.c $(VMLINUX_DIR)/vmlinux.h | $(OUTPUT)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@


$(OUTPUT)/tests/commconn: tests/hostile/commconn.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

# The benchmark's load generator (bench/run.sh builds it the same way).
$(OUTPUT)/bench/connrate: bench/connrate.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -Wall -Wextra -std=gnu11 $< -o $@ -lm

test: unit unit-asan install-check cross-bpf fuzz image hostile live vmtest

unit: $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do $$t; done

# The sanitizer builds: every library object and test rebuilt by clang with
# the flags, each in a folder of its own under $(OUTPUT), never mixed with the
# normal build's objects. Any finding fails the run: ASan's always, UBSan's
# through -fno-sanitize-recover.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	   UBSAN_OPTIONS=print_stacktrace=1
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=all
FUZZ_DIR := $(OUTPUT)/fuzz
FUZZ_SECONDS ?= 60

# The unit tests under AddressSanitizer and UndefinedBehaviorSanitizer.
unit-asan:
	$(Q)$(SAN_ENV) $(MAKE) OUTPUT=$(OUTPUT)/asan CC=$(CLANG) CFLAGS='-g -O1 $(SAN_FLAGS)' unit

# libFuzzer on the decoder and both writers (tests/fuzz/fuzz_output.c) for
# FUZZ_SECONDS, from the seeds in tests/fuzz/corpus; what it finds goes to
# $(FUZZ_DIR)/corpus, a crash's input to $(FUZZ_DIR)/crash-*.
fuzz:
	$(Q)$(MAKE) OUTPUT=$(FUZZ_DIR) CC=$(CLANG) \
		CFLAGS='-g -O1 $(FUZZ_FLAGS)' \
		$(FUZZ_DIR)/fuzz_output
	$(Q)$(SAN_ENV) tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# Only made by `make fuzz`, in its own OUTPUT with its flags.
$(OUTPUT)/fuzz_output: tests/fuzz/fuzz_output.c tests/fuzz/fuzz_input.h $(LIB_OBJS) | $(OUTPUT)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $< $(LIB_OBJS) -o $@

# Regenerates the fuzzer's seeds (tests/fuzz/mkcorpus.c), committed.
MKCORPUS := $(OUTPUT)/tests/mkcorpus

$(MKCORPUS): tests/fuzz/mkcorpus.c tests/fuzz/fuzz_input.h $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@

fuzz-corpus: $(MKCORPUS)
	$(Q)$(MKCORPUS) tests/fuzz/corpus

# tcptrace against bad input, missing privileges and kernel pieces, broken
# or stuck stdout, signals, floods and hostile process names.
hostile: tcptrace $(HOSTILE_HELPERS)
	$(Q)tests/hostile/run.sh --backend tp_btf

# The live suite on this kernel: both tracepoint forms, the default one
# (tp_btf) with the ring buffer and the storm at full scale (10^5 connects of
# each kind), the classic one with the perf buffer and a tenth of the storm;
# the first run adds the container checks that are the same in every form;
# then which form auto picks (tp_btf where kprobes and fentry are missing).
# With the guest's runs (vmtest) each transport runs under two forms or more,
# and every case in every form.
live: tcptrace $(LIVE_BINS)
	$(Q)LIVE_CT_ALL=1 tests/live/run.sh --backend tp_btf --transport ringbuf
	$(Q)LIVE_STORM_SCALE=0.1 tests/live/run.sh --backend tracepoint --transport perf
	$(Q)LIVE_ONLY=choice tests/live/run.sh --backend auto --expect-backend tp_btf

# The live suite in a QEMU guest on Debian's stock kernel, every form; the
# hostile suite's signal and loss cases with the kprobe and fentry forms.
vmtest: tcptrace $(LIVE_BINS) $(HOSTILE_HELPERS)
	$(Q)tests/vm/vmtest.sh

# vmlinux/ARCH/vmlinux.h from the running kernel's BTF, or with FROM_DEB=1
# from a Debian kernel package of ARCH (scripts/vmlinux-from-deb.sh;
# VMLINUX_KERNEL_PKG picks the package), which any host can do.
vmlinux:
	$(call msg,GEN,$(VMLINUX_DIR)/vmlinux.h)
ifeq ($(FROM_DEB),1)
	$(Q)BPFTOOL=$(BPFTOOL) scripts/vmlinux-from-deb.sh $(ARCH)
else
	$(if $(filter-out $(HOST_ARCH),$(ARCH)),$(error the running kernel is $(HOST_ARCH): make vmlinux ARCH=$(ARCH) FROM_DEB=1))
	$(Q)mkdir -p $(VMLINUX_DIR)
	$(Q){ echo '/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */'; \
	   echo "/* Generated by 'make vmlinux' with $$($(BPFTOOL) version | head -1) from the BTF of kernel $$(uname -r) ($$(uname -m)). */"; \
	   $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c; } > $(VMLINUX_DIR)/vmlinux.h
endif

deps:
	$(Q)./scripts/install-deps.sh $(BUILD_DEPS)

test-deps:
	$(Q)./scripts/install-deps.sh $(BUILD_DEPS) $(TEST_DEPS)

install: tcptrace
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/sbin/tcptrace)
	$(Q)install -D -m 0755 tcptrace $(DESTDIR)$(PREFIX)/sbin/tcptrace
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/share/man/man8/tcptrace.8)
	$(Q)install -D -m 0644 doc/tcptrace.8 $(DESTDIR)$(PREFIX)/share/man/man8/tcptrace.8
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/share/bash-completion/completions/tcptrace)
	$(Q)install -D -m 0644 completion/tcptrace \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/tcptrace

# $(IMAGE), built from build/image/context (the binary alone), and its
# rootfs exported to build/image/rootfs, which the live suite's ct-daemonset
# runs with runc as deploy/daemonset.yaml says (also in the QEMU guest).
image: tcptrace
	$(call msg,IMAGE,$(IMAGE))
	$(Q)rm -rf $(OUTPUT)/image && mkdir -p $(OUTPUT)/image/context $(OUTPUT)/image/rootfs
	$(Q)cp tcptrace $(OUTPUT)/image/context/tcptrace
	$(Q)$(PODMAN) build --quiet --build-arg VERSION=$(VERSION) -f deploy/Containerfile \
		-t $(IMAGE) $(OUTPUT)/image/context >$(OUTPUT)/image/id
	$(Q)cid=$$($(PODMAN) create $(IMAGE)) && \
		{ $(PODMAN) export "$$cid" | tar -x -C $(OUTPUT)/image/rootfs; st=$$?; \
		  $(PODMAN) rm "$$cid" >/dev/null; exit $$st; }

# What make install puts down, and that it works: one binary needing only
# libc, a man page groff renders without a warning, the completion.
install-check: tcptrace
	$(Q)tests/install/check.sh

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) tcptrace

# The benchmark (bench/README.md), never part of `make test`: tcptrace beside
# its peers, then the user-space micro-benchmark where there is one.
BENCH_DEPS := bpftrace libbpf-tools procps util-linux valgrind
BENCH_ARGS ?=
.PHONY: bench bench-deps

bench: tcptrace
	$(Q)bench/run.sh $(BENCH_ARGS)
	$(Q)if $(MAKE) -n bench-fmt >/dev/null 2>&1; then $(MAKE) bench-fmt; fi

bench-deps:
	$(Q)./scripts/install-deps.sh $(BUILD_DEPS) $(BENCH_DEPS)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/tests/*.d)

# The formatter's instructions per event under callgrind (bench/README.md).
FMTBENCH := $(OUTPUT)/bench/fmtbench

$(FMTBENCH): bench/fmtbench.c bench/fmtsamples.h $(LIB_OBJS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@

.PHONY: bench-fmt
bench-fmt: $(FMTBENCH)
	$(Q)bench/fmt-callgrind.sh $(FMTBENCH)
