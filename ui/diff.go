package ui

import (
	"fmt"
	"strings"
)

// diffKind says whether words are in both texts, only the first or only
// the second.
type diffKind int

// The kinds of word-diff runs.
const (
	diffSame diffKind = iota
	diffRemoved
	diffAdded
)

// diffOp is a run of consecutive words of one kind, joined by spaces.
type diffOp struct {
	Kind diffKind
	Text string
}

// maxDiffCells bounds the LCS table (about 40 MB of int32): two answers of
// 6,000 words each. Longer texts are compared as wholes.
const maxDiffCells = 10_000_000

// wordDiff compares a and b word by word (split at white space) through a
// longest common subsequence and returns the runs that turn a into b:
// words kept, removed from a and added in b. Removals come before
// additions where both happen at one place.
func wordDiff(a, b string) []diffOp {
	aw, bw := strings.Fields(a), strings.Fields(b)
	var ops []diffOp
	emit := func(k diffKind, w string) {
		if n := len(ops); n > 0 && ops[n-1].Kind == k {
			ops[n-1].Text += " " + w
			return
		}
		ops = append(ops, diffOp{Kind: k, Text: w})
	}
	if (len(aw)+1)*(len(bw)+1) > maxDiffCells {
		if a == b {
			return []diffOp{{Kind: diffSame, Text: strings.Join(aw, " ")}}
		}
		for _, w := range aw {
			emit(diffRemoved, w)
		}
		for _, w := range bw {
			emit(diffAdded, w)
		}
		return ops
	}
	t := lcsTable(aw, bw)
	cols := len(bw) + 1
	i, j := 0, 0
	for i < len(aw) || j < len(bw) {
		switch {
		case i < len(aw) && j < len(bw) && aw[i] == bw[j]:
			emit(diffSame, aw[i])
			i++
			j++
		case j == len(bw) || (i < len(aw) && t[(i+1)*cols+j] >= t[i*cols+j+1]):
			emit(diffRemoved, aw[i])
			i++
		default:
			emit(diffAdded, bw[j])
			j++
		}
	}
	return ops
}

// lcsTable returns t with t[i*(len(b)+1)+j] the length of the longest
// common subsequence of a[i:] and b[j:].
func lcsTable(a, b []string) []int32 {
	cols := len(b) + 1
	t := make([]int32, (len(a)+1)*cols)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i*cols+j] = t[(i+1)*cols+j+1] + 1
			} else {
				t[i*cols+j] = max(t[(i+1)*cols+j], t[i*cols+j+1])
			}
		}
	}
	return t
}

// wordOverlap is how much of two texts is shared word for word: twice the
// longest common subsequence of their words over their total number of
// words, from 0 (nothing shared) to 1 (the same words in the same order).
// Two empty texts overlap fully.
func wordOverlap(a, b string) float64 {
	aw, bw := strings.Fields(a), strings.Fields(b)
	if len(aw)+len(bw) == 0 {
		return 1
	}
	if (len(aw)+1)*(len(bw)+1) > maxDiffCells {
		if a == b {
			return 1
		}
		return 0
	}
	return 2 * float64(lcsTable(aw, bw)[0]) / float64(len(aw)+len(bw))
}

// stability measures how alike repeated answers are: the size of the
// largest group of identical answers (ignoring surrounding white space)
// and the mean word overlap of all pairs (1 for fewer than two answers).
func stability(answers []string) (identical int, meanOverlap float64) {
	groups := map[string]int{}
	for _, a := range answers {
		k := strings.TrimSpace(a)
		groups[k]++
		identical = max(identical, groups[k])
	}
	if len(answers) < 2 {
		return identical, 1
	}
	var sum float64
	pairs := 0
	for i := range answers {
		for j := i + 1; j < len(answers); j++ {
			sum += wordOverlap(answers[i], answers[j])
			pairs++
		}
	}
	return identical, sum / float64(pairs)
}

// stabilityText is the line shown under repeated answers.
func stabilityText(answers []string) string {
	identical, overlap := stability(answers)
	return fmt.Sprintf("%d of %d identical%smean word overlap %.2f", identical, len(answers), statsSep, overlap)
}

// diffSummary counts the words a diff keeps, removes and adds.
func diffSummary(ops []diffOp) string {
	var same, removed, added int
	for _, op := range ops {
		n := len(strings.Fields(op.Text))
		switch op.Kind {
		case diffSame:
			same += n
		case diffRemoved:
			removed += n
		case diffAdded:
			added += n
		}
	}
	return fmt.Sprintf("%d words shared%s%d removed%s%d added", same, statsSep, removed, statsSep, added)
}
