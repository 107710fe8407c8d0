//go:build !unix

package keys

import "os/exec"

// ownProcessGroup does nothing here: cancelling cmd kills the command
// itself (exec.CommandContext's default), not the processes it started.
func ownProcessGroup(cmd *exec.Cmd) {}
