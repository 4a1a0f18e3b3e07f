// Package keychain keeps the workbench's secrets (the bearer token for an
// attached Ollama) in the operating system's keychain: the Secret Service
// on Linux (GNOME Keyring, KWallet), Keychain on macOS and Credential
// Manager on Windows. Where none answers, it falls back to a file that only
// the user can read (mode 0600), and says so, so the Settings dialog can
// tell the user where the token is.
package keychain

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/atomicfile"
	keyring "github.com/zalando/go-keyring"
)

// Timeout bounds one keychain call: a Secret Service that was started but
// never unlocked can wait for a prompt no one sees.
const Timeout = 10 * time.Second

// Store keeps named secrets for one service. Its methods are safe for
// concurrent use.
type Store struct {
	service string
	file    string
	timeout time.Duration

	mu       sync.Mutex
	probed   bool
	keychain bool   // the OS keychain answered
	why      string // why the file is used, when it is
	// known holds the secrets read or stored by this process, so the
	// keychain (a D-Bus round trip, or a prompt) is asked once a secret.
	known map[string]string
}

// New returns a store whose secrets are the OS keychain's entries of
// service, or, where no keychain answers, the JSON file fallback.
func New(service, fallback string) *Store {
	return &Store{service: service, file: fallback, timeout: Timeout}
}

// DefaultFallback is the fallback file in the user's configuration folder.
func DefaultFallback(app string) string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, app, "secrets.json")
}

// errTimeout is a keychain call that did not answer in time.
var errTimeout = errors.New("the system keychain did not answer")

// call runs f with the store's time limit.
func (s *Store) call(f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(s.timeout):
		return errTimeout
	}
}

// probe finds out once whether the OS keychain answers: a read of an
// entry that may not exist is enough.
func (s *Store) probe() {
	if s.probed {
		return
	}
	s.probed = true
	err := s.call(func() error {
		_, err := keyring.Get(s.service, "probe")
		return err
	})
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		s.keychain = true
		return
	}
	s.why = whyNoKeychain(err)
}

// whyNoKeychain says in words why the system keychain cannot be used. The
// keychain library reaches the Secret Service over D-Bus, starting a
// session bus with dbus-launch when there is none; on a machine without
// either its error is "exec: "dbus-launch": executable file not found in
// $PATH", which tells a user nothing.
func whyNoKeychain(err error) string {
	var ee *exec.Error
	if errors.As(err, &ee) && errors.Is(ee.Err, exec.ErrNotFound) {
		return fmt.Sprintf("no desktop keyring service is running (the Secret Service over D-Bus; %s is not installed)", filepath.Base(ee.Name))
	}
	if strings.Contains(err.Error(), "dbus") || strings.Contains(err.Error(), "org.freedesktop.secrets") {
		return "no desktop keyring service answers (the Secret Service over D-Bus: GNOME Keyring or KWallet)"
	}
	return err.Error()
}

// InKeychain reports whether secrets go to the OS keychain.
func (s *Store) InKeychain() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.probe()
	return s.keychain
}

// Location says where secrets are kept, in words for the user.
func (s *Store) Location() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.probe()
	if s.keychain {
		return "the system keychain"
	}
	return fmt.Sprintf("%s, readable only by you (no system keychain: %s)", s.file, s.why)
}

// Get returns the secret called name, "" if there is none. A secret left in
// the fallback file from a time without a keychain moves to the keychain.
func (s *Store) Get(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.known[name]; ok {
		return v, nil
	}
	v, err := s.get(name)
	if err == nil {
		s.remember(name, v)
	}
	return v, err
}

func (s *Store) remember(name, value string) {
	if s.known == nil {
		s.known = map[string]string{}
	}
	s.known[name] = value
}

func (s *Store) get(name string) (string, error) {
	s.probe()
	if !s.keychain {
		m, err := s.readFile()
		return m[name], err
	}
	var v string
	err := s.call(func() error {
		var err error
		v, err = keyring.Get(s.service, name)
		return err
	})
	if errors.Is(err, keyring.ErrNotFound) {
		err = nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s from the system keychain: %w", name, err)
	}
	if v != "" {
		return v, nil
	}
	m, err := s.readFile()
	if err != nil || m[name] == "" {
		return "", err
	}
	v = m[name]
	if err := s.setKeychain(name, v); err != nil {
		return v, nil
	}
	delete(m, name)
	return v, s.writeFile(m)
}

// Set stores value as the secret called name; "" deletes it.
func (s *Store) Set(name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.known, name)
	if err := s.set(name, value); err != nil {
		return err
	}
	s.remember(name, value)
	return nil
}

func (s *Store) set(name, value string) error {
	s.probe()
	if s.keychain {
		if err := s.setKeychain(name, value); err != nil {
			return err
		}
		// Nothing of it stays in the file.
		m, err := s.readFile()
		if err != nil || m[name] == "" {
			return err
		}
		delete(m, name)
		return s.writeFile(m)
	}
	m, err := s.readFile()
	if err != nil {
		return err
	}
	if value == "" {
		delete(m, name)
	} else {
		m[name] = value
	}
	return s.writeFile(m)
}

func (s *Store) setKeychain(name, value string) error {
	err := s.call(func() error {
		if value == "" {
			err := keyring.Delete(s.service, name)
			if errors.Is(err, keyring.ErrNotFound) {
				return nil
			}
			return err
		}
		return keyring.Set(s.service, name, value)
	})
	if err != nil {
		return fmt.Errorf("store %s in the system keychain: %w", name, err)
	}
	return nil
}

// maxFile bounds the fallback file read: it holds a few short secrets.
const maxFile = 1 << 20

func (s *Store) readFile() (map[string]string, error) {
	m := map[string]string{}
	f, err := os.Open(s.file)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("read secrets %s: %w", s.file, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return m, fmt.Errorf("read secrets %s: %w", s.file, err)
	}
	if len(data) > maxFile {
		return m, fmt.Errorf("read secrets %s: larger than %d bytes", s.file, maxFile)
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &m); err != nil {
			return map[string]string{}, fmt.Errorf("read secrets %s: %w", s.file, err)
		}
	}
	return m, nil
}

func (s *Store) writeFile(m map[string]string) error {
	if len(m) == 0 {
		if err := os.Remove(s.file); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove secrets %s: %w", s.file, err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.file), 0o700); err != nil {
		return fmt.Errorf("write secrets %s: %w", s.file, err)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(s.file, append(data, '\n'), 0o600)
}
