# shellcheck shell=sh
# grub-oneshot, inside the emulated host (guest/e2e-boots runs boot_N at the end of boot N)
boot_1() { # the default entry: add the entries, ask for 'e2e alt' once
  e2e_mutate
  update-grub 2>&1 | sed 's/^/E2E UPDATE-GRUB /'
  grub-reboot e2e-alt && echo "E2E GRUB-REBOOT e2e-alt"
  grub-editenv - list | sed 's/^/E2E GRUBENV /'
}
boot_2() { # 'e2e alt', once: ask for the panicking entry once
  grub-editenv - list | sed 's/^/E2E GRUBENV /'
  grub-reboot e2e-panic && echo "E2E GRUB-REBOOT e2e-panic"
}
# boot 3 panics: its init is /bin/false
boot_4() { # back on the default entry with nobody acting
  grub-editenv - list | sed 's/^/E2E GRUBENV /'
}
