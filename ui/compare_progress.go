package ui

import (
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// progressEvery is how often a running column's progress line is redrawn.
const progressEvery = 250 * time.Millisecond

// runStage is where a column's run is.
type runStage int

const (
	stagePreparing  runStage = iota // the model inputs are being made
	stageSent                       // sent: the runtime loads the model and reads the prompt
	stageGenerating                 // tokens arrive
)

// runProgress is a column's progress line while it runs: the stage and the
// time since Run — the images being made (k of N), the request sent and
// the prompt being read (with an estimate from the model's measured prompt
// rate), then the tokens and their rate. Its counts are written from the
// goroutines of the run; the line is drawn on the UI goroutine.
type runProgress struct {
	c     *column
	label *widget.Label

	mu         sync.Mutex
	stage      runStage
	start      time.Time // Run pressed
	sentAt     time.Time
	firstToken time.Time
	made, of   int     // images made, of how many
	images     int     // images sent
	prompt     int     // prompt tokens, estimated
	rate       float64 // the model's measured prompt tokens a second; 0: not yet measured
	tokens     int     // chunks streamed (about a token each)
	stop       chan struct{}
}

func newRunProgress(c *column) *runProgress {
	p := &runProgress{c: c, label: widget.NewLabel("")}
	p.label.Wrapping = fyne.TextWrapWord
	p.label.Importance = widget.LowImportance
	p.label.Hide()
	return p
}

// begin starts the line at the first stage and redraws it until end. Call
// it on the UI goroutine.
func (p *runProgress) begin() {
	p.mu.Lock()
	p.stage, p.start, p.made, p.of, p.tokens = stagePreparing, time.Now(), 0, 0, 0
	p.stop = make(chan struct{})
	stop := p.stop
	p.mu.Unlock()
	setShown(p.label, p.text(time.Now()))
	env := p.c.cv.env
	go func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-env.quit:
				return
			case <-t.C:
				env.do(p.redraw)
			}
		}
	}()
}

// redraw shows the line, while the run goes on. Call it on the UI
// goroutine.
func (p *runProgress) redraw() {
	p.mu.Lock()
	running := p.stop != nil
	p.mu.Unlock()
	if running {
		p.label.SetText(p.text(time.Now()))
	}
}

// end stops and hides the line. Call it on the UI goroutine.
func (p *runProgress) end() {
	p.mu.Lock()
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
	p.mu.Unlock()
	setShown(p.label, "")
}

// imagesMade notes k of n model inputs made; from any goroutine.
func (p *runProgress) imagesMade(k, n int) {
	p.mu.Lock()
	p.made, p.of = k, n
	p.mu.Unlock()
}

// sent notes the request sent, with its prompt's tokens estimated from
// its images and text, and the model's measured prompt rate (0: none);
// from any goroutine.
func (p *runProgress) sent(req core.Request, rate float64) {
	p.mu.Lock()
	p.stage, p.sentAt, p.tokens = stageSent, time.Now(), 0
	p.images = len(req.Images)
	p.prompt = core.EstimatePromptTokens(req)
	p.rate = rate
	p.mu.Unlock()
}

// token notes one streamed chunk; from any goroutine.
func (p *runProgress) token() {
	p.mu.Lock()
	if p.stage != stageGenerating {
		p.stage, p.firstToken = stageGenerating, time.Now()
	}
	p.tokens++
	p.mu.Unlock()
}

// text is the line at now: "Preparing images 12 of 85 · 3.1 s", "Sent 85
// images · reading the prompt: about 22,400 tokens, about 41 s at 550
// tokens/s · 12 s", "Generating · 57 tokens · 12.3 tokens/s · 18 s".
func (p *runProgress) text(now time.Time) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	elapsed := units.Duration(now.Sub(p.start).Round(100 * time.Millisecond))
	switch p.stage {
	case stagePreparing:
		if p.of > 0 {
			return fmt.Sprintf("Preparing images %d of %d%s%s", p.made, p.of, statsSep, elapsed)
		}
		return "Preparing the model input" + statsSep + elapsed
	case stageSent:
		what := "Sent"
		if p.images > 0 {
			what = fmt.Sprintf("Sent %d images", p.images)
			if p.images == 1 {
				what = "Sent 1 image"
			}
		}
		est := fmt.Sprintf("the runtime reads the prompt (about %d tokens", p.prompt)
		if p.rate > 0 {
			d := time.Duration(float64(p.prompt) / p.rate * float64(time.Second))
			est += fmt.Sprintf(", about %s at the %.0f tokens/s measured", units.Duration(d.Round(time.Second)), p.rate)
		}
		return what + statsSep + est + ")" + statsSep + elapsed
	default:
		s := fmt.Sprintf("Generating%s%d tokens", statsSep, p.tokens)
		if rate := units.Rate(int64(p.tokens), now.Sub(p.firstToken), "tokens"); rate != "" && p.tokens > 1 {
			s += statsSep + rate
		}
		return s + statsSep + elapsed
	}
}

// promptRate is the model's prompt tokens a second measured by the last
// run that reported them; 0 before any.
func (cv *compareView) promptRate(model string) float64 {
	return cv.promptRates[model]
}

// notePromptRate keeps res's prompt rate for its model.
func (cv *compareView) notePromptRate(model string, res core.Result) {
	if res.PromptEvalCount > 0 && res.PromptEvalDuration > 0 {
		if cv.promptRates == nil {
			cv.promptRates = map[string]float64{}
		}
		cv.promptRates[model] = float64(res.PromptEvalCount) / res.PromptEvalDuration.Seconds()
	}
}
