package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress shows a live status line on a terminal and plain, timestamped
// log lines otherwise (CI logs, pipes).
type progress struct {
	mu     sync.Mutex
	out    io.Writer
	tty    bool
	start  time.Time
	fields map[string]string
	last   time.Time
}

var progressOrder = []string{"phase", "cycle", "writes", "faults"}

func newProgress(f *os.File) *progress {
	st, err := f.Stat()
	tty := err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
	return &progress{out: f, tty: tty, start: time.Now(), fields: map[string]string{}}
}

func (p *progress) Set(key, value string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	changed := p.fields[key] != value
	p.fields[key] = value
	if !p.tty {
		if key == "phase" && changed {
			fmt.Fprintf(p.out, "%s %s\n", p.stamp(), value)
		}
		return
	}
	if time.Since(p.last) >= 100*time.Millisecond || key == "phase" {
		p.redraw()
	}
}

func (p *progress) Logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.out, "\r\033[K")
	}
	fmt.Fprintf(p.out, "%s %s\n", p.stamp(), fmt.Sprintf(format, args...))
	if p.tty {
		p.redraw()
	}
}

// Done clears the status line.
func (p *progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.out, "\r\033[K")
	}
}

func (p *progress) stamp() string {
	return fmt.Sprintf("[%6.1fs]", time.Since(p.start).Seconds())
}

func (p *progress) redraw() {
	var parts []string
	for _, k := range progressOrder {
		if v := p.fields[k]; v != "" {
			parts = append(parts, k+" "+v)
		}
	}
	line := p.stamp() + " " + strings.Join(parts, " | ")
	if len(line) > 160 {
		line = line[:160]
	}
	fmt.Fprint(p.out, "\r\033[K"+line)
	p.last = time.Now()
}
