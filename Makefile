# vvm build.  `make` builds build/vvm and build/libvvm.a; `make check` installs
# what the tests need and runs them; `make demo` runs the examples; `make
# guest` builds the rv64-virt guest (Linux, busybox) into ~/.cache/vvm/guest.
#   make CC=clang          build with clang
#   make SANITIZE=1        ASan+UBSan build in build-san/
#   make check SANITIZE=1  the tests against that build

CC ?= cc
ifeq ($(origin CC),default)
CC := cc
endif
HOSTCC ?= $(CC)

ifeq ($(SANITIZE),1)
B := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT ?= -O1 -g
else
B ?= build
SANFLAGS :=
OPT ?= -O2 -g
endif

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS_ALL := -std=gnu11 $(OPT) $(WARN) -I. -I$(B)/gen -D_GNU_SOURCE -pthread $(SANFLAGS) $(CFLAGS)
LDFLAGS_ALL := -pthread $(SANFLAGS) $(LDFLAGS)
# libfdt (Debian's libfdt-dev): rv64-virt's device tree; libzstd
# (libzstd-dev): its saved states; both linked in from their static
# archives, so that a run starts without loading them.  libslirp
# (libslirp-dev): rv64-virt's user networking, loaded (with the glib it
# needs) only by a machine that has it (core/dynlib.h), by the soname of
# the library the -dev package links (read when that file is compiled).
# A program linking libvvm.a links $(LIBS): $(B)/libvvm.libs says them (the
# tests and fuzz targets read it)
LIBS := -l:libfdt.a -l:libzstd.a -lm -ldl
SLIRP_SONAME = $(or $(shell objdump -p "$$($(CC) -print-file-name=libslirp.so)" 2>/dev/null | awk '/SONAME/ { print $$2 }'),libslirp.so.0)
$(B)/obj/machines/virt/virtio_net.o: CFLAGS_ALL += -DVVM_SLIRP_SONAME='"$(SLIRP_SONAME)"'

