// Package clustertest holds the federation's end-to-end tests and
// benchmarks: three real `ai-memory serve` processes on loopback, built
// once per run, killed, paused and restarted with real signals, and
// checked id by id through the HTTP API with paging.
package clustertest
