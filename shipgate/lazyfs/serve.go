package lazyfs

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Reply is one line the server writes: first {"ok":true,"ready":true,...}
// once mounted, then one per command.
type Reply struct {
	OK    bool      `json:"ok"`
	Error string    `json:"error,omitempty"`
	Ready bool      `json:"ready,omitempty"`
	Mount string    `json:"mount,omitempty"` // ready line
	Conn  int       `json:"conn,omitempty"`  // ready line: fusectl connection number
	PID   int       `json:"pid,omitempty"`   // ready line
	Mode  Mode      `json:"mode,omitempty"`  // fault
	Cut   *CutStats `json:"cut,omitempty"`   // cut
	Stats *Stats    `json:"stats,omitempty"` // stats
}

// Serve mounts backing at mountpoint and answers line commands from in on
// out until in ends or stop is closed, then unmounts. Commands:
//
//	cut                                   drop what is not durable
//	fault none|enospc|eio-write|eio-fsync set the injected fault
//	stats                                 the counters
//
// It runs in a process of its own (ship-gate lazyfs): a mount served from
// a process that also uses it can hang that process's exit.
func Serve(backing, mountpoint string, in io.Reader, out io.Writer, stop <-chan os.Signal) error {
	l, err := Mount(backing, mountpoint)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	conn, err := l.Conn()
	if err == nil {
		err = enc.Encode(Reply{OK: true, Ready: true, Mount: mountpoint, Conn: conn, PID: os.Getpid()})
	}
	if err != nil {
		return errors.Join(err, l.Unmount())
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return l.Unmount()
			}
			if err := enc.Encode(l.command(line)); err != nil {
				return errors.Join(err, l.Unmount())
			}
		case <-stop:
			return l.Unmount()
		}
	}
}

func (l *FS) command(line string) Reply {
	f := strings.Fields(line)
	switch {
	case len(f) == 1 && f[0] == "cut":
		cs, err := l.Cut()
		if err != nil {
			return Reply{Error: err.Error(), Cut: &cs}
		}
		return Reply{OK: true, Cut: &cs}
	case len(f) == 2 && f[0] == "fault":
		m, err := ParseMode(f[1])
		if err != nil {
			return Reply{Error: err.Error()}
		}
		l.SetMode(m)
		return Reply{OK: true, Mode: m}
	case len(f) == 1 && f[0] == "stats":
		st := l.Stats()
		return Reply{OK: true, Mode: st.Mode, Stats: &st}
	}
	return Reply{Error: fmt.Sprintf("unknown command %q (want cut, fault MODE or stats)", line)}
}
