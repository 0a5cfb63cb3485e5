//go:build !linux

package differ

import "os/exec"

// dieWithParent: only Linux can tie a child's life to its parent's; on
// other systems the dbt process ends when its stdin closes.
func dieWithParent(cmd *exec.Cmd) {}
