package cluster

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
)

// Node ports come from below the kernel's ephemeral range (32768+), so no
// outgoing connection or :0 listener can take one between our check and the
// node's bind; a process-wide cursor keeps concurrent trios apart.
const portLo, portHi = 20000, 32000

var (
	portMu   sync.Mutex
	portNext = portLo + rand.IntN(portHi-portLo)
)

// freePort returns a port on host that was bindable just now and has not
// been handed out recently by this process.
func freePort(host string) (int, error) {
	portMu.Lock()
	defer portMu.Unlock()
	for range portHi - portLo {
		p := portNext
		portNext++
		if portNext >= portHi {
			portNext = portLo
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err == nil {
			ln.Close()
			return p, nil
		}
	}
	return 0, fmt.Errorf("no free port on %s in %d-%d", host, portLo, portHi)
}
