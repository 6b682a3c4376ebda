// Package report defines the campaign's artifacts (upstream field names
// first, ours after), the verdict of each phase as a pure function of its
// measured values, and the fail-closed aggregator that recomputes the
// campaign summary from whatever files a run directory holds.
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aimemory/ai-memory/shipgate/validate"
)

// Timing is when a phase ran. Every phase artifact carries one, so the
// summary's wall times come from the run, never from a hand.
type Timing struct {
	StartedAt   time.Time `json:"started_at"`
	CompletedAt time.Time `json:"completed_at"`
	WallSeconds float64   `json:"wall_seconds"`
	// TimedOut is set when the phase was cut by its timeout or the deadline.
	TimedOut bool `json:"timed_out,omitempty"`
}

// Start stamps the beginning of a phase.
func (t *Timing) Start() { t.StartedAt = time.Now().UTC() }

// Finish stamps the end.
func (t *Timing) Finish() {
	t.CompletedAt = time.Now().UTC()
	t.WallSeconds = t.CompletedAt.Sub(t.StartedAt).Seconds()
}

// Step is one timed action of a phase, with its error if it failed.
type Step struct {
	Name  string  `json:"name"`
	OK    bool    `json:"ok"`
	MS    float64 `json:"ms"`
	Error string  `json:"error,omitempty"`
}

// Phase1 is phase1-node-<x>.json.
type Phase1 struct {
	Phase         int             `json:"phase"`
	Host          string          `json:"host"`
	Version       string          `json:"version"`
	Pass          bool            `json:"pass"`
	Reasons       []string        `json:"reasons"`
	Stats         json.RawMessage `json:"stats"`
	Curator       json.RawMessage `json:"curator"`
	MCPToolCount  int             `json:"mcp_tool_count"`
	RecallCount   int             `json:"recall_count"`
	SnapshotCount int             `json:"snapshot_count"`
	ManifestCount int             `json:"manifest_count"`

	Node            string `json:"node"`
	StoredID        string `json:"stored_id"`
	StatsTotal      int    `json:"stats_total"`
	CuratorErrors   int    `json:"curator_errors"`
	RestoreOK       bool   `json:"restore_ok"`
	MCPPages        int    `json:"mcp_pages"`
	RestartSurvival bool   `json:"restart_survival"`
	Steps           []Step `json:"steps"`
	Timing
}

// Probe is one quorum probe write.
type Probe struct {
	Status     int     `json:"status"`
	Code       string  `json:"code,omitempty"`
	ID         string  `json:"id,omitempty"`
	QuorumAcks int     `json:"quorum_acks,omitempty"`
	MS         float64 `json:"ms"`
	Error      string  `json:"error,omitempty"`
}

// Consolidation checks that a consolidation replicates: the new memory on
// every node and its sources gone from every node's listing.
type Consolidation struct {
	ID          string              `json:"id"`
	Sources     []string            `json:"sources"`
	Node        string              `json:"node"`
	Converged   bool                `json:"converged"`
	ConvergeMS  float64             `json:"converge_ms"`
	Lacking     []string            `json:"lacking_nodes"` // nodes without the new memory
	StillListed map[string][]string `json:"still_listed"`  // sources a node still lists
	Error       string              `json:"error,omitempty"`
}

// Durability is the crash-after-ack check: with one peer down, writes
// acknowledged by W=2 must survive SIGKILL of both nodes that hold them.
type Durability struct {
	Writes   int      `json:"writes"`
	Acked    []string `json:"acked_ids"`
	Refused  *Probe   `json:"first_refused,omitempty"` // the first write not acknowledged
	Survivor string   `json:"survivor"`                // the acknowledging peer, restarted alone
	Missing  []string `json:"missing_ids"`             // acknowledged ids the survivor lacks
	Survived bool     `json:"survived"`
	Error    string   `json:"error,omitempty"`
}

// CatchUp is a node killed while catching up: restarted after missing
// writes, SIGKILLed once it had pulled rows from both peers, restarted.
type CatchUp struct {
	Node     string  `json:"node"`
	Pulled   []int64 `json:"rows_pulled"` // per peer, when it was killed
	PulledMS float64 `json:"pulled_ms"`   // restart to the kill
	Killed   bool    `json:"killed"`
	Error    string  `json:"error,omitempty"`
}

// Rejoin is the catch-up of restarted nodes after the probes.
type Rejoin struct {
	Complete   bool                `json:"complete"`
	Nodes      []string            `json:"nodes"`
	Acked      int                 `json:"acked"`
	ConvergeMS float64             `json:"converge_ms"`
	MissingIDs map[string][]string `json:"missing_ids"`
	Error      string              `json:"error,omitempty"`
}

