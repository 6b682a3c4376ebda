package failpoint

import (
	"context"
	"errors"
	"sync"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/lazyfs"
)

// diskOf returns the victim's disk layer.
func diskOf(n *cluster.Node) (*cluster.Disk, error) {
	if n.Disk == nil {
		return nil, errors.New("node " + n.Name + " has no disk layer")
	}
	return n.Disk, nil
}

// powerLoss kills the victims at once, throws away what each had not
// fsynced, keeps them down for the duration and starts them on what
// survived.
func powerLoss(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	var mu sync.Mutex
	err := eachVictim(p, func(v *cluster.Node) error {
		d, err := diskOf(v)
		if err != nil {
			return err
		}
		v.Kill()
		cut, err := d.Cut(ctx)
		mu.Lock()
		inj.BytesCut += cut.Bytes
		mu.Unlock()
		return err
	})
	hold(ctx, p.Duration)
	return errors.Join(err, eachVictim(p, func(v *cluster.Node) error { return v.Start(ctx) }))
}

// diskFull refuses the victim's writes with ENOSPC for the duration.
func diskFull(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	d, err := diskOf(p.Victims[0])
	if err != nil {
		return err
	}
	err = d.SetFault(ctx, lazyfs.ENOSPC)
	inj.ActiveFromMS = inj.now()
	hold(ctx, p.Duration)
	inj.ActiveToMS = inj.now()
	return errors.Join(err, d.SetFault(ctx, lazyfs.None))
}

// diskError fails the victim's fsyncs with EIO for the duration, then cuts
// its power: whatever it acknowledged on a failed fsync is gone, as it
// would be on a real disk that lost its cache.
func diskError(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	v := p.Victims[0]
	d, err := diskOf(v)
	if err != nil {
		return err
	}
	err = d.SetFault(ctx, lazyfs.EIOFsync)
	hold(ctx, p.Duration)
	v.Kill()
	cut, cerr := d.Cut(ctx)
	inj.BytesCut = cut.Bytes
	return errors.Join(err, cerr, d.SetFault(ctx, lazyfs.None), v.Start(ctx))
}
