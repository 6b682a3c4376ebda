// Package proc reads what the kernel says of a local process.
package proc

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// WaitStopped returns once the kernel shows pid stopped (state T), or an
// error after timeout. Signal delivery is asynchronous: a SIGSTOP that has
// not taken hold lets the process go on answering.
func WaitStopped(pid int, timeout time.Duration) error {
	stat := fmt.Sprintf("/proc/%d/stat", pid)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil {
			return err
		}
		// The state follows the parenthesised command name.
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'T' {
			return nil
		}
	}
	return fmt.Errorf("pid %d not stopped %s after SIGSTOP", pid, timeout)
}
