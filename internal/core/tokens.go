package core

// Tokens a request's prompt is estimated to take, before the runtime
// counts them: by the pre-flight check (which sets num_ctx from it) and by
// the window's progress line. An image is 256 soft tokens plus its start,
// end and separator tokens (MedGemma's 896×896 input pooled to 16×16);
// text is estimated generously so that an estimate errs towards more
// context, never less.
const (
	ImageTokens      = 256
	imageExtraTokens = 4
	messageOverhead  = 8
	templateOverhead = 16
)

// EstimatePromptTokens is a generous estimate of the prompt tokens a
// request takes: its images at 260 tokens each and its text at one token
// per three bytes, plus the chat template's markers.
func EstimatePromptTokens(req Request) int {
	n := templateOverhead
	for _, s := range []string{req.System, req.Prompt} {
		if s != "" {
			n += messageOverhead + (len(s)+2)/3
		}
	}
	return n + len(req.Images)*(ImageTokens+imageExtraTokens)
}
