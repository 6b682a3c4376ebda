// Package webhook delivers the store events of an engine to the webhooks
// subscribed to them (engine.Subscribe). A Queue is installed as an
// engine observer, so a memory stored through any face (HTTP, MCP, CLI)
// or approved out of the pending queue reaches the same subscribers the
// same way, after the write is durable, without slowing the write.
package webhook

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	memory "github.com/aimemory/ai-memory"
	"github.com/aimemory/ai-memory/engine"
)

// Source is what a Queue needs of the engine.
type Source interface {
	// Subscriptions lists the live subscriptions.
	Subscriptions(ctx context.Context) ([]engine.Subscription, error)
	// Now stamps sent_at.
	Now() time.Time
}

// Defaults of Options.
const (
	DefaultMaxQueued = 10000
	DefaultAttempts  = 3
	DefaultBackoff   = 500 * time.Millisecond
)

// Options tune a Queue; zero values take the defaults.
type Options struct {
	// Logger receives failed deliveries and drops; nil discards them.
	Logger *slog.Logger
	// MaxQueued bounds the events waiting, retries included; past it the
	// oldest are dropped (and logged), so a dead subscriber cannot make
	// the queue grow without end.
	MaxQueued int
	// Attempts is how many times a delivery is tried when the subscriber
	// does not answer, answers 429 or a 5xx; other answers are final.
	Attempts int
	// Backoff is the wait before the second attempt; it doubles after.
	Backoff time.Duration
}

// Queue delivers store events in the background. Events wait in one
// bounded queue; one drainer at a time takes every waiting event at once,
// so one subscription lookup covers all the writes that arrived together
// (and most stores have no subscriber at all). Failed deliveries wait
// their backoff in the same queue without holding up the others.
type Queue struct {
	src    Source
	opts   Options
	log    *slog.Logger
	client *http.Client
	// ctx ends when Close gives up waiting; it cancels deliveries.
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	drain  sync.WaitGroup

	mu      sync.Mutex
	stored  []memory.Memory // stored memories not yet matched to subscriptions
	retries []delivery      // failed deliveries waiting for their next attempt
	running bool            // a drainer is running
	closed  bool            // Close was called: no new events
	dropped int             // events dropped since the last report
}

// delivery is one event owed to one subscription.
type delivery struct {
	sub      engine.Subscription
	mem      memory.Memory
	attempts int
	due      time.Time
}

// New returns a queue over src; install it with engine.Observe.
func New(src Source, opts Options) *Queue {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = DefaultMaxQueued
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	q := &Queue{src: src, opts: opts, log: opts.Logger, client: newClient(), wake: make(chan struct{}, 1)}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	return q
}

// Committed queues an engine.EventStore event for every memory of a store
// batch (engine.OpStore); other batches carry no event. It never blocks.
func (q *Queue) Committed(b *memory.Batch) {
	if b.Op != engine.OpStore || len(b.Memories) == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.stored = append(q.stored, b.Memories...)
	q.bound()
	if q.running {
		select {
		case q.wake <- struct{}{}:
		default:
		}
		return
	}
	q.running = true
	q.drain.Add(1)
	go q.run()
}

// bound drops the oldest events past MaxQueued: stored ones first, then
// retries. Callers hold mu.
func (q *Queue) bound() {
	for over := len(q.stored) + len(q.retries) - q.opts.MaxQueued; over > 0; over-- {
		if len(q.stored) > 0 {
			q.stored = q.stored[1:]
		} else {
			q.retries = q.retries[1:]
		}
		q.dropped++
	}
}

// Close stops taking events and waits until every queued delivery ended
// (retries included) or ctx ends; then the rest is abandoned and reported.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	done := make(chan struct{})
	go func() {
		q.drain.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		q.cancel()
		<-done
		return memory.Errorf(memory.CodeUnavailable, "webhook deliveries still pending were abandoned")
	}
}

// run drains the queue until it is empty, or Close abandons it.
func (q *Queue) run() {
	defer q.drain.Done()
	for {
		stored, due, next, ok := q.take()
		if !ok {
			return
		}
		due = append(due, q.match(stored)...)
		for _, d := range due {
			q.attempt(d)
		}
		if len(due) == 0 && len(stored) == 0 {
			select { // only retries wait: until the first is due, or new events
			case <-time.After(time.Until(next)):
			case <-q.wake:
			case <-q.ctx.Done():
			}
		}
	}
}

// take removes the stored events and the retries that are due. ok is
// false, and the drainer stops, when nothing is left or Close gave up.
func (q *Queue) take() (stored []memory.Memory, due []delivery, next time.Time, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if dropped := q.dropped; dropped > 0 {
		q.dropped = 0
		q.log.Warn("webhook queue full: oldest events dropped", "dropped", dropped, "max_queued", q.opts.MaxQueued)
	}
	if q.ctx.Err() != nil || len(q.stored) == 0 && len(q.retries) == 0 {
		q.stored, q.retries, q.running = nil, nil, false
		return nil, nil, next, false
	}
	stored, q.stored = q.stored, nil
	now, waiting := time.Now(), q.retries[:0]
	for _, d := range q.retries {
		switch {
		case !d.due.After(now):
			due = append(due, d)
		default:
			if next.IsZero() || d.due.Before(next) {
				next = d.due
			}
			waiting = append(waiting, d)
		}
	}
	q.retries = waiting
	return stored, due, next, true
}

// match pairs stored memories with the subscriptions covering them
// (engine.Subscription.Covers: namespace, agent filter, events), with one
// subscription lookup for all of them.
func (q *Queue) match(stored []memory.Memory) []delivery {
	if len(stored) == 0 {
		return nil
	}
	subs, err := q.src.Subscriptions(q.ctx)
	if err != nil {
		q.log.Warn("webhook delivery: listing subscriptions failed; events dropped", "events", len(stored), "err", err)
		return nil
	}
	var out []delivery
	for _, m := range stored {
		for _, s := range subs {
			if s.Covers(engine.EventStore, &m) {
				out = append(out, delivery{sub: s, mem: m})
			}
		}
	}
	return out
}

// attempt posts one delivery; a retryable failure goes back in the queue
// with its backoff, a final one is logged.
func (q *Queue) attempt(d delivery) {
	o := post(q.ctx, q.client, d.sub, Event{Event: engine.EventStore, SubscriptionID: d.sub.ID, Memory: d.mem, SentAt: q.src.Now()})
	d.attempts++
	if o.ok() {
		return
	}
	if o.retryable && d.attempts < q.opts.Attempts && q.ctx.Err() == nil {
		d.due = time.Now().Add(q.opts.Backoff << (d.attempts - 1))
		q.mu.Lock()
		q.retries = append(q.retries, d)
		q.bound()
		q.mu.Unlock()
		return
	}
	q.log.Warn("webhook delivery failed", "subscription", d.sub.ID, "url", d.sub.URL, "status", o.status,
		"attempts", d.attempts, "err", o.err)
}
