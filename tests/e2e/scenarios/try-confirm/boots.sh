# shellcheck shell=sh
# try-confirm, inside the emulated host (guest/e2e-boots runs
# vfioplan-try.service as systemd would, then boot_N, at the end of boot N)
boot_1() { # the default entry, no vfioplan configuration yet
  e2e_install_vfioplan || return 1
  e2e_try_start
}
boot_2() { # the try entry (GRUB's one-shot); the unit has run --finish
  e2e_try_state
}
boot_3() { # the default entry, after the confirmation
  e2e_try_state
}
