package netaddr

import "testing"

func TestIsLocal(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"http://127.0.0.1:11434", true},
		{"http://localhost:11434", true},
		{"127.0.0.1:11434", true},
		{"0.0.0.0:11434", true},
		{":11434", true},
		{"http://[::1]:8000/v1", true},
		{"http://127.9.9.9", true},
		{"http://gpu-box:11434", false},
		{"https://api.example.org/v1", false},
		{"10.0.0.5:11434", false},
		{"http://user:pw@192.168.1.20:8000/v1", false},
		{"http://localhost.evil.com", false},
	} {
		if got := IsLocal(tc.addr); got != tc.want {
			t.Errorf("IsLocal(%q) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}
