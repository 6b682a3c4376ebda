package report

import (
	"time"

	"github.com/aimemory/ai-memory/shipgate/cluster"
)

// Provenance names exactly what was tested, where and by what.
type Provenance struct {
	BinaryName        string   `json:"binary_name"`
	BinaryPath        string   `json:"binary_path"`
	BinarySHA256      string   `json:"binary_sha256"`
	Version           string   `json:"version"` // `ai-memory --version`
	BinaryVCSRevision string   `json:"binary_vcs_revision,omitempty"`
	BinaryVCSModified bool     `json:"binary_vcs_modified,omitempty"`
	BinaryGoVersion   string   `json:"binary_go_version,omitempty"`
	GitCommit         string   `json:"git_commit"`
	GitDirty          bool     `json:"git_dirty"`
	GoVersion         string   `json:"go_version"`
	Kernel            string   `json:"kernel"`
	Host              string   `json:"host"`
	OS                string   `json:"os"`
	CPUs              int      `json:"cpus"`
	HarnessVersion    string   `json:"harness_version"`
	Provider          string   `json:"provider"`
	Args              []string `json:"args"`
}

// Meta is what the runner records about the run as a whole.
type Meta struct {
	CampaignID  string     `json:"campaign_id"`
	StartedAt   time.Time  `json:"started_at"`
	CompletedAt time.Time  `json:"completed_at"`
	WallSeconds float64    `json:"wall_seconds"`
	Cost        Cost       `json:"cost"`
	Interrupted string     `json:"interrupted,omitempty"` // signal or deadline that cut the run
	Phases      []PhaseRun `json:"phase_runs"`
}

// PhaseRun is the runner's record of one phase, kept even when the phase
// wrote nothing.
type PhaseRun struct {
	Phase int `json:"phase"`
	Timing
	Error string `json:"error,omitempty"`
}

// Cost is what the campaign consumed on this machine.
type Cost struct {
	WallSeconds float64 `json:"wall_seconds"`
	// Nodes: every ai-memory process the harness started and reaped.
	NodeCPUSeconds   float64 `json:"node_cpu_seconds"`
	NodePeakRSSBytes int64   `json:"node_peak_rss_bytes"`
	NodeProcesses    int     `json:"node_processes"`
	// Harness: ship-gate itself.
	HarnessCPUSeconds   float64 `json:"harness_cpu_seconds"`
	HarnessPeakRSSBytes int64   `json:"harness_peak_rss_bytes"`
}

// FromCluster copies supervisor accounting into a Cost.
func (c *Cost) FromCluster(k cluster.Cost) {
	c.NodeCPUSeconds, c.NodePeakRSSBytes, c.NodeProcesses = k.CPUSeconds, k.PeakRSSBytes, k.Processes
}

// PhaseStatus is one phase's strict status in the summary.
type PhaseStatus struct {
	Phase   int      `json:"phase"`
	Name    string   `json:"name"`
	Status  string   `json:"status"` // PASS, FAIL, NOT RUN
	Pass    bool     `json:"pass"`
	Reasons []string `json:"reasons"` // of the failing checks
	Checks  []Check  `json:"checks"`
}

// PhaseTiming is one phase's wall time in the summary.
type PhaseTiming struct {
	Phase       int     `json:"phase"`
	Name        string  `json:"name"`
	StartedAt   string  `json:"started_at,omitempty"`
	CompletedAt string  `json:"completed_at,omitempty"`
	WallSeconds float64 `json:"wall_seconds"`
}

// Summary is campaign-summary.json: upstream's four fields first.
type Summary struct {
	CampaignID  string `json:"campaign_id"`
	CompletedAt string `json:"completed_at"`
	OverallPass bool   `json:"overall_pass"`
	Phases      []any  `json:"phases"` // phase objects verbatim: 1a,1b,1c,2,3,4

	StartedAt   string        `json:"started_at"`
	WallSeconds float64       `json:"wall_seconds"`
	Reasons     []string      `json:"reasons"` // of every failing check, phase checks prefixed "phase N: "
	Checks      []Check       `json:"checks"`  // campaign-level: config, provenance, finished
	Status      []PhaseStatus `json:"phase_status"`
	// Topologies are the other topologies the run certifies (the
	// federated one is Status); each must pass.
	Topologies  []TopologyStatus `json:"topologies,omitempty"`
	Timings     []PhaseTiming    `json:"timings"`
	Provenance  *Provenance      `json:"provenance"`
	Cost        Cost             `json:"cost"`
	Interrupted string           `json:"interrupted,omitempty"`
	Aggregator  string           `json:"aggregator"`
}
