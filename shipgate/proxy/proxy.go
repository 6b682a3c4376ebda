// Package proxy is a TCP proxy for one directed link (a peer link, or the
// harness's link to a node), controlled by the harness: it passes bytes,
// blackholes them (connections hang, as behind a firewall DROP), delays
// them with jitter, drops connections outright (RST), or forwards requests
// and then loses some responses (the far side did the work, the caller
// never hears of it). Partitions and lost acknowledgements are real without
// root, as in etcd's robustness tests.
package proxy

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is what the proxy does with traffic.
type Mode int

const (
	Pass      Mode = iota // forward bytes both ways
	Blackhole             // accept and read, forward nothing; connections hang
	Delay                 // forward each chunk after the configured delay
	Drop                  // reset every connection, existing and new
	// DropResponses forwards requests, and resets the connection instead of
	// forwarding a response chunk with the configured probability.
	DropResponses
)

func (m Mode) String() string {
	switch m {
	case Pass:
		return "pass"
	case Blackhole:
		return "blackhole"
	case Delay:
		return "delay"
	case Drop:
		return "drop"
	case DropResponses:
		return "drop-responses"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Proxy forwards connections accepted on a loopback port to Target.
type Proxy struct {
	target string
	ln     net.Listener
	dialer net.Dialer

	mu     sync.Mutex
	mode   Mode
	delay  time.Duration
	jitter time.Duration // Delay: each chunk waits delay + rand[0, jitter)
	dropP  float64       // DropResponses: probability per response chunk
	links  map[*link]struct{}
	// dropped counts responses lost on purpose: the evidence that a
	// drop-responses fault did something.
	dropped atomic.Int64
	closed  bool
	wg      sync.WaitGroup
}

// link is one accepted connection. A link that lost bytes to a blackhole is
// poisoned: its byte stream is corrupt, so it is closed when the link heals,
// just as TCP would eventually time it out.
type link struct {
	client, server net.Conn
	poisoned       bool
}

// Start listens on host:0 (a free port on host, which must be loopback or a
// harness-owned address) and forwards to target.
func Start(host, target string) (*Proxy, error) { return start(host, target, nil) }

// StartBound is Start that also dials from host, so the far side sees the
// proxy's address and a partition rule can name it.
func StartBound(host, target string) (*Proxy, error) {
	return start(host, target, &net.TCPAddr{IP: net.ParseIP(host)})
}

func start(host, target string, from net.Addr) (*Proxy, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("proxy: listen: %w", err)
	}
	p := &Proxy{target: target, ln: ln, links: map[*link]struct{}{},
		dialer: net.Dialer{Timeout: 2 * time.Second, LocalAddr: from}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the host:port peers should dial instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Target is the address the proxy forwards to.
func (p *Proxy) Target() string { return p.target }

// Mode returns the current mode.
func (p *Proxy) Mode() Mode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

// Set switches the mode. Entering Blackhole poisons every open link; leaving
// it closes the poisoned ones; Drop resets every open link.
func (p *Proxy) Set(m Mode, delay time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode, p.delay, p.jitter, p.dropP = m, delay, 0, 0
	p.apply(m)
}

// SetLatency delays every chunk in both directions by base plus a uniform
// jitter in [0, jitter).
func (p *Proxy) SetLatency(base, jitter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode, p.delay, p.jitter, p.dropP = Delay, base, jitter, 0
	p.apply(Delay)
}

// SetDropResponses loses each response chunk with probability prob.
func (p *Proxy) SetDropResponses(prob float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode, p.delay, p.jitter, p.dropP = DropResponses, 0, 0, prob
	p.apply(DropResponses)
}

// Dropped is the number of responses lost so far.
func (p *Proxy) Dropped() int64 { return p.dropped.Load() }

// apply brings open links in line with a new mode; p.mu is held.
func (p *Proxy) apply(m Mode) {
	for l := range p.links {
		switch {
		case m == Blackhole:
			l.poisoned = true
		case m == Drop || l.poisoned:
			l.reset()
			delete(p.links, l)
		}
	}
}

// Close stops accepting, closes every link and waits for the goroutines.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for l := range p.links {
		l.reset()
		delete(p.links, l)
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // listener closed
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *Proxy) serve(c net.Conn) {
	defer p.wg.Done()
	p.mu.Lock()
	mode := p.mode
	p.mu.Unlock()
	l := &link{client: c}
	switch mode {
	case Drop:
		l.reset()
		return
	case Pass, Delay, DropResponses:
		s, err := p.dialer.Dial("tcp", p.target)
		if err != nil {
			l.reset() // the peer is down: the dialer sees a reset, as it would
			return
		}
		l.server = s
	case Blackhole:
		l.poisoned = true
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		l.reset()
		return
	}
	p.links[l] = struct{}{}
	p.mu.Unlock()

	var done sync.WaitGroup
	done.Add(1)
	go func() { defer done.Done(); p.pump(l, l.client, l.server, false) }()
	if l.server != nil {
		p.pump(l, l.server, l.client, true)
	}
	done.Wait()
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
	l.reset()
}

// pump copies src to dst chunk by chunk, consulting the mode for every
// chunk so a change takes effect on open connections at once. response is
// true for the server-to-caller direction.
func (p *Proxy) pump(l *link, src, dst net.Conn, response bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			mode, delay, jitter, dropP, poisoned := p.mode, p.delay, p.jitter, p.dropP, l.poisoned
			if mode == Blackhole {
				l.poisoned, poisoned = true, true
			}
			p.mu.Unlock()
			if response && mode == DropResponses && rand.Float64() < dropP {
				p.dropped.Add(1)
				l.reset()
				return
			}
			if !poisoned && dst != nil {
				if mode == Delay {
					if jitter > 0 {
						delay += rand.N(jitter)
					}
					if delay > 0 {
						time.Sleep(delay)
					}
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					l.reset()
					return
				}
			}
		}
		if err != nil {
			p.mu.Lock()
			poisoned := l.poisoned
			p.mu.Unlock()
			if errors.Is(err, io.EOF) && dst != nil && !poisoned {
				if tc, ok := dst.(*net.TCPConn); ok {
					tc.CloseWrite() // half-close: pass the EOF on
					return
				}
			}
			l.reset()
			return
		}
	}
}

// reset closes both ends with SO_LINGER 0, so peers see a RST, not a FIN.
func (l *link) reset() {
	for _, c := range []net.Conn{l.client, l.server} {
		if c == nil {
			continue
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}
}
