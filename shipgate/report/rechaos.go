package report

import (
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aimemory/ai-memory/shipgate/history"
	"github.com/aimemory/ai-memory/shipgate/validate"
)

// checkChaos re-runs the checker and the effect rule on every cycle's
// history and final node dumps: the counts and effects phase4.json states
// must be the ones its evidence gives, or the class fails. One check per
// class that ran.
func checkChaos(dir string, a *Phase4) []Check {
	var out []Check
	byClass := map[string][]Cycle{}
	for _, cy := range a.Cycles {
		byClass[cy.Fault] = append(byClass[cy.Fault], cy)
	}
	for _, f := range sortedKeys(byClass) {
		c := Check{ID: "chaos." + f + ".evidence", Name: f + ": the histories and node dumps give the artifact's counts and effects", Threshold: "no disagreement"}
		r := recheckClass(dir, f, byClass[f], a.ClockStartUnixMS)
		c.Pass, c.Measured = len(r) == 0, orNone(strings.Join(r, "; "))
		out = append(out, c)
	}
	return out
}

func recheckClass(dir, f string, cycles []Cycle, startUnixMS int64) []string {
	name := "history-phase4-" + f + ".jsonl"
	ops, err := history.Load(filepath.Join(dir, name))
	if err == nil {
		err = history.Check(ops)
	}
	if err != nil {
		return []string{fmt.Sprintf("history %s: %v", name, err)}
	}
	dumps, err := LoadDumps(filepath.Join(dir, DumpsFile(f)))
	if err != nil {
		return []string{fmt.Sprintf("dumps of %s: %v", f, err)}
	}
	perCycle := map[int][]history.Op{}
	for _, o := range ops {
		perCycle[o.Cycle] = append(perCycle[o.Cycle], o)
	}
	var r []string
	reported := map[int]bool{}
	for _, cy := range cycles {
		reported[cy.Cycle] = true
		r = append(r, recheckCycle(cy, perCycle[cy.Cycle], dumps[cy.Cycle], startUnixMS)...)
	}
	for _, n := range slices.Sorted(maps.Keys(perCycle)) {
		if !reported[n] {
			r = append(r, fmt.Sprintf("history %s has operations of cycle %d that phase4.json does not report", name, n))
		}
	}
	return r
}

func recheckCycle(cy Cycle, ops []history.Op, dumps []validate.Dump, startUnixMS int64) []string {
	var r []string
	where := fmt.Sprintf("%s cycle %d", cy.Fault, cy.Cycle)
	if ok := history.Count(ops).OK; ok != cy.OK {
		r = append(r, fmt.Sprintf("%s: history acknowledges %d operations, artifact says %d", where, ok, cy.OK))
	}
	got, claimed := validate.Check(ops, dumps), cy.Check
	got.Findings, claimed.Findings = nil, nil
	if !reflect.DeepEqual(got, claimed) {
		r = append(r, fmt.Sprintf("%s: the checker over the history and dumps gives %+v, the artifact says %+v", where, got, claimed))
	}
	if cy.Valid {
		eff, why := validate.Effective(ops, EffectWindow(cy, startUnixMS))
		if eff != cy.Effective {
			r = append(r, fmt.Sprintf("%s: the history says effective=%v (%s), the artifact says %v", where, eff, why, cy.Effective))
		}
	}
	return r
}

// EffectWindow is the fault of a cycle as its record states it. The run
// and the aggregator judge the effect from this same record.
func EffectWindow(cy Cycle, startUnixMS int64) validate.Window {
	return validate.Window{
		Class: cy.Fault, Victims: cy.Victims, FromMS: cy.FaultAtMS, ToMS: cy.HealAtMS,
		Duration: ms2d(cy.FaultMS), Skew: ms2d(cy.SkewMS), Delay: ms2d(cy.DelayMS),
		Dropped: cy.Dropped, BytesCut: cy.BytesCut, StartUnixMS: startUnixMS,
	}
}

func ms2d(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
