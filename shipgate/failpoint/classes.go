package failpoint

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
)

// eachVictim runs f on every victim at once: two nodes killed "at once"
// must not be killed one after the other.
func eachVictim(p Plan, f func(n *cluster.Node) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(p.Victims))
	for i, n := range p.Victims {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f(n) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// killNodes SIGKILLs the victims, keeps them down for the duration and
// starts them again on the same data.
func killNodes(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	eachVictim(p, func(n *cluster.Node) error { n.Kill(); return nil })
	hold(ctx, p.Duration)
	return eachVictim(p, func(n *cluster.Node) error { return n.Start(ctx) })
}

func partition(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	err := cl.Partition(p.Victims[0])
	hold(ctx, p.Duration)
	return errors.Join(err, cl.Net.Heal())
}

func partitionOutbound(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	err := cl.PartitionOutbound(p.Victims[0])
	hold(ctx, p.Duration)
	return errors.Join(err, cl.Net.Heal())
}

func pause(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	v := p.Victims[0]
	err := v.Pause()
	hold(ctx, p.Duration)
	return errors.Join(err, v.Resume())
}

// dropAcks loses answers on every link of the victim: its peers' pushes
// to it land but their acknowledgements vanish, its own pushes land on its
// peers unanswered, and clients writing through it hear nothing back.
func dropAcks(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	links := cl.Links(p.Victims[0])
	before, err := dropped(links)
	for _, l := range links {
		err = errors.Join(err, l.SetDropResponses(p.DropP))
	}
	hold(ctx, p.Duration)
	err = errors.Join(err, heal(links))
	after, derr := dropped(links)
	inj.Dropped = after - before
	return errors.Join(err, derr)
}

func dropped(links []cluster.Link) (int64, error) {
	var n int64
	var errs []error
	for _, l := range links {
		d, err := l.Dropped()
		n += d
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}

// heal lets every link pass again; each is tried even if one fails.
func heal(links []cluster.Link) error {
	var errs []error
	for _, l := range links {
		errs = append(errs, l.Pass())
	}
	return errors.Join(errs...)
}

// latency delays the victim's peer links so that a round trip takes up to
// p.Delay: each direction waits between a quarter and three quarters of
// half the delay.
func latency(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	links := cl.Net.PeerLinks(cl.Index(p.Victims[0]))
	half := p.Delay / 2
	var err error
	for _, l := range links {
		err = errors.Join(err, l.SetLatency(half/4, half/2))
	}
	hold(ctx, p.Duration)
	return errors.Join(err, heal(links))
}

// clockSkew moves the victim's clock while it serves. In set-back cycles
// the victim is then restarted with its clock moved the other way, so it
// must resume above every version it issued or saw while ahead.
func clockSkew(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	v := p.Victims[0]
	if err := v.Client.SetClockOffset(ctx, p.Skew); err != nil {
		return err
	}
	hold(ctx, p.Duration)
	if p.SetBack {
		back := -abs(p.Skew)
		return v.Restart(ctx, "--fault", fmt.Sprintf("clock-skew=%s", back))
	}
	return v.Client.SetClockOffset(ctx, 0)
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
