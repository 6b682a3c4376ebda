package failpoint

import (
	"context"
	"errors"

	"github.com/aimemory/ai-memory/shipgate/cluster"
	"github.com/aimemory/ai-memory/shipgate/config"
	"github.com/aimemory/ai-memory/shipgate/history"
)

// Database is the one PostgreSQL of the shared-postgres topology and each
// node's link to it.
type Database interface {
	// StopImmediate crashes the server (pg_ctl stop -m immediate);
	// Restart starts it again on the same data and address.
	StopImmediate(ctx context.Context) error
	Restart(ctx context.Context) error
	// Cut blackholes node's link to the server; Heal restores it.
	Cut(node string) error
	Heal(node string) error
}

// SharedFaults are the classes of config.SharedFaultClasses: the process
// faults, unchanged, and the database's own.
var SharedFaults = []Fault{
	{config.KillNode, killNodes},
	{config.KillMajority, killNodes},
	{config.PauseNode, pause},
	{config.DBStop, dbStop},
	{config.DBPartition, dbPartition},
}

// LookupShared finds a shared-postgres class's injection.
func LookupShared(name string) (Fault, bool) {
	for _, f := range SharedFaults {
		if f.Name == name {
			return f, true
		}
	}
	return Fault{}, false
}

// RunShared is Run for the shared-postgres classes.
func RunShared(ctx context.Context, cl *cluster.Cluster, p Plan, waitAcked func(context.Context, int) bool, trigger int, rec *history.Log, phase int) Injection {
	return run(ctx, LookupShared, cl, p, waitAcked, trigger, rec, phase)
}

// dbStop crashes the database for the duration. ActiveFrom..ActiveTo is
// when it was certainly down: no write can have committed then.
func dbStop(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	if p.DB == nil {
		return errors.New("db_stop: no database in the plan")
	}
	if err := p.DB.StopImmediate(ctx); err != nil {
		return err
	}
	inj.ActiveFromMS = inj.now()
	hold(ctx, p.Duration)
	inj.ActiveToMS = inj.now()
	// The restart must not inherit a cancelled context: a server left down
	// would fail every later cycle for the wrong reason.
	return p.DB.Restart(context.WithoutCancel(ctx))
}

// dbPartition blackholes the victim's link to the database for the
// duration; ActiveFrom..ActiveTo is when it was certainly cut.
func dbPartition(ctx context.Context, cl *cluster.Cluster, p Plan, inj *Injection) error {
	if p.DB == nil {
		return errors.New("db_partition: no database in the plan")
	}
	v := p.Victims[0].Name
	err := p.DB.Cut(v)
	inj.ActiveFromMS = inj.now()
	hold(ctx, p.Duration)
	inj.ActiveToMS = inj.now()
	return errors.Join(err, p.DB.Heal(v))
}
