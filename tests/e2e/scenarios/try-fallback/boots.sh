# shellcheck shell=sh
# try-fallback, inside the emulated host (guest/e2e-boots runs
# vfioplan-try.service as systemd would, then boot_N, at the end of boot N)
boot_1() { # the default entry, no vfioplan configuration yet
  e2e_install_vfioplan || return 1
  e2e_try_start
}
boot_2() { # not reached: the try entry cannot mount its root
  e2e_try_state
}
boot_3() { # the old default entry, with nobody acting; the unit has cancelled
  e2e_try_state
}
boot_4() { # stays on the default
  e2e_try_state
}
