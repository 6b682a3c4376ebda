package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
)

// credentialFor returns the identity the server processes run under: nil
// (inherit) for an unprivileged caller, otherwise the named account, which
// is created as a system user when missing.
func credentialFor(name string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		out, aerr := exec.Command("useradd", "--system", "--no-create-home",
			"--shell", "/usr/sbin/nologin", name).CombinedOutput()
		if aerr != nil {
			return nil, fmt.Errorf("pgtest: OS user %q missing and useradd failed: %v: %s", name, aerr, out)
		}
		if u, err = user.Lookup(name); err != nil {
			return nil, fmt.Errorf("pgtest: OS user %q: %w", name, err)
		}
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil || uid == 0 {
		return nil, fmt.Errorf("pgtest: OS user %q (uid %s) cannot run PostgreSQL", name, u.Uid)
	}
	// Groups nil: supplementary groups are dropped.
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// sortVersions orders /usr/lib/postgresql/<major>/bin paths by major
// version, numerically (so 9 sorts before 15).
func sortVersions(dirs []string) {
	major := func(p string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		return n
	}
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) < major(dirs[j]) })
}
