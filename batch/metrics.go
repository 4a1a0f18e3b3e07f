package batch

import (
	"regexp"
	"strings"
)

// InferMetric is the metric Auto uses for a row.
func InferMetric(answer string, choices []string) Metric {
	switch {
	case len(choices) > 0:
		return MCQ
	case isYesNo(answer):
		return YesNo
	}
	return F1
}

func isYesNo(s string) bool {
	n := Normalize(s)
	return n == "yes" || n == "no"
}

// asciiPunct is Python's string.punctuation, which SQuAD's normalisation
// removes.
const asciiPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

var articles = regexp.MustCompile(`\b(a|an|the)\b`)

// Normalize is the answer normalisation of the SQuAD evaluation script,
// which tokenized F1 for VQA uses: lower case, ASCII punctuation removed,
// the articles a, an and the removed, whitespace collapsed.
func Normalize(s string) string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if r < 128 && strings.ContainsRune(asciiPunct, r) {
			return -1
		}
		return r
	}, s)
	s = articles.ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(s), " ")
}

// Tokens are the normalised answer's words.
func Tokens(s string) []string { return strings.Fields(Normalize(s)) }

// ExactMatch reports whether the normalised answers are equal.
func ExactMatch(pred, ref string) bool { return Normalize(pred) == Normalize(ref) }

// TokenF1 is the tokenized F1 of a prediction against a reference: over
// the normalised words, precision = shared / predicted words and recall =
// shared / reference words (shared words counted with multiplicity), and
// F1 = 2PR/(P+R). Two empty answers score 1; one empty answer scores 0.
// This is the SQuAD definition; MedGemma's model card reports "Tokenized
// F1" on SLAKE and VQA-RAD without defining it further.
func TokenF1(pred, ref string) float64 {
	p, r := Tokens(pred), Tokens(ref)
	if len(p) == 0 || len(r) == 0 {
		if len(p) == len(r) {
			return 1
		}
		return 0
	}
	count := map[string]int{}
	for _, t := range r {
		count[t]++
	}
	shared := 0
	for _, t := range p {
		if count[t] > 0 {
			count[t]--
			shared++
		}
	}
	if shared == 0 {
		return 0
	}
	precision := float64(shared) / float64(len(p))
	recall := float64(shared) / float64(len(r))
	return 2 * precision * recall / (precision + recall)
}

// ParseYesNo finds the answer in a yes/no reply: its first word that is
// "yes" or "no". ok is false when there is none.
func ParseYesNo(s string) (yes, ok bool) {
	for _, t := range Tokens(s) {
		switch t {
		case "yes":
			return true, true
		case "no":
			return false, true
		}
	}
	return false, false
}

var (
	// "Answer: B", "the correct option is (C)", "Choice **A**".
	markerRE = regexp.MustCompile(`(?i:answer|option|choice)\s*(?:(?i:is)\s*)?[:\-]?\s*[\(\[]?\*{0,2}([A-Z])\*{0,2}[\)\]]?(?:[^A-Za-z0-9]|$)`)
	// A reply that starts with the letter: "B", "B.", "B)", "(B)",
	// "**B**", "B: PET" — but not "A chest X-ray".
	leadingRE = regexp.MustCompile(`^[\(\[]?\*{0,2}([A-Z])\*{0,2}(?:[\.\):\]]|\s*$)`)
	// A letter in parentheses anywhere: "… so (D)."
	parenRE = regexp.MustCompile(`\(([A-Z])\)`)
)

// ParseChoice finds which option a multiple-choice reply chose, as an
// index into choices. It looks, in order, for an explicit "answer/option
// X", a reply that starts with a letter ("B", "B.", "(B)"), a single
// distinct letter in parentheses, and finally the text of an option (the
// one mentioned first when several are, ignoring an option whose text is
// part of another mentioned one). ok is false when none is found.
func ParseChoice(reply string, choices []string) (int, bool) {
	s := strings.TrimSpace(reply)
	for _, re := range []*regexp.Regexp{markerRE, leadingRE} {
		if m := re.FindStringSubmatch(s); m != nil {
			if i, ok := letterIndex(m[1], len(choices)); ok {
				return i, true
			}
		}
	}
	if i, ok := parenChoice(s, len(choices)); ok {
		return i, true
	}
	return textChoice(s, choices)
}

// letterIndex is the index of option letter l ("A" is 0) among n options;
// ok is false when l is not one letter or names no option.
func letterIndex(l string, n int) (int, bool) {
	i := int(l[0] - 'A')
	return i, len(l) == 1 && i >= 0 && i < n
}

// parenChoice finds the option letters in parentheses in s ("… so (D)."):
// ok when they all name the same one of n options.
func parenChoice(s string, n int) (int, bool) {
	found := -1
	for _, m := range parenRE.FindAllStringSubmatch(s, -1) {
		i, ok := letterIndex(m[1], n)
		if !ok {
			continue
		}
		if found >= 0 && found != i {
			return 0, false // two different letters: ambiguous
		}
		found = i
	}
	return found, found >= 0
}

// textChoice finds the option whose text s mentions, as whole words: the
// one mentioned first when several are, ignoring an option whose text is
// part of another mentioned one.
func textChoice(s string, choices []string) (int, bool) {
	text := " " + Normalize(s) + " "
	type hit struct{ i, pos int }
	var hits []hit
	for i, c := range choices {
		nc := Normalize(c)
		if nc == "" {
			continue
		}
		if pos := strings.Index(text, " "+nc+" "); pos >= 0 {
			hits = append(hits, hit{i, pos})
		}
	}
	best := hit{-1, -1}
	for _, h := range hits {
		nh := Normalize(choices[h.i])
		inner := false
		for _, o := range hits {
			no := Normalize(choices[o.i])
			if no != nh && strings.Contains(" "+no+" ", " "+nh+" ") {
				inner = true
			}
		}
		if !inner && (best.i < 0 || h.pos < best.pos) {
			best = h
		}
	}
	if best.i < 0 {
		return 0, false
	}
	return best.i, true
}

// ChoiceIndex maps a reference answer to its option: a letter ("B",
// "(B)", "B.") or an option's text. ok is false when it is neither.
func ChoiceIndex(answer string, choices []string) (int, bool) {
	a := strings.TrimSpace(answer)
	if m := leadingRE.FindStringSubmatch(a); m != nil && len(strings.Trim(a, "()[]*.: ")) == 1 {
		if i := int(m[1][0] - 'A'); i >= 0 && i < len(choices) {
			return i, true
		}
	}
	na := Normalize(a)
	for i, c := range choices {
		if Normalize(c) == na {
			return i, true
		}
	}
	return 0, false
}
