package batch

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenOutputLeavesUserDataAlone checks that a --out file that is not a
// batch result is refused and left byte for byte as it was, while a batch
// result with a half-written last row is resumed.
func TestOpenOutputLeavesUserDataAlone(t *testing.T) {
	row := `{"key":"a","item_id":"1","status":"ok","run_id":1}`
	for _, tc := range []struct {
		name, data string
		ok         bool // a batch result: opens
	}{
		{"manifest line, no newline", `{"id":"a","images":["x.png"]}`, false},
		{"manifest line", `{"id":"a","images":["x.png"]}` + "\n", false},
		{"key without status", `{"key":"a"}`, false},
		{"plain text, no newline", "my notes", false},
		{"CSV", "id,images\na,x.png\n", false},
		{"JSON array", `[1,2,3]`, false},
		{"row then text, no newline", row + "\nmy notes", false},
		{"row then a foreign object, no newline", row + "\n" + `{"id":"b"}`, false},
		{"text then row", "notes\n" + row + "\n", false},
		{"empty", "", true},
		{"rows", row + "\n", true},
		{"half-written last row", row + "\n" + `{"key":"b","item_id":"2","sta`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.jsonl")
			if err := os.WriteFile(path, []byte(tc.data), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := OpenOutput(path)
			if tc.ok {
				if err != nil {
					t.Fatalf("OpenOutput: %v", err)
				}
				out.Close()
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != path {
				t.Errorf("OpenOutput = %v, want an *InputError naming the file", err)
			}
			if out != nil {
				out.Close()
			}
			got, _ := os.ReadFile(path)
			if !bytes.Equal(got, []byte(tc.data)) {
				t.Errorf("the file changed: %q, was %q", got, tc.data)
			}
		})
	}
}

// TestOutputLock checks that a second batch on one result file is
// refused while the first has it open, and may go on once it is done.
func TestOutputLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	first, err := OpenOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	second, err := OpenOutput(path)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second OpenOutput = %v, want ErrLocked", err)
	}
	if second != nil {
		t.Fatal("a second Output")
	}
	if err := first.Append(Row{Key: "k", Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if len(after) <= len(before) {
		t.Error("the refused batch disturbed the first")
	}
	if err := first.Finish(nil, ""); err != nil {
		t.Fatal(err)
	}
	third, err := OpenOutput(path)
	if err != nil {
		t.Fatalf("after the first finished: %v", err)
	}
	if !third.Done("k") {
		t.Error("the first batch's row is gone")
	}
	third.Close()
}

// TestKeyHasServer checks that the resume key changes with the backend,
// the endpoint and the model digest, but not with the endpoint's
// credentials.
func TestKeyHasServer(t *testing.T) {
	spec := testSpec(t)
	jobs, err := spec.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	j := jobs[0]
	base := Server{Backend: "openai", Endpoint: "http://gpu1:8000/v1", Digest: "sha256:aaa"}
	k0 := Key(j, spec.Options, spec.Prep, base)
	for _, tc := range []struct {
		name string
		srv  Server
		same bool
	}{
		{"same", base, true},
		{"other endpoint", Server{Backend: "openai", Endpoint: "http://gpu2:8000/v1", Digest: "sha256:aaa"}, false},
		{"re-pulled model", Server{Backend: "openai", Endpoint: "http://gpu1:8000/v1", Digest: "sha256:bbb"}, false},
		{"other backend", Server{Backend: "ollama", Endpoint: "http://gpu1:8000/v1", Digest: "sha256:aaa"}, false},
		{"managed runtime", Server{Backend: "ollama", Endpoint: "", Digest: "sha256:aaa"}, false},
		{"credentials in URL", Server{Backend: "openai", Endpoint: "http://bob:secret@gpu1:8000/v1", Digest: "sha256:aaa"}, false},
		{"other credentials", Server{Backend: "openai", Endpoint: "http://alice:other@gpu1:8000/v1", Digest: "sha256:aaa"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Key(j, spec.Options, spec.Prep, tc.srv) == k0; got != tc.same {
				t.Errorf("same key as the base: %v, want %v", got, tc.same)
			}
		})
	}
	a := Key(j, spec.Options, spec.Prep, Server{Backend: "openai", Endpoint: "http://bob:secret@gpu1:8000/v1", Digest: ""})
	b := Key(j, spec.Options, spec.Prep, Server{Backend: "openai", Endpoint: "http://alice:other@gpu1:8000/v1", Digest: ""})
	if a != b {
		t.Error("a rotated password changes the key")
	}
	spec.Backend, spec.Endpoint, spec.Digests = "ollama", "", map[string]string{"m1": "sha256:1"}
	j1, _ := spec.Jobs()
	spec.Digests = map[string]string{"m1": "sha256:2"}
	j2, _ := spec.Jobs()
	if j1[0].Key == j2[0].Key {
		t.Error("Spec.Jobs ignores the model digest")
	}
}
