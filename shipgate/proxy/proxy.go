// Package proxy is a TCP proxy for one directed peer link, controlled by the
// harness: it passes bytes, blackholes them (connections hang, as behind a
// firewall DROP), delays them, or drops connections outright (RST). With the
// local provider every peer link goes through one, so partitions are real
// without root, as in etcd's robustness tests.
package proxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Mode is what the proxy does with traffic.
type Mode int

const (
	Pass      Mode = iota // forward bytes both ways
	Blackhole             // accept and read, forward nothing; connections hang
	Delay                 // forward each chunk after the configured delay
	Drop                  // reset every connection, existing and new
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
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Proxy forwards connections accepted on a loopback port to Target.
type Proxy struct {
	target string
	ln     net.Listener

	mu     sync.Mutex
	mode   Mode
	delay  time.Duration
	links  map[*link]struct{}
	closed bool
	wg     sync.WaitGroup
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
func Start(host, target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("proxy: listen: %w", err)
	}
	p := &Proxy{target: target, ln: ln, links: map[*link]struct{}{}}
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
	p.mode, p.delay = m, delay
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
	case Pass, Delay:
		s, err := net.DialTimeout("tcp", p.target, 2*time.Second)
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
	go func() { defer done.Done(); p.pump(l, l.client, l.server) }()
	if l.server != nil {
		p.pump(l, l.server, l.client)
	}
	done.Wait()
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
	l.reset()
}

// pump copies src to dst chunk by chunk, consulting the mode for every
// chunk so a change takes effect on open connections at once.
func (p *Proxy) pump(l *link, src, dst net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			mode, delay, poisoned := p.mode, p.delay, l.poisoned
			if mode == Blackhole {
				l.poisoned, poisoned = true, true
			}
			p.mu.Unlock()
			if !poisoned && dst != nil {
				if mode == Delay && delay > 0 {
					time.Sleep(delay)
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
