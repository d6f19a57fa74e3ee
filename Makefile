# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tcptrace: `make` builds ./tcptrace, `make test` runs every suite, V=1 shows commands.

OUTPUT ?= build
PREFIX ?= /usr/local
DESTDIR ?=
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= gcc
PKG_CONFIG ?= pkg-config

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
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

BUILD_DEPS := clang llvm gcc make pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
# libclang-rt-dev: the sanitizer and libFuzzer runtimes of Debian's default
# clang (libclang-rt-14-dev on Debian 12), which clang only recommends.
TEST_DEPS := libcmocka-dev jq iproute2 util-linux qemu-system-x86 busybox-static xz-utils binutils \
	     libclang-rt-dev

.PHONY: all clean install test unit unit-asan fuzz fuzz-corpus live vmtest deps test-deps vmlinux
.DELETE_ON_ERROR:

all: tcptrace

tcptrace: $(APP_OBJS) $(LIB_OBJS)
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

$(OUTPUT)/tracer.o: $(OUTPUT)/tcptrace.skel.h

$(OUTPUT)/%.o: src/%.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) -lcmocka -o $@

$(LIVE_HELPER): tests/live/tcpcase.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

test: unit unit-asan fuzz live vmtest

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

# The live suite on this kernel: both tracepoint forms, each with both
# transports, and auto (which must pick tp_btf where kprobes and fentry are
# missing).
live: tcptrace $(LIVE_HELPER)
	$(Q)tests/live/run.sh --backend tp_btf --transport ringbuf
	$(Q)tests/live/run.sh --backend tp_btf --transport perf
	$(Q)tests/live/run.sh --backend tracepoint --transport ringbuf
	$(Q)tests/live/run.sh --backend tracepoint --transport perf
	$(Q)tests/live/run.sh --backend auto --expect-backend tp_btf

# The live suite in a QEMU guest on Debian's stock kernel, every form.
vmtest: tcptrace $(LIVE_HELPER)
	$(Q)tests/vm/vmtest.sh

vmlinux:
	$(call msg,GEN,$(VMLINUX_DIR)/vmlinux.h)
	$(Q)mkdir -p $(VMLINUX_DIR)
	$(Q){ echo '/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */'; \
	   echo "/* Generated by 'make vmlinux' with $$($(BPFTOOL) version | head -1) from the BTF of kernel $$(uname -r) ($$(uname -m)). */"; \
	   $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c; } > $(VMLINUX_DIR)/vmlinux.h

deps:
	$(Q)./scripts/install-deps.sh $(BUILD_DEPS)

test-deps:
	$(Q)./scripts/install-deps.sh $(BUILD_DEPS) $(TEST_DEPS)

install: tcptrace
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/sbin/tcptrace)
	$(Q)install -D -m 0755 tcptrace $(DESTDIR)$(PREFIX)/sbin/tcptrace

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
