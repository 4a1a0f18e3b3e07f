package batch

import (
	"regexp"
	"strings"
)

// MacroF1 scores multi-label items, as MedGemma's model card reports
// chest X-ray classification: an item's choices are its labels (the
// conditions), its answer lists those present ("cardiomegaly; edema", or
// "none"), and the score of a (prompt, model) is the mean over labels of
// each label's F1 over all its runs, 2TP / (2TP + FP + FN). A label no run
// has or predicts has no F1 and is left out of the mean; with none left
// the score is 1. It is a corpus-level score, not a mean of per-item
// scores, so its interval resamples items and recomputes it. Auto never
// picks it: ask for it with --metric macro-f1.
const MacroF1 Metric = "macro-f1"

// noneAnswers are the normalised answers that name no label.
var noneAnswers = map[string]bool{
	"none": true, "no finding": true, "no findings": true, "normal": true, "nothing": true,
	"no abnormality": true, "no abnormalities": true, "negative": true,
}

// labelSep splits a list of labels.
var labelSep = regexp.MustCompile(`[,;|\n]+`)

// ParseLabels reads a multi-label reference answer: labels separated by
// commas, semicolons, "|" or new lines, each an option's letter or text
// as [ChoiceIndex] reads it, or one of "none", "normal", "no finding" for
// no label. It returns which of the choices are present; ok is false when
// a part names no option (the answer cannot be scored as labels).
func ParseLabels(answer string, choices []string) (present []bool, ok bool) {
	if len(choices) == 0 || strings.TrimSpace(answer) == "" {
		return nil, false
	}
	present = make([]bool, len(choices))
	for _, part := range labelSep.Split(answer, -1) {
		if strings.TrimSpace(part) == "" || noneAnswers[Normalize(part)] {
			continue
		}
		i, ok := ChoiceIndex(part, choices)
		if !ok {
			return nil, false
		}
		present[i] = true
	}
	return present, true
}

// clauseSep splits a reply into the clauses a negation reaches across.
var clauseSep = regexp.MustCompile(`[,;.\n]+|\bbut\b|\bhowever\b`)

// negationCues before a label negate it within its clause ("no pleural
// effusion or edema"); negationAfter right after it (optionally after
// "is" or "are": "edema: no", "effusion is absent", "edema not seen").
var (
	negationCues  = map[string]bool{"no": true, "not": true, "without": true, "negative": true, "absent": true, "free": true}
	negationAfter = map[string]bool{"no": true, "not": true, "absent": true, "negative": true, "false": true}
)

// PredictLabels reads which labels a reply says are present: each
// option whose text the reply mentions as whole words (ignoring an
// option whose text is part of another mentioned one), or whose letter is
// a clause on its own ("A, C", "Answer: A; C"), unless a simple NegEx-like
// rule negates it: "no", "not", "without", "negative", "absent" or "free"
// before it in its clause (clauses end at , ; . a new line, "but" and
// "however"), or "no", "not", "absent", "negative" or "false" right after
// it ("edema: no", "effusion is absent"). It is a rule, not a parser:
// prompts that ask for the list of labels present, or "none", read best.
// parsed is false when the reply names no label and does not say "none"
// or the like.
func PredictLabels(reply string, choices []string) (present []bool, parsed bool) {
	present = make([]bool, len(choices))
	for _, clause := range clauseSep.Split(reply, -1) {
		letter := strings.TrimSpace(clause[strings.LastIndex(clause, ":")+1:])
		letter = strings.Trim(letter, "()[]* ")
		if len(letter) == 1 {
			if i, ok := letterIndex(letter, len(choices)); ok {
				present[i], parsed = true, true
				continue
			}
		}
		words := Tokens(clause)
		if len(words) > 0 && noneAnswers[strings.Join(words, " ")] ||
			len(words) > 1 && noneAnswers[strings.Join(words[1:], " ")] && strings.Contains(clause, ":") {
			parsed = true
			continue
		}
		for _, h := range labelMentions(words, choices) {
			parsed = true
			negated := false
			for _, w := range words[:h.pos] {
				if negationCues[w] {
					negated = true
				}
			}
			after := words[h.end:]
			if len(after) > 0 && (after[0] == "is" || after[0] == "are") {
				after = after[1:]
			}
			if len(after) > 0 && negationAfter[after[0]] {
				negated = true
			}
			if !negated {
				present[h.i] = true
			}
		}
	}
	return present, parsed
}

// labelMention is where option i's words are in a clause's words:
// words[pos:end].
type labelMention struct{ i, pos, end int }

// labelMentions finds the options a clause's words mention as whole
// words, leaving out an option whose text is inside another one's
// mention ("effusion" within "pleural effusion").
func labelMentions(words []string, choices []string) []labelMention {
	var hits []labelMention
	for i, c := range choices {
		cw := Tokens(c)
		if len(cw) == 0 {
			continue
		}
		for p := 0; p+len(cw) <= len(words); p++ {
			if equalWords(words[p:p+len(cw)], cw) {
				hits = append(hits, labelMention{i, p, p + len(cw)})
			}
		}
	}
	var out []labelMention
	for _, h := range hits {
		inner := false
		for _, o := range hits {
			if o != h && o.pos <= h.pos && h.end <= o.end && o.end-o.pos > h.end-h.pos {
				inner = true
			}
		}
		if !inner {
			out = append(out, h)
		}
	}
	return out
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// labelCounts are one label's true positives, false positives and false
// negatives.
type labelCounts struct{ tp, fp, fn int }

// labelTally sums label outcomes by label (the normalised option text).
type labelTally map[string]labelCounts

func (t labelTally) add(o labelTally) {
	for l, c := range o {
		s := t[l]
		s.tp += c.tp
		s.fp += c.fp
		s.fn += c.fn
		t[l] = s
	}
}

// labelOutcome is one run's tally: each of its item's labels counted as
// a true or false positive or a false negative (true negatives do not
// enter F1), every label present so that labels never seen still count
// towards being left out.
func labelOutcome(truth, pred []bool, choices []string) labelTally {
	t := labelTally{}
	for i, c := range choices {
		var lc labelCounts
		switch {
		case truth[i] && pred[i]:
			lc.tp = 1
		case pred[i]:
			lc.fp = 1
		case truth[i]:
			lc.fn = 1
		}
		t[Normalize(c)] = lc
	}
	return t
}

// MacroF1Score is the mean over labels of 2TP / (2TP + FP + FN), labels
// with no positives and no predictions left out; 1 when none is left.
func (t labelTally) macroF1() float64 {
	s, n := 0.0, 0
	for _, c := range t {
		d := 2*c.tp + c.fp + c.fn
		if d == 0 {
			continue
		}
		s += 2 * float64(c.tp) / float64(d)
		n++
	}
	if n == 0 {
		return 1
	}
	return s / float64(n)
}

// scoreLabels scores one multi-label run: the F1 of its predicted labels
// against the reference's (1 when both are empty), which is what a row
// scores alone; groups score the corpus-level macro-F1.
func scoreLabels(reply, answer string, choices []string) (score float64, parsed, scorable bool) {
	truth, ok := ParseLabels(answer, choices)
	if !ok {
		return 0, false, false
	}
	pred, parsed := PredictLabels(reply, choices)
	tp, np, nt := 0, 0, 0
	for i := range truth {
		if truth[i] {
			nt++
		}
		if pred[i] {
			np++
			if truth[i] {
				tp++
			}
		}
	}
	if np+nt == 0 {
		return 1, parsed, true
	}
	return 2 * float64(tp) / float64(np+nt), parsed, true
}
