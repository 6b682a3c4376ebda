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
	OpMkdir     = "mkdir"      // create Dir and its parents
	OpTeardown  = "teardown"   // undo everything, answer, exit
)

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
}
