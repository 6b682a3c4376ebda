package remote

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
)

// Inventory lists the hosts of an ssh campaign: one per node, and the
// client host the harness runs on.
//
//	{"client": {"name": "control", "address": "198.18.0.254"},
//	 "known_hosts": "/root/.ssh/known_hosts",
//	 "hosts": [{"name": "a", "address": "198.18.0.1", "user": "root",
//	            "port": 22, "key_file": "/root/.ssh/id_ed25519",
//	            "data_dir": "/var/tmp/ship-gate"}, ...]}
type Inventory struct {
	Client     Client `json:"client"`
	KnownHosts string `json:"known_hosts,omitempty"` // default ~/.ssh/known_hosts
	Hosts      []Host `json:"hosts"`
}

// Client is the host the harness runs from, as the nodes see it.
type Client struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// Host is one node's machine.
type Host struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Port    int    `json:"port,omitempty"` // default 22
	User    string `json:"user"`
	// KeyFile is a private key; without it the SSH agent at
	// $SSH_AUTH_SOCK authenticates (Agent must then be true).
	KeyFile string `json:"key_file,omitempty"`
	Agent   bool   `json:"agent,omitempty"`
	// DataDir holds the campaign's directory on the host; default
	// /var/tmp/ship-gate. Everything ship-gate puts on the host is under
	// DataDir/<campaign id> and is removed at the end.
	DataDir string `json:"data_dir,omitempty"`
}

// LoadInventory reads and checks an inventory file.
func LoadInventory(path string) (*Inventory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	var inv Inventory
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&inv); err != nil {
		return nil, fmt.Errorf("inventory %s: %w", path, err)
	}
	return &inv, inv.Check()
}

// Check fills defaults and rejects an inventory a campaign cannot use:
// partitions are rules on node addresses, so every node needs its own.
func (inv *Inventory) Check() error {
	var errs []string
	if len(inv.Hosts) < 3 {
		errs = append(errs, fmt.Sprintf("%d hosts; a campaign needs 3", len(inv.Hosts)))
	}
	if net.ParseIP(inv.Client.Address) == nil {
		errs = append(errs, fmt.Sprintf("client address %q is not an IP address", inv.Client.Address))
	}
	seen := map[string]bool{}
	for i := range inv.Hosts {
		h := &inv.Hosts[i]
		if h.Port == 0 {
			h.Port = 22
		}
		if h.DataDir == "" {
			h.DataDir = "/var/tmp/ship-gate"
		}
		if h.Name == "" {
			h.Name = h.Address
		}
		switch {
		case net.ParseIP(h.Address) == nil:
			errs = append(errs, fmt.Sprintf("host %s: address %q is not an IP address", h.Name, h.Address))
		case seen[h.Address]:
			errs = append(errs, fmt.Sprintf("host %s: address %s used twice (partitions are rules on addresses)", h.Name, h.Address))
		case h.User == "":
			errs = append(errs, fmt.Sprintf("host %s: no user", h.Name))
		case h.KeyFile == "" && !h.Agent:
			errs = append(errs, fmt.Sprintf("host %s: give key_file or agent: true", h.Name))
		case !strings.HasPrefix(h.DataDir, "/") || h.DataDir == "/":
			errs = append(errs, fmt.Sprintf("host %s: data_dir %q must be an absolute directory other than /", h.Name, h.DataDir))
		}
		seen[h.Address] = true
	}
	if len(errs) > 0 {
		return fmt.Errorf("inventory: %s", strings.Join(errs, "; "))
	}
	return nil
}
