# shellcheck shell=bash
# try-confirm, on the host after the boots (helpers: lib/chain.sh)
check_boot_1() { # the default entry: vfioplan try
  expect_default_entry 1; expect_end 1
  expect_drv 1 0000:01:00.0 e1000e
  expect_try_started 1
}
check_boot_2() { # GRUB's one-shot: the try entry, the e1000e on vfio-pci; the unit confirms
  expect_entry 2 '*vfioplan try*'; expect_end 2
  expect_drv 2 0000:01:00.0 vfio-pci; expect_drv 2 0000:00:04.0 e1000
  expect_cmdline 2 intel_iommu=on
  [ -n "$(cmdline_word 2 vfioplan.gen=)" ] || chain_fail "boot 2: no vfioplan.gen= token on the try entry's command line"
  expect_unit_finished 2 'confirmed' 0
}
check_boot_3() { # the default entry now has the configuration
  expect_default_entry 3; expect_end 3
  expect_drv 3 0000:01:00.0 vfio-pci; expect_drv 3 0000:00:04.0 e1000
  expect_cmdline 3 intel_iommu=on
  local t2 t3
  t2=$(cmdline_word 2 vfioplan.gen=) t3=$(cmdline_word 3 vfioplan.gen=)
  if [ -z "$t3" ] || [ "$t3" != "$t2" ]; then
    chain_fail "boot 3: the default entry's token is '${t3:-none}', the tried one '${t2:-none}'"
  fi
  expect_unit_idle 3
  expect_line 3 '^E2E TRY MARKER absent$'
  expect_no_line 3 '^E2E GRUBENV next_entry=.' "a one-shot entry is still asked for"
  expect_current_gen 3 'try.*confirm|confirm.*try'
}
