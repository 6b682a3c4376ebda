package proxy

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// echoServer answers every line with the same line, on a real loopback socket.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func startProxy(t *testing.T) *Proxy {
	t.Helper()
	p, err := Start("127.0.0.1", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// roundTrip sends a line and waits up to d for the echo.
func roundTrip(c net.Conn, r *bufio.Reader, msg string, d time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(d))
	if _, err := c.Write([]byte(msg + "\n")); err != nil {
		return "", err
	}
	line, err := r.ReadString('\n')
	return strings.TrimSpace(line), err
}

func TestPassForwardsBytes(t *testing.T) {
	p := startProxy(t)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for _, m := range []string{"one", "two", strings.Repeat("x", 100000)} {
		got, err := roundTrip(c, r, m, 2*time.Second)
		if err != nil || got != m {
			t.Fatalf("echo %d bytes: got %d bytes, err %v", len(m), len(got), err)
		}
	}
}

func TestBlackholeHangsThenHealClosesPoisonedLink(t *testing.T) {
	p := startProxy(t)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if _, err := roundTrip(c, r, "before", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Set(Blackhole, 0)
	_, err = roundTrip(c, r, "lost", 300*time.Millisecond)
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("blackholed link: want a timeout, got %v", err)
	}
	// A new connection during the blackhole is accepted but never answered.
	c2, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := roundTrip(c2, bufio.NewReader(c2), "new", 300*time.Millisecond); err == nil {
		t.Fatal("new connection answered through a blackhole")
	}
	p.Set(Pass, 0)
	// The poisoned connection is closed on heal; a fresh one works.
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := r.ReadString('\n'); err == nil {
		t.Fatal("poisoned link still delivered data after heal")
	}
	c3, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if got, err := roundTrip(c3, bufio.NewReader(c3), "after", 2*time.Second); err != nil || got != "after" {
		t.Fatalf("after heal: %q %v", got, err)
	}
}

func TestDropResetsConnections(t *testing.T) {
	p := startProxy(t)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if _, err := roundTrip(c, r, "ok", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Set(Drop, 0)
	start := time.Now()
	if _, err := roundTrip(c, r, "x", 2*time.Second); err == nil {
		t.Fatal("dropped link still answers")
	}
	c2, err := net.Dial("tcp", p.Addr())
	if err == nil {
		defer c2.Close()
		if _, err := roundTrip(c2, bufio.NewReader(c2), "y", 2*time.Second); err == nil {
			t.Fatal("new connection answered in drop mode")
		}
	}
	if time.Since(start) > time.Second {
		t.Fatalf("drop should fail fast, took %s", time.Since(start))
	}
}

func TestDelayAddsLatency(t *testing.T) {
	p := startProxy(t)
	p.Set(Delay, 150*time.Millisecond)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	got, err := roundTrip(c, bufio.NewReader(c), "slow", 3*time.Second)
	if err != nil || got != "slow" {
		t.Fatalf("%q %v", got, err)
	}
	// One delay each way.
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Fatalf("round trip took %s, want >= 300ms", el)
	}
}

func TestTargetDownResets(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	p, err := Start("127.0.0.1", dead)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		return // reset before the handshake completed: also a refusal
	}
	defer c.Close()
	if _, err := roundTrip(c, bufio.NewReader(c), "x", 2*time.Second); err == nil {
		t.Fatal("proxy to a dead target answered")
	}
}

// countingServer records every line it receives and echoes it, so a test
// can see that a request arrived even when its answer was lost.
func countingServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var got atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					got.Add(1)
					c.Write([]byte(line))
				}
			}()
		}
	}()
	return ln.Addr().String(), &got
}

func TestDropResponsesDeliversRequestsButLosesAnswers(t *testing.T) {
	addr, got := countingServer(t)
	p, err := Start("127.0.0.1", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetDropResponses(1)
	for i := range 5 {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := roundTrip(c, bufio.NewReader(c), "write", 2*time.Second); err == nil {
			t.Fatalf("request %d: answer arrived through drop-responses", i)
		}
		c.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for got.Load() < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got.Load() != 5 || p.Dropped() != 5 {
		t.Fatalf("server saw %d requests, proxy dropped %d answers; want 5 and 5", got.Load(), p.Dropped())
	}
	p.Set(Pass, 0)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if line, err := roundTrip(c, bufio.NewReader(c), "healed", 2*time.Second); err != nil || line != "healed" {
		t.Fatalf("after heal: %q, %v", line, err)
	}
}

func TestLatencyJitterStaysInRange(t *testing.T) {
	p := startProxy(t)
	p.SetLatency(30*time.Millisecond, 40*time.Millisecond)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for range 5 {
		start := time.Now()
		if _, err := roundTrip(c, r, "x", 3*time.Second); err != nil {
			t.Fatal(err)
		}
		// Two chunks (request, echo) each wait 30..70 ms.
		if took := time.Since(start); took < 60*time.Millisecond || took > 1500*time.Millisecond {
			t.Fatalf("round trip took %s, want 60..140 ms (plus scheduling slack)", took)
		}
	}
}
