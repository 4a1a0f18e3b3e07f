package app

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// This file is doctor's look at who else can reach the workbench's data:
// the managed runtime listens on loopback without authentication (Ollama
// has none), so on a machine other people log in to, they can reach it.

// sharingWarnings says what a shared machine exposes: a data dir others
// may read, and other users logged in (from procRoot, /proc on Linux; none
// found elsewhere).
func sharingWarnings(dataDir, procRoot string) []string {
	var out []string
	if fi, err := os.Stat(dataDir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		out = append(out, fmt.Sprintf("the data dir %s is open to other users (mode %04o): it holds the run log and the models; chmod 700 %s", dataDir, fi.Mode().Perm(), dataDir))
	}
	if others := otherLoginUsers(procRoot, os.Getuid()); len(others) > 0 {
		out = append(out, fmt.Sprintf("other users are logged in to this machine (%s): they can reach the managed runtime's loopback port, which has no authentication (see docs/safety.md, Patient data: a shared machine)", strings.Join(others, ", ")))
	}
	return out
}

// otherLoginUsers lists the users, other than uid, who own a login
// session: the login UIDs (/proc/PID/loginuid) of the processes running.
func otherLoginUsers(procRoot string, uid int) []string {
	files, _ := filepath.Glob(filepath.Join(procRoot, "[0-9]*", "loginuid"))
	seen := map[int]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		id, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || id == uid || id < 0 || id == 4294967295 { // (uid_t)-1: no login
			continue
		}
		seen[id] = true
	}
	var names []string
	for id := range seen {
		name := strconv.Itoa(id)
		if u, err := user.LookupId(name); err == nil {
			name = u.Username
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