// Latency summarises acknowledged write latencies in milliseconds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Phase2 is phase2.json.
type Phase2 struct {
	Phase        int            `json:"phase"`
	Pass         bool           `json:"pass"`
	TotalWrites  int            `json:"total_writes"`
	OK           int            `json:"ok"`
	QuorumNotMet int            `json:"quorum_not_met"`
	Fail         int            `json:"fail"`
	Counts       map[string]int `json:"counts"`
	Probe1       string         `json:"probe1_single_peer_down"`
	Probe2       string         `json:"probe2_both_peers_down"`
	Reasons      []string       `json:"reasons"`

	Unknown          int            `json:"unknown"`
	ExpectedWrites   int            `json:"expected_writes"`
	Agents           []string       `json:"agents"`
	InFlightPerAgent int            `json:"in_flight_per_agent"`
	QuorumWrites     int            `json:"quorum_writes"`
	QuorumTimeoutMS  int64          `json:"quorum_timeout_ms"`
	AckedByNode      map[string]int `json:"acked_by_node"`
	// AckedIDs are the burst's acknowledged ids: the aggregator compares
	// them with the history's, id by id.
	AckedIDs          []string            `json:"acked_ids"`
	MissingIDs        map[string][]string `json:"missing_ids"`
	UnlistedIDs       map[string][]string `json:"unlisted_ids,omitempty"`
	Listed            map[string]int      `json:"listed"`
	Converged         bool                `json:"converged"`
	ConvergeMS        float64             `json:"converge_ms"`
	ConvergenceSeries []validate.Sample   `json:"convergence_series"`
	Consolidation     Consolidation       `json:"consolidation"`
	Durability        Durability          `json:"durability"`
	CatchUp           CatchUp             `json:"catch_up_crash"`
	Probe1Detail      Probe               `json:"probe1"`
	Probe2Detail      Probe               `json:"probe2"`
	Rejoin            Rejoin              `json:"rejoin"`
	Latency           Latency             `json:"latency_ms"`
	Errors            []string            `json:"errors,omitempty"`
	History           string              `json:"history"`
	Timing
}

// Phase3 is phase3.json. The three migrate reports are kept verbatim.
type Phase3 struct {
	Phase            int             `json:"phase"`
	Pass             bool            `json:"pass"`
	ReportForward    json.RawMessage `json:"report_forward"`
	ReportIdempotent json.RawMessage `json:"report_idempotent"`
	ReportReverse    json.RawMessage `json:"report_reverse"`
	SrcCount         int             `json:"src_count"`
	DstCount         int             `json:"dst_count"`
	Reasons          []string        `json:"reasons"`

	// The fixture: Seeded memories, then Updated of them changed and
	// Deleted of them deleted (tombstones migrate too), SeededLinks links
	// and Records records (namespace standards, subscriptions, one of them
	// cleared: a record tombstone).
	Seeded          int     `json:"seeded"`
	Updated         int     `json:"updated"`
	Deleted         int     `json:"deleted"`
	SeededLinks     int     `json:"seeded_links"`
	Records         int     `json:"records"`
	SrcLinks        int     `json:"src_links"`
	DstLinks        int     `json:"dst_links"`
	PostgresStartMS float64 `json:"postgres_start_ms"` // started in the background at campaign start
	SrcDigest       string  `json:"src_digest"`        // computed by the harness from every exported row
	DstDigest       string  `json:"dst_digest"`
	// Each store read by its own database's client (sqlite3, psql), never
	// through ai-memory: row counts and a digest computed in SQL.
	SQLSource    SQLView `json:"sql_source"`
	SQLPostgres  SQLView `json:"sql_postgres"`
	SQLRoundTrip SQLView `json:"sql_round_trip"`
	Steps        []Step  `json:"steps"`
	// Placement says where the steps ran, and why, when not all on the
	// machine that ran the campaign (--provider ssh).
	Placement string `json:"placement,omitempty"`
	Timing
}

// SQLView is one store as SQL sees it: rows per table and a digest of the
// canonical form of every memory, link and record, all computed by the
// database itself.
type SQLView struct {
	Memories   int    `json:"memories"` // tombstones included
	Tombstones int    `json:"tombstones"`
	Links      int    `json:"links"`
	Records    int    `json:"records"`
	Digest     string `json:"digest"`
	Error      string `json:"error,omitempty"`
}

// MigrateReport is the part of a migrate --json report the verdict reads.
type MigrateReport struct {
	Batches         int    `json:"batches"`
	DryRun          bool   `json:"dry_run"`
	Errors          []any  `json:"errors"`
	FromURL         string `json:"from_url"`
	ToURL           string `json:"to_url"`
	MemoriesRead    int    `json:"memories_read"`
	MemoriesWritten int    `json:"memories_written"`
	ContentDigest   *struct {
		Source      string `json:"source"`
		Destination string `json:"destination"`
	} `json:"content_digest"`
}

