package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:11434", "http://127.0.0.1:11434"},
		{"http://user:pass@gpu1:11434/v1", "http://REDACTED@gpu1:11434/v1"},
		{"https://alice@host/api", "https://REDACTED@host/api"},
		{"https://host/v1?key=AIzaSECRET&x=1", "https://host/v1?key=REDACTED&x=1"},
		{"https://host/v1?access_token=abc", "https://host/v1?access_token=REDACTED"},
		{"not a url", "not a url"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := URL(tt.in); got != tt.want {
				t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Post "http://bob:hunter2@10.0.0.1:8080/v1/chat/completions": dial tcp: refused`,
			`Post "http://REDACTED@10.0.0.1:8080/v1/chat/completions": dial tcp: refused`},
		{`attach to https://u:p@a.example and http://v:q@b.example`,
			`attach to https://REDACTED@a.example and http://REDACTED@b.example`},
		{`GET https://h/x?token=s3cr3t&page=2 failed`, `GET https://h/x?token=REDACTED&page=2 failed`},
		{`user@example.com wrote`, `user@example.com wrote`},
		{`plain error`, `plain error`},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) =\n %q, want\n %q", tt.in, got, tt.want)
		}
	}
}

func TestSecret(t *testing.T) {
	got := Secret("server said: bad token sk-abcdef", "sk-abcdef", "")
	if strings.Contains(got, "sk-abcdef") || !strings.Contains(got, Mask) {
		t.Errorf("Secret left the token: %q", got)
	}
}
