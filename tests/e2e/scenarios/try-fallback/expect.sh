# shellcheck shell=bash
# try-fallback, on the host after the boots (helpers: lib/chain.sh)
check_boot_1() { # the default entry: vfioplan try
  expect_default_entry 1; expect_end 1
  expect_drv 1 0000:01:00.0 e1000e; expect_drv 1 0000:00:03.0 virtio-pci
  expect_try_started 1
}
check_boot_2() { # GRUB's one-shot: the try entry takes the root disk's controller and never reaches its init
  expect_entry 2 '*vfioplan try*'; expect_no_end 2
  expect_console 2 'Gave up waiting for root|ALERT!|Kernel panic'
}
check_boot_3() { # nobody acted: GRUB's saved default, the host as before; the unit cancels the try
  expect_default_entry 3; expect_end 3
  expect_drv 3 0000:00:03.0 virtio-pci; expect_drv 3 0000:01:00.0 e1000e; expect_drv 3 0000:00:04.0 e1000
  expect_no_cmdline 3 vfioplan.gen=
  expect_unit_finished 3 'cancelled: ' 1
  expect_no_line 3 '^E2E MENU vfioplan-try ' "the try entry is still in the boot menu"
  expect_no_line 3 '^E2E GRUBENV (next|saved)_entry=vfioplan-try$' "GRUB would boot the try entry again"
  expect_same_sums 1 before 3 now
  expect_no_line 3 '^E2E MANIFEST .*(modprobe|hooks/vfioplan|42_vfioplan-try|vms/|libexec)' "vfioplan's manifest still names the try's files"
}
check_boot_4() { # and stays there
  expect_default_entry 4; expect_end 4
  expect_drv 4 0000:01:00.0 e1000e; expect_drv 4 0000:00:03.0 virtio-pci
  expect_unit_idle 4
  expect_same_sums 1 before 4 now
}
