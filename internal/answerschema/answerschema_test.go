package answerschema

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const findings = `{"type":"object","properties":{"answer":{"type":"string","enum":["yes","no"]},
 "confidence":{"type":"number","minimum":0,"maximum":1}},"required":["answer"],"additionalProperties":false}`

func TestCheck(t *testing.T) {
	s, err := Compile("findings.json", []byte(findings))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Hash) != 12 || strings.Contains(string(s.Raw), "\n") {
		t.Errorf("hash %q, raw %s", s.Hash, s.Raw)
	}
	for _, c := range []struct {
		answer string
		ok     bool
		why    string
	}{
		{`{"answer": "yes", "confidence": 0.8}`, true, ""},
		{"```json\n{\"answer\": \"no\"}\n```", true, ""},
		{`{"answer": "maybe"}`, false, "one of"},
		{`{"answer": "yes", "extra": 1}`, false, "extra"},
		{`{"confidence": 2}`, false, "answer"},
		{`The answer is yes.`, false, "not JSON"},
	} {
		v, err := s.Check(c.answer)
		if c.ok != (err == nil) {
			t.Errorf("%q: err %v, want ok %v", c.answer, err, c.ok)
			continue
		}
		if !c.ok && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.why)) {
			t.Errorf("%q: %v, want ErrInvalid mentioning %q", c.answer, err, c.why)
		}
		if !c.ok && strings.Contains(err.Error(), "urn:") {
			t.Errorf("%q: message names the schema's URL: %v", c.answer, err)
		}
		if c.ok && Fields(v)["answer"] == "" {
			t.Errorf("%q: fields %v", c.answer, Fields(v))
		}
	}
	if f := Fields(mustCheck(t, s, `{"answer":"yes","confidence":0.25}`)); f["confidence"] != "0.25" {
		t.Errorf("fields %v", f)
	}
	for _, bad := range []string{`[1]`, `{"type": 5}`, `{"$ref": "http://example.com/s.json"}`, `not json`} {
		if _, err := Compile("bad.json", []byte(bad)); err == nil {
			t.Errorf("schema %s compiled", bad)
		}
	}
}

func mustCheck(t *testing.T, s *Schema, a string) any {
	t.Helper()
	v, err := s.Check(a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRefusesWhatTheRuntimeCannotCompile (issue 26, item 14): an enum of
// thousands of values and a recursive $ref (to the root, or through
// $defs) are refused with a clear error before anything is sent; a
// schema with $defs used without recursion is accepted.
func TestRefusesWhatTheRuntimeCannotCompile(t *testing.T) {
	values := make([]string, 5000)
	for i := range values {
		values[i] = fmt.Sprintf("%q", fmt.Sprint("v", i))
	}
	for name, js := range map[string]string{
		"big enum":     `{"type":"object","properties":{"a":{"enum":[` + strings.Join(values, ",") + `]}}}`,
		"root ref":     `{"$ref":"#"}`,
		"nested root":  `{"type":"object","properties":{"child":{"$ref":"#"}}}`,
		"defs a→b→a":   `{"$defs":{"a":{"type":"object","properties":{"b":{"$ref":"#/$defs/b"}}},"b":{"type":"array","items":{"$ref":"#/$defs/a"}}},"$ref":"#/$defs/a"}`,
		"dynamic refs": `{"$dynamicRef":"#node"}`,
	} {
		if _, err := Compile("s.json", []byte(js)); err == nil || !(strings.Contains(err.Error(), "recursive") || strings.Contains(err.Error(), "over 1000")) {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
	ok := `{"$defs":{"box":{"type":"array","items":{"type":"integer"},"minItems":4,"maxItems":4}},"type":"object","properties":{"a":{"$ref":"#/$defs/box"},"b":{"$ref":"#/$defs/box"}}}`
	if _, err := Compile("ok.json", []byte(ok)); err != nil {
		t.Errorf("shared $defs without recursion refused: %v", err)
	}
}
