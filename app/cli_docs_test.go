package app

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/cli.md from the commands' --help")

// cliDocsPath is the generated command-line reference.
const cliDocsPath = "../docs/cli.md"

// TestCLIDocs keeps docs/cli.md what the commands' own --help prints: the
// top-level usage, then every command's flags (and, for a command with
// subcommands, its synopsis and each subcommand's flags). Change a flag's
// help and this fails until docs/cli.md is rewritten with
//
//	go test -tags sqlite_fts5 ./app -run TestCLIDocs -update
func TestCLIDocs(t *testing.T) {
	got := cliDocs(t)
	if *updateDocs {
		if err := os.WriteFile(cliDocsPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(cliDocsPath)
	if err != nil {
		t.Fatalf("%v; write it with: go test -tags sqlite_fts5 ./app -run TestCLIDocs -update", err)
	}
	if got != string(want) {
		t.Errorf("docs/cli.md is not what --help prints; rewrite it with: go test -tags sqlite_fts5 ./app -run TestCLIDocs -update\nfirst difference:\n%s", firstDiff(string(want), got))
	}
}

const cliDocsHeader = `# Command-line reference

<!-- Generated from the commands' own --help by TestCLIDocs (app/cli_docs_test.go);
do not edit. Rewrite it with: go test -tags sqlite_fts5 ./app -run TestCLIDocs -update -->

This page is what ` + "`medgemma-workbench --help` and `medgemma-workbench COMMAND --help`" + ` print,
gathered in one place. What each command does, with examples, is in
[cli-guide.md](cli-guide.md); exit codes and error messages are described there too.
`

// cliDocs renders docs/cli.md: each command's --help, run in-process.
func cliDocs(t *testing.T) string {
	var b strings.Builder
	b.WriteString(cliDocsHeader)
	top := cliHelp(t, "--help")
	section(&b, "## medgemma-workbench", top)

	global := newFlags("medgemma-workbench", &Config{})
	globals := map[string]bool{}
	for _, line := range strings.Split(flagUsage(global), "\n") {
		globals[line] = true
	}
	section(&b, "## Global flags\n\nEvery command takes these too, before or after its name, except a command whose list below shows its own `--data-dir`: it takes only the flags in its list.", flagUsage(global))

	for _, name := range commandOrder(top) {
		help := cliHelp(t, name, "--help")
		subs := subcommands(name, help)
		if len(subs) == 0 {
			section(&b, "## "+name, withoutGlobals(help, globals))
			continue
		}
		if i := strings.Index(help, "usage:"); i > 0 {
			help = help[i:] // the synopsis, without the complaint about "--help"
		}
		section(&b, "## "+name, help)
		for _, sub := range subs {
			section(&b, "### "+name+" "+sub, withoutGlobals(cliHelp(t, name, sub, "--help"), globals))
		}
	}
	return b.String()
}

// cliHelp runs the command line args in-process and returns what it
// printed: the usage on stdout, or the usage error's text. Nothing may
// start: the help must come back as a usage error or on stdout.
func cliHelp(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &cli{stdout: &out, stderr: &errOut, cfg: Config{DataDir: t.TempDir(), OllamaURL: "http://127.0.0.1:1", OllamaBin: "/nonexistent/ollama"}}
	err := c.run(args)
	var ue *UsageError
	switch {
	case err == nil && out.Len() > 0:
		return strings.TrimRight(out.String(), "\n")
	case errors.As(err, &ue):
		return strings.TrimRight(ue.Error(), "\n")
	default:
		t.Fatalf("%s: want its usage, got error %v, stdout %q, stderr %q", strings.Join(args, " "), err, out.String(), errOut.String())
		return ""
	}
}

// commandOrder is the commands in the order the top-level usage lists
// them, then any it does not list, by name.
func commandOrder(top string) []string {
	var names []string
	for name := range commands {
		names = append(names, name)
	}
	pos := func(name string) int {
		if i := strings.Index(top, "\n  "+name+" "); i >= 0 {
			return i
		}
		return len(top)
	}
	sort.Slice(names, func(i, j int) bool {
		if pi, pj := pos(names[i]), pos(names[j]); pi != pj {
			return pi < pj
		}
		return names[i] < names[j]
	})
	return names
}

// subcommands are the subcommands a command's synopsis lists, one per
// "medgemma-workbench NAME SUB" line, in order; none when help lists
// flags instead.
func subcommands(name, help string) []string {
	if strings.HasPrefix(help, "usage of ") {
		return nil
	}
	re := regexp.MustCompile(`(?m)medgemma-workbench ` + regexp.QuoteMeta(name) + ` ([a-z][a-z-]*)`)
	var subs []string
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(help, -1) {
		for _, sub := range strings.Split(m[1], "|") {
			if !seen[sub] {
				seen[sub] = true
				subs = append(subs, sub)
			}
		}
	}
	return subs
}

// withoutGlobals drops the global flags' lines from a command's flag list:
// they are listed once, under Global flags. A command's own flag of the
// same name with its own help stays.
func withoutGlobals(help string, globals map[string]bool) string {
	var keep []string
	for _, line := range strings.Split(help, "\n") {
		if !globals[line] {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

func section(b *strings.Builder, heading, body string) {
	b.WriteString("\n" + heading + "\n\n```text\n" + strings.ReplaceAll(strings.TrimRight(body, "\n"), "\t", "  ") + "\n```\n")
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n  docs/cli.md: " + x + "\n  --help:      " + y
		}
	}
	return "(none)"
}