// Cycle is one chaos cycle.
type Cycle struct {
	Fault   string   `json:"fault"`
	Cycle   int      `json:"cycle"`
	Victims []string `json:"victims"`
	// The cycle's draw: fault duration, clock skew, latency.
	FaultMS float64 `json:"fault_duration_ms"`
	SkewMS  float64 `json:"skew_ms,omitempty"`
	DelayMS float64 `json:"delay_ms,omitempty"`
	Trigger int     `json:"trigger"`
	// What the workload did: every operation, by outcome, and the writes
	// (put, update, delete, link) acknowledged.
	Ops          int `json:"ops"`
	OK           int `json:"ok"`
	Fail         int `json:"fail"`
	Unknown      int `json:"unknown"`
	QuorumNotMet int `json:"quorum_not_met"`
	AckedWrites  int `json:"acked_writes"`
	AckedBefore  int `json:"acked_before_fault"`
	// Injected: the fault fired; Valid: with acknowledged traffic before
	// it; Effective: and it demonstrably changed what the workload saw.
	Injected       bool    `json:"injected"`
	Valid          bool    `json:"valid"`
	Effective      bool    `json:"effective"`
	EffectEvidence string  `json:"effect_evidence"`
	FaultAtMS      float64 `json:"fault_at_ms"`
	HealAtMS       float64 `json:"heal_at_ms"`
	Dropped        int64   `json:"dropped_answers,omitempty"`
	BytesCut       int64   `json:"bytes_cut,omitempty"`
	// AckedDuringDiskFault counts writes the victim acknowledged while its
	// disk refused every write (disk_full): each one is a lie.
	AckedDuringDiskFault int `json:"acked_during_disk_fault"`

	Check      validate.Report `json:"check"`
	Converged  bool            `json:"converged"`
	ConvergeMS float64         `json:"converge_ms"`
	WallMS     float64         `json:"wall_ms"`
	StartMS    float64         `json:"start_ms"`   // fresh trio healthy
	TrafficMS  float64         `json:"traffic_ms"` // workload start to stop
	Error      string          `json:"error,omitempty"`
}

// Class is the per-fault-class result.
type Class struct {
	Fault              string   `json:"fault"`
	Pass               bool     `json:"pass"`
	Invalid            bool     `json:"invalid"`
	Skipped            string   `json:"skipped,omitempty"` // why the class could not run here
	CyclesRun          int      `json:"cycles_run"`
	ValidCycles        int      `json:"valid_cycles"`
	EffectiveCycles    int      `json:"effective_cycles"`
	MinEffectiveCycles int      `json:"min_effective_cycles"`
	N                  int      `json:"n"` // acknowledged writes
	Bound              float64  `json:"convergence_bound"`
	Lost               int      `json:"lost"`
	LostIDs            []string `json:"lost_ids"`
	LossRateUB95       float64  `json:"loss_rate_upper_95"`
	// LossPerEventUB95 bounds the fraction of effective fault events that
	// lose or corrupt anything.
	LossPerEventUB95 float64         `json:"loss_per_event_upper_95"`
	Violations       int             `json:"violations"`
	Check            validate.Report `json:"check"`
	FaultMS          [3]float64      `json:"fault_ms_min_median_max"`
	Unlisted         int             `json:"unlisted"`
	Checks           []Check         `json:"checks"`
	Reasons          []string        `json:"reasons"` // of the failing checks
	// WallSeconds is the sum of the class's cycle wall times (lanes run
	// classes side by side, so this is its share of the phase's lanes).
	WallSeconds float64 `json:"wall_seconds"`
	History     string  `json:"history"`
}

// Phase4 is phase4.json.
type Phase4 struct {
	Phase              int                `json:"phase"`
	Pass               bool               `json:"pass"`
	CyclesPerFault     int                `json:"cycles_per_fault"`
	ConvergenceByFault map[string]float64 `json:"convergence_by_fault"`
	Reasons            []string           `json:"reasons"`

	Faults []string `json:"faults"`
	// Skipped names each class this machine cannot run, with the reason.
	Skipped map[string]string `json:"skipped,omitempty"`
	Lanes   int               `json:"lanes"`
	Seed    uint64            `json:"seed"`
	// ClockStartUnixMS is the wall time of history time 0: the effect of a
	// clock skew is read against it.
	ClockStartUnixMS int64   `json:"clock_start_unix_ms"`
	Class            []Class `json:"classes"`
	Cycles           []Cycle `json:"cycles"`
	Timing
}

// WriteJSON writes v to path atomically (a reader never sees half a file).
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// nz returns s, or an empty (not null) slice.
func nz(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
