package batch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/medgemma-workbench/medgemma-workbench/internal/answerschema"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Prompt is one named prompt template.
type Prompt struct {
	Name string `yaml:"name" json:"name"`
	// Template is the user prompt with {{question}}, {{choices}} and
	// {{id}} in it.
	Template string `yaml:"template" json:"template"`
	// System, when set, replaces the file's system prompt for this prompt.
	System string `yaml:"system,omitempty" json:"system,omitempty"`
	// Recipe, when set, names the model-input recipe that makes this
	// prompt's images and lays out its text (the template is the query);
	// RecipeHash is its parameters' hash, filled in by whoever resolves the
	// name, and part of the resume key.
	Recipe     string `yaml:"recipe,omitempty" json:"recipe,omitempty"`
	RecipeHash string `yaml:"-" json:"-"`
	// Schema, when set, is a JSON Schema file (relative to the prompts
	// file) the answers must fit; Answer is it compiled.
	Schema string               `yaml:"schema,omitempty" json:"schema,omitempty"`
	Answer *answerschema.Schema `yaml:"-" json:"-"`
}

// PromptSet is a prompts file: a system prompt and named templates.
type PromptSet struct {
	System  string   `yaml:"system" json:"system"`
	Prompts []Prompt `yaml:"prompts" json:"prompts"`
}

// Variables are the names a template may use, as {{name}}.
var Variables = []string{"question", "choices", "id"}

var varRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// LoadPrompts reads a prompts file (YAML, or JSON, which is YAML too):
//
//	system: You are an expert radiologist.
//	prompts:
//	  - name: direct
//	    template: "{{question}}\n{{choices}}"
//
// Names must be unique and templates may use only [Variables]. Errors are
// [*InputError]s naming the file and line.
func LoadPrompts(path string) (*PromptSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &InputError{File: path, Err: cause(err)}
	}
	var raw struct {
		System  string      `yaml:"system"`
		Prompts []yaml.Node `yaml:"prompts"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, inputErr(path, yamlLine(err), "not a prompts file (want system: TEXT and prompts: a list of {name, template}): %v", yamlMsg(err))
	}
	set := &PromptSet{System: raw.System}
	seen := map[string]int{}
	for _, n := range raw.Prompts {
		var p Prompt
		if err := n.Decode(&p); err != nil {
			return nil, inputErr(path, n.Line, "prompt: %v", yamlMsg(err))
		}
		if err := strictPrompt(&n); err != nil {
			return nil, inputErr(path, n.Line, "%v", err)
		}
		switch {
		case p.Name == "":
			return nil, inputErr(path, n.Line, "a prompt without a name")
		case strings.TrimSpace(p.Template) == "":
			return nil, inputErr(path, n.Line, "prompt %q has no template", p.Name)
		}
		if first, ok := seen[p.Name]; ok {
			return nil, inputErr(path, n.Line, "prompt name %q is used twice (first on line %d)", p.Name, first)
		}
		seen[p.Name] = n.Line
		for _, m := range varRE.FindAllStringSubmatch(p.Template, -1) {
			if !isVariable(m[1]) {
				return nil, inputErr(path, n.Line, "prompt %q uses {{%s}}; templates may use {{%s}}", p.Name, m[1], strings.Join(Variables, "}}, {{"))
			}
		}
		if p.Schema != "" {
			sp := p.Schema
			if !filepath.IsAbs(sp) {
				sp = filepath.Join(filepath.Dir(path), sp)
			}
			data, err := os.ReadFile(sp)
			if err == nil && len(data) > answerschema.MaxSize {
				err = fmt.Errorf("over %d bytes", answerschema.MaxSize)
			}
			if err == nil {
				p.Answer, err = answerschema.Compile(p.Schema, data)
			}
			if err != nil {
				return nil, inputErr(path, n.Line, "prompt %q: schema %s: %v", p.Name, p.Schema, cause(err))
			}
		}
		set.Prompts = append(set.Prompts, p)
	}
	if len(set.Prompts) == 0 {
		return nil, inputErr(path, 0, "no prompts: add prompts: a list of {name, template}")
	}
	return set, nil
}

// strictPrompt refuses keys other than name, template and system, which
// are most likely typos.
func strictPrompt(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("a prompt is a mapping {name, template}")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i].Value; k {
		case "name", "template", "system", "recipe", "schema":
		default:
			return fmt.Errorf("unknown prompt field %q (want name, template, system, recipe, schema)", k)
		}
	}
	return nil
}

func isVariable(name string) bool {
	for _, v := range Variables {
		if v == name {
			return true
		}
	}
	return false
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlLine(err error) int {
	var n int
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		fmt.Sscan(m[1], &n)
	}
	return n
}

var yamlPrefixRE = regexp.MustCompile(`^yaml: (line \d+: )?`)

func yamlMsg(err error) string {
	return yamlPrefixRE.ReplaceAllString(err.Error(), "")
}

// SystemFor is the system prompt sent with p.
func (s *PromptSet) SystemFor(p Prompt) string {
	if p.System != "" {
		return p.System
	}
	return s.System
}

// Render fills a template for an item: {{question}}, {{choices}} (one
// "A. text" line per option, or nothing) and {{id}} (the manifest's id, or
// the hash id: never a path, see [Item.PromptID]). A template line left
// blank by empty variables is dropped, and the result is trimmed.
func Render(template string, it Item) string {
	var lines []string
	for _, tl := range strings.Split(template, "\n") {
		l := varRE.ReplaceAllStringFunc(tl, func(m string) string {
			switch varRE.FindStringSubmatch(m)[1] {
			case "question":
				return it.Question
			case "choices":
				return FormatChoices(it.Choices)
			case "id":
				return it.PromptID()
			}
			return m
		})
		if strings.TrimSpace(l) == "" && varRE.MatchString(tl) {
			continue
		}
		lines = append(lines, l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// FormatChoices lists options as "A. text" lines.
func FormatChoices(choices []string) string {
	var b strings.Builder
	for i, c := range choices {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s. %s", Letter(i), c)
	}
	return b.String()
}

// Letter is the option letter for index i: A, B, … Z, then AA, AB, ….
func Letter(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return Letter(i/26-1) + Letter(i%26)
}

// Version names exactly what a prompt asks, whatever it is called
// (core.PromptVersion): its system prompt (system, the file's, when the
// prompt has none), template, schema and recipe. An edit of any of them
// is a new version; rows record it (Row.PromptVersion).
func (p Prompt) Version(system string) string {
	if p.System != "" {
		system = p.System
	}
	schema := ""
	if p.Answer != nil {
		schema = p.Answer.Hash
	}
	return core.PromptVersion(system, p.Template, schema, core.RecipeRef{Name: p.Recipe, Hash: p.RecipeHash}.Key())
}
