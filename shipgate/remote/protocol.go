// Package remote runs ship-gate's node-side work on other hosts over SSH:
// the inventory of hosts, the SSH and SFTP client (known-hosts checked),
// and the agent, a `ship-gate agent` on each host that the harness drives
// over the SSH session's stdin and stdout, one JSON object per line. No
// port is opened for it and no ssh binary is run.
package remote

// Request is one line from the harness to an agent. ID pairs it with its
// Response; Op says what to do, the other fields are its arguments.
type Request struct {
	ID   int64    `json:"id"`
	Op   string   `json:"op"`
	Name string   `json:"name,omitempty"`
	Path string   `json:"path,omitempty"`
	Args []string `json:"args,omitempty"`
	Env  []string `json:"env,omitempty"`
	Dir  string   `json:"dir,omitempty"`
	Log  string   `json:"log,omitempty"`
	PID  int      `json:"pid,omitempty"`
	Sig  int      `json:"sig,omitempty"`
	// Table and Rules are an nftables table the agent loads (nft) or
	// deletes (nft_delete); it deletes every table it loaded at teardown.
	Table string `json:"table,omitempty"`
	Rules string `json:"rules,omitempty"`
	Max   int    `json:"max,omitempty"`
	// Target is where a proxy forwards (proxy); Addr names a proxy by
	// the address it listens on (proxy_set, proxy_dropped,
	// proxy_close). Mode, Delay, Jitter and Prob are its fault
	// (proxy_set): "pass", "delay" (Delay plus up to Jitter per chunk)
	// or "drop_responses" (each answer chunk lost with Prob).
	Target string  `json:"target,omitempty"`
	Addr   string  `json:"addr,omitempty"`
	Mode   string  `json:"mode,omitempty"`
	Delay  int64   `json:"delay_ns,omitempty"`
	Jitter int64   `json:"jitter_ns,omitempty"`
	Prob   float64 `json:"prob,omitempty"`
	// Command is a lazyfs command (disk): cut, fault MODE or stats.
	Command string `json:"command,omitempty"`
}

// Ops an agent answers.
const (
	OpPing      = "ping"       // heartbeat; also feeds the dead-man timer
	OpStart     = "start"      // start Path Args in Dir with Env, output to Log; answers PID
	OpSignal    = "signal"     // send Sig to PID (a process it started), SIGKILL to its group
	OpNft       = "nft"        // load Rules as table Table (replacing it)
	OpNftDelete = "nft_delete" // delete table Table if present
	OpSHA256    = "sha256"     // digest of the file at Path
	OpTail      = "tail"       // last Max bytes of the file at Path
	OpMkdir     = "mkdir"      // create Dir and its parents (under the campaign directory)
	OpProbe     = "probe"      // what this host allows: answers Capabilities as JSON in Text
	// Proxies for peer links, run inside the agent: a node's peer
	// addresses are proxies on its own host's loopback, so latency and
	// lost answers can be set on its links while the traffic still goes
	// host to host.
	OpProxy        = "proxy"         // listen on 127.0.0.1, forward to Target; answers Addr in Text
	OpProxySet     = "proxy_set"     // set the fault of proxy Addr
	OpProxyDropped = "proxy_dropped" // answers in N how many answers proxy Addr lost on purpose
	OpProxyClose   = "proxy_close"   // close proxy Addr
	// The disk layer: `ship-gate lazyfs` run by the agent, mounting Dir
	// over Path (the backing directory), its stderr to Log.
	OpDiskStart = "disk_start" // mount; answers when mounted
	OpDisk      = "disk"       // pass Command to the mount at Dir; answers its lazyfs reply as JSON in Text
	OpDiskStop  = "disk_stop"  // unmount Dir (forced if its server hangs) and end its server
	OpTeardown  = "teardown"   // undo everything, answer, exit
)

// Capabilities says what an agent's host allows; each field is "" when
// it does, else why not.
type Capabilities struct {
	// Nft: partitions are nftables tables the agent loads.
	Nft string `json:"nft"`
	// Disk: the FUSE disk layer, tried for real (a mount and an unmount).
	Disk string `json:"disk"`
}

// Response answers a Request, or, with Event set, reports something the
// agent saw on its own: "ready" once it serves, "exit" when a process it
// started ended (PID, State).
type Response struct {
	ID    int64  `json:"id,omitempty"`
	Event string `json:"event,omitempty"`
	Error string `json:"error,omitempty"`
	PID   int    `json:"pid,omitempty"`
	State string `json:"state,omitempty"`
	Text  string `json:"text,omitempty"`
	N     int64  `json:"n,omitempty"`
}
