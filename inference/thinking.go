package inference

import "strings"

// MedGemma's thinking markers: MedGemma 1.5 (and 27B with thinking on)
// writes its reasoning between these tokens before the answer.
const (
	ThinkingStart = "<unused94>"
	ThinkingEnd   = "<unused95>"
)

// thinkingSplitter separates thinking text from the answer in a stream of
// chunks. Markers may be split across chunks: text that could be the start
// of a marker is held back until the next chunk or Flush decides.
type thinkingSplitter struct {
	thinking bool
	pending  string
}

// Write takes the next chunk and returns the answer text and thinking text
// that are certain so far.
func (s *thinkingSplitter) Write(chunk string) (answer, thinking string) {
	var a, th strings.Builder
	buf := s.pending + chunk
	s.pending = ""
	for buf != "" {
		marker := ThinkingStart
		if s.thinking {
			marker = ThinkingEnd
		}
		if i := strings.Index(buf, marker); i >= 0 {
			s.emit(&a, &th, buf[:i])
			buf = buf[i+len(marker):]
			s.thinking = !s.thinking
			continue
		}
		// Hold back a tail that may be the beginning of the marker.
		keep := 0
		for k := min(len(marker)-1, len(buf)); k > 0; k-- {
			if strings.HasSuffix(buf, marker[:k]) {
				keep = k
				break
			}
		}
		s.emit(&a, &th, buf[:len(buf)-keep])
		s.pending = buf[len(buf)-keep:]
		break
	}
	return a.String(), th.String()
}

// Flush returns what was held back at the end of the stream.
func (s *thinkingSplitter) Flush() (answer, thinking string) {
	p := s.pending
	s.pending = ""
	if s.thinking {
		return "", p
	}
	return p, ""
}

func (s *thinkingSplitter) emit(a, th *strings.Builder, t string) {
	if s.thinking {
		th.WriteString(t)
	} else {
		a.WriteString(t)
	}
}

// SplitThinking separates a whole answer into the answer proper and the
// thinking text between MedGemma's markers. The answer's leading blank
// space left by a removed thought is trimmed.
func SplitThinking(text string) (answer, thinking string) {
	var s thinkingSplitter
	a, th := s.Write(text)
	fa, fth := s.Flush()
	return strings.TrimLeft(a+fa, " \n"), th + fth
}
