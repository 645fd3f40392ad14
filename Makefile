# A thin wrapper over meson; the build directory is build/.
#   make demo    set up, build, then show the examples running on every architecture
#   make test    set up, build, run every test suite
#   make build   set up and build
#   make bench   set up, build, time the bench guest (native, qemu-user, mmuemu)
#   make clean   remove build/
# Every target can be run again: set-up installs only what is missing, meson configures
# only once, ninja rebuilds only what changed.

BUILD := build
EMU := $(BUILD)/emu/mmuemu
EX := $(BUILD)/examples

.PHONY: all setup build test demo bench clean

all: build

setup:
	bash .ci/setup

build: setup
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD)
	ninja -C $(BUILD)

test: build
	meson test -C $(BUILD) --print-errorlogs

bench: build
	bash bench/run.sh $(EMU) $(BUILD)/bench/bench-x86_64 $(BUILD)/bench/bench-arm64

# A guest that faults exits with 139; the demo shows the status and goes on.
define show
	@echo; echo "\$$ $(1)"; $(1); echo "[exit status $$?]"
endef

# show_all NAME: the example NAME on every architecture that was built (arch/*/ folders
# in the 'arches' option whose compiler was found).
define show_all
	@for b in $(EX)/$(1)-*; do echo; echo "\$$ $(EMU) $$b"; $(EMU) $$b; echo "[exit status $$?]"; done
endef

demo: build
	@echo "=== hello on every architecture"
	$(call show_all,hello)
	@echo; echo "=== munmap_fault: a read of a page munmap took away, and the fault report"
	$(call show_all,munmap_fault)
	$(call show,$(EMU) $(BUILD)/tests/signals/segv_munmap-arm64)
	@echo; echo "=== stale_tlb: with the TLB flush the read faults; without it, a stale read"
	$(call show,$(EMU) $(EX)/stale_tlb-x86_64)
	$(call show,$(EMU) --no-tlb-flush $(EX)/stale_tlb-x86_64)
	$(call show,$(EMU) --no-tlb-flush $(EX)/stale_tlb-arm64)
	@echo; echo "=== pgtable_share on every architecture"
	$(call show_all,pgtable_share)
	@echo; echo "=== pgtable_share: page-table pages on x86_64 and arm64, side by side"
	$(call show,$(EMU) --compare=$(EX)/pgtable_share-arm64 $(EX)/pgtable_share-x86_64)
	@if [ -e $(EX)/pgtable_share-riscv64 ]; then echo; echo "=== pgtable_share: riscv64 (Sv57, five levels) beside x86_64"; fi
	@if [ -e $(EX)/pgtable_share-riscv64 ]; then echo; echo "\$$ $(EMU) --compare=$(EX)/pgtable_share-riscv64 $(EX)/pgtable_share-x86_64"; \
		$(EMU) --compare=$(EX)/pgtable_share-riscv64 $(EX)/pgtable_share-x86_64; echo "[exit status $$?]"; fi

clean:
	rm -rf $(BUILD)
