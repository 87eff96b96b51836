# shellcheck shell=bash
# grub-oneshot, on the host after the boots (helpers: lib/chain.sh)
check_boot_1() {
  expect_default_entry 1; expect_end 1
  expect_line 1 '^E2E GRUBENV next_entry=e2e-alt$' "grub-reboot did not set next_entry"
}
check_boot_2() { # the one-shot entry ran, and next_entry was already cleared by GRUB
  expect_entry 2 'e2e alt'; expect_end 2; expect_cmdline 2 e2e.entry=alt
  expect_no_line 2 '^E2E GRUBENV next_entry=e2e-alt' "GRUB did not clear next_entry"
}
check_boot_3() { # the panicking entry: its init exits, the kernel panics, QEMU exits
  expect_entry 3 'e2e panic'; expect_no_end 3
  expect_console 3 'Kernel panic - not syncing: Attempted to kill init'
}
check_boot_4() { # with nobody acting: the saved default again, not the alt entry
  expect_default_entry 4; expect_end 4; expect_no_cmdline 4 e2e.entry=
  expect_line 4 '^E2E BOOT 4 ' "the init did not see the suite's boot number"
}
