package inference

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// computeMarker is the message of Ollama's device lines.
const computeMarker = `msg="inference compute"`

// ParseComputeLog reads an Ollama server log and returns the devices of
// the last start it logged: the "inference compute" lines that follow the
// last start. Lines it cannot read are skipped.
func ParseComputeLog(r io.Reader) ([]core.Compute, error) {
	var devs []core.Compute
	fresh := true // the next device line begins a new start's list
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, computeMarker) {
			if len(devs) > 0 {
				fresh = true
			}
			continue
		}
		kv := logfmt(line)
		d := core.Compute{ID: kv["id"], Library: kv["library"], Name: kv["name"], Description: kv["description"],
			Total: kv["total"], Available: kv["available"]}
		if fresh {
			devs, fresh = nil, false
		}
		devs = append(devs, d)
	}
	if err := sc.Err(); err != nil && err != bufio.ErrTooLong {
		return devs, fmt.Errorf("read runtime log: %w", err)
	}
	return devs, nil
}

// readComputeLog reads the devices logged in path from byte offset on.
func readComputeLog(path string, offset int64) ([]core.Compute, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, err
	}
	return ParseComputeLog(f)
}

// logfmt splits a slog text line into its keys and values; quoted values
// are unquoted.
func logfmt(line string) map[string]string {
	out := map[string]string{}
	for i := 0; i < len(line); {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		eq := strings.IndexByte(line[i:], '=')
		if eq < 0 {
			break
		}
		key := line[i : i+eq]
		if sp := strings.IndexByte(key, ' '); sp >= 0 { // a bare word: skip it
			i += sp + 1
			continue
		}
		i += eq + 1
		var val string
		if i < len(line) && line[i] == '"' {
			j := i + 1
			var b strings.Builder
			for j < len(line) && line[j] != '"' {
				if line[j] == '\\' && j+1 < len(line) {
					j++
				}
				b.WriteByte(line[j])
				j++
			}
			val, i = b.String(), j+1
		} else {
			j := strings.IndexByte(line[i:], ' ')
			if j < 0 {
				j = len(line) - i
			}
			val, i = line[i:i+j], i+j
		}
		out[key] = val
	}
	return out
}
