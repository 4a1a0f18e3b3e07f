package batch

import (
	"regexp"
	"strings"
)

// rougeNonAlnum is rouge-score's NON_ALPHANUM_RE, applied after lower
// casing: every run of characters other than a-z and 0-9 is a separator.
var rougeNonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

// RougeTokens are a text's tokens as Google's rouge-score tokenizes them
// (rouge_score/tokenize.py, without a stemmer): lower case, every run of
// characters other than a-z and 0-9 replaced by a space, split on
// spaces, empty tokens dropped. Letters outside ASCII are separators, as
// there.
func RougeTokens(s string) []string {
	return strings.Fields(rougeNonAlnum.ReplaceAllString(strings.ToLower(s), " "))
}

// RougeLF is the ROUGE-L F-measure of a prediction against a reference
// as rouge-score's RougeScorer(["rougeL"], use_stemmer=False) computes it
// (rouge_scorer._score_lcs): with L the length of the longest common
// subsequence of their [RougeTokens], precision L/len(prediction), recall
// L/len(reference), F = 2PR/(P+R), and 0 when either has no tokens or
// nothing is shared. Stemming is off (the scorer's default); "rougeL" is
// the sentence-level score, not "rougeLsum".
func RougeLF(pred, ref string) float64 {
	p, r := RougeTokens(pred), RougeTokens(ref)
	if len(p) == 0 || len(r) == 0 {
		return 0
	}
	l := lcsLen(r, p)
	if l == 0 {
		return 0
	}
	precision := float64(l) / float64(len(p))
	recall := float64(l) / float64(len(r))
	return 2 * precision * recall / (precision + recall)
}

// lcsLen is the length of the longest common subsequence of a and b, by
// the usual dynamic programme over two rows.
func lcsLen(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(cur[j], prev[j+1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
