package differ

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the dbt process end when dbtdiff does (killed or
// crashed), instead of running on with a warehouse open.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
