# Nothing to do: scripts/guest-qemu.sh bench -script tests/guest/poweroff.sh
# times a boot to the init and straight to power-off (docs/guest-linux.md).
true
