package failpoint

import (
	"context"
	"errors"

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

// powerLoss kills the victim, throws away what it had not fsynced, keeps
// it down for the duration and starts it on what survived.
func powerLoss(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	v := p.Victims[0]
	d, err := diskOf(v)
	if err != nil {
		return err
	}
	v.Kill()
	cut, err := d.Cut(ctx)
	inj.BytesCut = cut.Bytes
	hold(ctx, p.Duration)
	return errors.Join(err, v.Start(ctx))
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
