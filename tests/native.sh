# native.sh - sourced by the test runners that compare a guest with a "native" run.
# native_ok FILE: FILE is an ELF program for the host's own machine (its e_machine is that
# of /bin/sh), so it can run natively; any other machine needs a qemu-user reference.
native_ok() {
	[ "$(od -An -tu2 -j18 -N2 "$1")" = "$(od -An -tu2 -j18 -N2 /bin/sh)" ]
}
