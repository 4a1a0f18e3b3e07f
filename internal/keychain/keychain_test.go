package keychain

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The keychain's D-Bus connection is made once per process, so each case
// runs the store in a child process (this test binary, told what to do
// by envHelper) against the session bus it is given.
const envHelper = "KEYCHAIN_TEST_HELPER"

func TestMain(m *testing.M) {
	if op := os.Getenv(envHelper); op != "" {
		os.Exit(helper(op))
	}
	os.Exit(m.Run())
}

// helper runs one store operation: "set NAME VALUE", "get NAME" or
// "where", printing the result.
func helper(op string) int {
	s := New("medgemma-workbench-test", os.Getenv("KEYCHAIN_TEST_FILE"))
	f := strings.Fields(op)
	switch f[0] {
	case "set":
		value := ""
		if len(f) > 2 {
			value = f[2]
		}
		if err := s.Set(f[1], value); err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Println("ok")
	case "get":
		v, err := s.Get(f[1])
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Println("value:" + v)
	case "where":
		fmt.Println(s.InKeychain(), s.Location())
	}
	return 0
}

// run runs op in a child process with env.
func run(t *testing.T, env []string, op string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), env...), envHelper+"="+op)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", op, err, out)
	}
	return strings.TrimSpace(string(out))
}

// sandbox returns the environment of a user whose home is a new folder.
func sandbox(t *testing.T) (env []string, file string) {
	home := t.TempDir()
	rt := filepath.Join(home, "run")
	if err := os.Mkdir(rt, 0o700); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(home, "config", "medgemma-workbench", "secrets.json")
	return []string{"HOME=" + home, "XDG_RUNTIME_DIR=" + rt, "XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "KEYCHAIN_TEST_FILE=" + file}, file
}

func TestFallbackFileWithoutKeychain(t *testing.T) {
	env, file := sandbox(t)
	env = append(env, "DBUS_SESSION_BUS_ADDRESS=unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	if got := run(t, env, "where"); !strings.HasPrefix(got, "false "+file+", readable only by you (no system keychain:") {
		t.Errorf("where = %q, want the file and why", got)
	}
	if got := run(t, env, "set ollama-token s3cret-token"); got != "ok" {
		t.Fatalf("set: %s", got)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secrets file mode %v, want 0600", fi.Mode().Perm())
	}
	if got := run(t, env, "get ollama-token"); got != "value:s3cret-token" {
		t.Errorf("get = %q", got)
	}
	if got := run(t, env, "set ollama-token "); got != "ok" {
		t.Fatalf("delete: %s", got)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("deleting the only secret left the file: %v", err)
	}
}

// secretService starts a private session bus and GNOME Keyring's Secret
// Service on it, with a new unlocked login keyring.
func secretService(t *testing.T, env []string) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts dbus-daemon and gnome-keyring-daemon")
	}
	for _, p := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s is not installed: run ./scripts/setup.sh (it installs dbus-daemon and gnome-keyring)", p)
		}
	}
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	bus.Env = append(os.Environ(), env...)
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	env = append(env, "DBUS_SESSION_BUS_ADDRESS="+strings.TrimSpace(addr))

	kr := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	kr.Env = append(os.Environ(), env...)
	kr.Stdin = strings.NewReader("test-password")
	if err := kr.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kr.Process.Kill(); kr.Wait() })
	// The daemon owns org.freedesktop.secrets once it answers.
	deadline := time.Now().Add(10 * time.Second)
	for {
		probe := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
			"org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		probe.Env = append(os.Environ(), env...)
		if b, err := probe.Output(); err == nil && strings.Contains(string(b), "boolean true") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("gnome-keyring-daemon did not take org.freedesktop.secrets within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return env
}

func TestSecretService(t *testing.T) {
	env, file := sandbox(t)
	env = secretService(t, env)

	// A token left in the file from a time without a keychain moves into it.
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(`{"ollama-token": "old-token"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := run(t, env, "where"); got != "true the system keychain" {
		t.Fatalf("where = %q, want the system keychain", got)
	}
	if got := run(t, env, "get ollama-token"); got != "value:old-token" {
		t.Errorf("get = %q, want the file's token", got)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the token stayed in the file after moving to the keychain: %v", err)
	}

	if got := run(t, env, "set ollama-token new-s3cret"); got != "ok" {
		t.Fatalf("set: %s", got)
	}
	if got := run(t, env, "get ollama-token"); got != "value:new-s3cret" {
		t.Errorf("get after set = %q (a new process must read it back from the keychain)", got)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("set with a keychain wrote the file: %v", err)
	}
	// The keyring on disk holds it encrypted: no plain copy anywhere in the home.
	home := strings.TrimPrefix(env[0], "HOME=")
	filepath.Walk(home, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), "new-s3cret") {
				t.Errorf("%s holds the token in plain text", p)
			}
		}
		return nil
	})
	if got := run(t, env, "set ollama-token "); got != "ok" {
		t.Fatalf("delete: %s", got)
	}
	if got := run(t, env, "get ollama-token"); got != "value:" {
		t.Errorf("get after delete = %q", got)
	}
}

// TestWhyNoKeychainInWords (issue 28, item 7): Settings says why there is
// no keychain in words, not as the exec error of the keyring library.
func TestWhyNoKeychainInWords(t *testing.T) {
	err := &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}
	got := whyNoKeychain(fmt.Errorf("keyring: %w", err))
	if strings.Contains(got, "exec:") || strings.Contains(got, "$PATH") || !strings.Contains(got, "keyring service") {
		t.Errorf("whyNoKeychain = %q", got)
	}
}