# Layers, bottom up.  Every .c file in these folders goes into libvvm.a.
LIB_DIRS := core meta meta/vm engine isa/riscv os/linux machines machines/virt
# The translation tier's host layer: code buffer and code memory, the x86-64 encoder.
LIB_DIRS += engine/host engine/host/x86_64
LIB_SRC := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
CLI_SRC := $(wildcard cli/*.c)
LIB_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC))
CLI_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(CLI_SRC))
DEPS := $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)

ISA_RISCV := $(sort $(wildcard isa/riscv/*.isa))
GEN_RISCV := $(B)/gen/rv_gen.h

.PHONY: all check demo bench bench-virt fuzz clean deps examples guest
all: $(B)/vvm $(B)/libvvm.a $(B)/libvvm.libs $(B)/embed

# The description compilers share one front end (tools/desc.c: reader,
# checked RTL trees, error printer); isagen builds its runtime RTL table with
# the engine's own builder (engine/rtl.c).
DESC_SRC := tools/desc.c tools/desc.h meta/sexp.c meta/sexp.h
$(B)/isagen: tools/isagen.c $(DESC_SRC) engine/rtl.c engine/rtl.h engine/rtl_fp.h engine/rtl_ops.def engine/atomic.h engine/host/x86_64/cpuid.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O1 -g $(WARN) -I. -o $@ tools/isagen.c tools/desc.c engine/rtl.c engine/host/x86_64/cpuid.c meta/sexp.c -lm

# One description, every derived table: decoder, interpreter bodies, disassembler.
$(GEN_RISCV): $(B)/isagen $(ISA_RISCV)
	@mkdir -p $(dir $@)
	$(B)/isagen -p rv -o $(B)/gen $(ISA_RISCV)

# The meta VM's bytecode (meta/vm/bytecode.isa) and prelude, the same way.
GEN_VML := $(B)/gen/vml_ops.h
$(B)/vmlgen: tools/vmlgen.c $(DESC_SRC)
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O1 -g $(WARN) -I. -o $@ tools/vmlgen.c tools/desc.c meta/sexp.c

$(GEN_VML): $(B)/vmlgen meta/vm/bytecode.isa meta/vm/prelude.vml
	@mkdir -p $(dir $@)
	$(B)/vmlgen -o $(B)/gen -e meta/vm/prelude.vml meta/vm/bytecode.isa

# The rv64-linux guests' vDSO (os/linux/vdso): riscv64 code built with the
# cross toolchain (make deps) and embedded in vvm as a generated header.
RV_CC ?= riscv64-linux-gnu-gcc
GEN_VDSO := $(B)/gen/vdso_image.h
VDSO_DEPS := os/linux/vdso/vdso.c os/linux/vdso/sigreturn.S os/linux/vdso/vdso.lds os/linux/vdso/vvar.h \
             isa/riscv/rv_timebase.h
$(B)/gen/vdso.so: $(VDSO_DEPS)
	@mkdir -p $(dir $@)
	@command -v $(RV_CC) >/dev/null || { echo "$(RV_CC) not found: the vDSO needs the riscv64 cross compiler (make deps)" >&2; exit 1; }
	$(RV_CC) -std=gnu11 -O2 $(WARN) -I. -march=rv64gc -mabi=lp64d -fPIC -ffreestanding -fno-stack-protector \
	  -nostdlib -shared -Wl,-soname=linux-vdso.so.1 -Wl,--hash-style=both -Wl,--eh-frame-hdr \
	  -Wl,-z,max-page-size=4096 -Wl,--build-id=none -Wl,-T,os/linux/vdso/vdso.lds \
	  -o $@ os/linux/vdso/vdso.c os/linux/vdso/sigreturn.S
$(GEN_VDSO): $(B)/gen/vdso.so scripts/vdso-embed.sh
	bash scripts/vdso-embed.sh $< $@

$(B)/obj/%.o: %.c | $(GEN_RISCV) $(GEN_VML) $(GEN_VDSO)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(B)/libvvm.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libvvm.libs: Makefile
	@mkdir -p $(dir $@)
	echo '$(LIBS)' >$@

$(B)/vvm: $(CLI_OBJ) $(B)/libvvm.a
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(B)/libvvm.a $(LIBS)

$(B)/embed: examples/embed.c $(B)/libvvm.a include/vvm/vvm.h
	$(CC) $(CFLAGS_ALL) -Iinclude -o $@ examples/embed.c $(B)/libvvm.a $(LIBS)

# capstone (Debian's libcapstone-dev) disassembles host code.  It is linked
# only into the x86-64 encoder's test; vvm dlopens it for --trace translate
# (os/linux/trace.c: its headers only at build time), so vvm's size,
# start-up and RSS stay as they are.
CAPSTONE_LIBS := -lcapstone
$(B)/tests/jit/x64_test: tests/jit/x64_test.c $(B)/libvvm.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(B)/libvvm.a $(CAPSTONE_LIBS) $(LIBS)

deps:
	bash scripts/install-deps.sh

examples: $(B)/vvm
	$(MAKE) -C examples B=$(abspath $(B))

demo: deps all
	$(MAKE) -C examples B=$(abspath $(B)) demo

check: deps
	$(MAKE) all
	bash scripts/guest-ensure.sh
	B=$(B) SANITIZE=$(SANITIZE) bash tests/run.sh

# make bench ends with bench-virt's tables (skipped, saying why, without the guest)
bench: deps all
	B=$(B) bash bench/run.sh
	B=$(B) bash bench/virt.sh

# rv64-virt against qemu-system-riscv64 on the guest of make guest (bench/virt.sh)
bench-virt: deps all
	B=$(B) bash bench/virt.sh

fuzz: deps
	B=$(B) FUZZ_SECONDS=$${FUZZ_SECONDS:-300} bash fuzz/run.sh

# The rv64-virt guest (Linux + busybox from Debian's sources, for riscv64),
# built once and cached in ~/.cache/vvm/guest (docs/guest-linux.md).  make
# check builds it too when it is missing (scripts/guest-ensure.sh;
# VVM_GUEST_BUILD=0 make check does not) and boots it on qemu-system-riscv64
# (tests/guest) and on vvm (tests/virt).
guest:
	bash scripts/install-deps.sh guest
	bash scripts/guest-linux.sh build

clean:
	rm -rf build build-san build-fuzz

-include $(DEPS)
