package attest

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestPAEKnownVectors(t *testing.T) {
	cases := []struct {
		typ  string
		body string
		want string
	}{
		// The DSSE protocol's own example: 29 bytes of type, 11 of body.
		{"http://example.com/HelloWorld", "hello world", "DSSEv1 29 http://example.com/HelloWorld 11 hello world"},
		// len("application/vnd.in-toto+json") = 11+1+16 = 28.
		{PayloadType, "{}", "DSSEv1 28 application/vnd.in-toto+json 2 {}"},
		// Empty type and body still carry both lengths and all separators.
		{"", "", "DSSEv1 0  0 "},
		// Lengths are bytes, not runes: "é" is two bytes in UTF-8.
		{"t", "é", "DSSEv1 1 t 2 é"},
		// A body containing spaces and digits cannot shift the framing.
		{"a b", "1 2 3", "DSSEv1 3 a b 5 1 2 3"},
	}
	for _, c := range cases {
		if got := string(PAE(c.typ, []byte(c.body))); got != c.want {
			t.Errorf("PAE(%q,%q) = %q, want %q", c.typ, c.body, got, c.want)
		}
	}
}

func TestEnvelopeSignVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	body := []byte(`{"x":1}`)
	env := SignEnvelope(PayloadType, body, priv)
	if env.Signatures[0].KeyID != KeyID(pub) {
		t.Fatalf("keyid %q, want %q", env.Signatures[0].KeyID, KeyID(pub))
	}
	got, err := VerifyEnvelope(env, pub)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("verify: %v %q", err, got)
	}

	// The signature covers the type: swapping it must break verification.
	swapped := env
	swapped.PayloadType = "text/plain"
	if _, err := VerifyEnvelope(swapped, pub); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("type swap verified: %v", err)
	}
	// One changed payload byte.
	edited := env
	edited.Payload = base64.StdEncoding.EncodeToString([]byte(`{"x":2}`))
	if _, err := VerifyEnvelope(edited, pub); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("edited payload verified: %v", err)
	}
	// Another key.
	other, _, _ := ed25519.GenerateKey(nil)
	if _, err := VerifyEnvelope(env, other); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong key verified: %v", err)
	}
	// No signatures at all.
	bare := env
	bare.Signatures = nil
	if _, err := VerifyEnvelope(bare, pub); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("unsigned envelope verified: %v", err)
	}
}

// TestSignatureInteropOpenSSL checks that an independent implementation
// accepts our key files and our signature over the PAE bytes.
func TestSignatureInteropOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed; the interop check needs an independent ed25519 verifier")
	}
	dir := t.TempDir()
	prefix := filepath.Join(dir, "k")
	if _, err := GenerateKey(prefix); err != nil {
		t.Fatal(err)
	}
	priv, err := LoadPrivateKey(prefix)
	if err != nil {
		t.Fatal(err)
	}
	env := SignEnvelope(PayloadType, []byte(`{"_type":"x"}`), priv)
	sig, _ := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	body, _ := base64.StdEncoding.DecodeString(env.Payload)
	pae := filepath.Join(dir, "pae")
	sigf := filepath.Join(dir, "sig")
	os.WriteFile(pae, PAE(env.PayloadType, body), 0o644)
	os.WriteFile(sigf, sig, 0o644)
	out, err := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", prefix+".pub",
		"-rawin", "-in", pae, "-sigfile", sigf).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl rejected the signature: %v\n%s", err, out)
	}
	// And rejects it over the raw payload, proving the PAE is what is signed.
	os.WriteFile(pae, body, 0o644)
	if out, err := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", prefix+".pub",
		"-rawin", "-in", pae, "-sigfile", sigf).CombinedOutput(); err == nil {
		t.Fatalf("openssl accepted the signature over the bare payload:\n%s", out)
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "release")
	pub, err := GenerateKey(prefix)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v, want 0600", st.Mode().Perm())
	}
	loaded, err := LoadPublicKey(prefix + ".pub")
	if err != nil || !loaded.Equal(pub) {
		t.Fatalf("public key round trip: %v", err)
	}
	priv, err := LoadPrivateKey(prefix)
	if err != nil || !priv.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatalf("private key round trip: %v", err)
	}
	if _, err := GenerateKey(prefix); err == nil {
		t.Fatal("GenerateKey overwrote an existing private key")
	}
	// A public key where a private one is expected is a clear error.
	if _, err := LoadPrivateKey(prefix + ".pub"); err == nil {
		t.Fatal("loaded a public key as private")
	}
	os.WriteFile(filepath.Join(dir, "junk"), []byte("not pem"), 0o600)
	if _, err := LoadPublicKey(filepath.Join(dir, "junk")); err == nil {
		t.Fatal("loaded junk as a key")
	}
}

func encodeStd(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
