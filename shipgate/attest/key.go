// Package attest signs and verifies a campaign's verdict: an in-toto
// Statement v1 (test-result predicate) inside a DSSE envelope, signed with
// ed25519 from the standard library.
package attest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"

	memory "github.com/aimemory/ai-memory"
)

// Keys are stored as PEM: PKCS#8 "PRIVATE KEY" and PKIX "PUBLIC KEY", the
// encodings openssl and every crypto library read, so a verifier need not
// use ship-gate.
const (
	pemPrivate = "PRIVATE KEY"
	pemPublic  = "PUBLIC KEY"
)

// GenerateKey writes a fresh ed25519 key pair to prefix (mode 0600) and
// prefix.pub. It refuses to overwrite an existing private key, since losing
// a release key silently is worse than an error.
func GenerateKey(prefix string) (ed25519.PublicKey, error) {
	if prefix == "" {
		return nil, memory.Errorf(memory.CodeInvalid, "key prefix is empty")
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(prefix, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create private key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: pemPrivate, Bytes: privDER}); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: pemPublic, Bytes: pubDER})
	if err := os.WriteFile(prefix+".pub", pubPEM, 0o644); err != nil {
		return nil, err
	}
	return pub, nil
}

// LoadPrivateKey reads a PEM PKCS#8 ed25519 private key.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	der, err := readPEM(path, pemPrivate)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, memory.Errorf(memory.CodeInvalid, "%s: %v", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, memory.Errorf(memory.CodeInvalid, "%s: not an ed25519 key (%T)", path, k)
	}
	return priv, nil
}

// LoadPublicKey reads a PEM PKIX ed25519 public key.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	der, err := readPEM(path, pemPublic)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, memory.Errorf(memory.CodeInvalid, "%s: %v", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, memory.Errorf(memory.CodeInvalid, "%s: not an ed25519 key (%T)", path, k)
	}
	return pub, nil
}

// KeyID names a public key: hex sha256 of its PKIX DER encoding.
func KeyID(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		// Only reachable with a malformed key length; an empty id then never
		// matches a real signature's keyid.
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func readPEM(path, wantType string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, memory.Errorf(memory.CodeInvalid, "%s: no PEM block", path)
	}
	if block.Type != wantType {
		return nil, memory.Errorf(memory.CodeInvalid, "%s: PEM type %q, want %q", path, block.Type, wantType)
	}
	return block.Bytes, nil
}
