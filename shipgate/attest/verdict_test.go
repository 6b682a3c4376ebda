package attest

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleRun(t *testing.T) (dir string, pub ed25519.PublicKey, priv ed25519.PrivateKey) {
	t.Helper()
	dir = t.TempDir()
	files := map[string]string{
		"campaign-summary.json":  `{"overall_pass":true}`,
		"phase1-node-a.json":     `{"phase":1,"pass":true}`,
		"phase2.json":            `{"phase":2,"pass":true}`,
		"history-kill.jsonl":     "{\"op\":\"invoke\"}\n",
		"logs/node-a.log":        "started\n",
		PageFile:                 "<html>view</html>",
		"phase4.json":            `{"phase":4,"pass":true}`,
		"phase3.json":            `{"phase":3,"pass":true}`,
		"phase1-node-b.json":     `{"phase":1,"pass":true}`,
		"phase1-node-c.json":     `{"phase":1,"pass":true}`,
		"logs/node-b.log":        "started\n",
		"logs/nested/node-c.log": "started\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pub, priv, _ = ed25519.GenerateKey(nil)
	return dir, pub, priv
}

func passingVerdict() Verdict {
	return Verdict{
		Subject: ResourceDescriptor{Name: "ai-memory", Digest: map[string]string{"sha256": strings.Repeat("ab", 32)}},
		Pass:    true,
		Passed:  []string{"phase1/node-a/recall", "phase2/convergence"},
	}
}

func TestSignVerifyRun(t *testing.T) {
	dir, pub, priv := sampleRun(t)
	st, err := SignRun(dir, passingVerdict(), priv)
	if err != nil {
		t.Fatal(err)
	}
	if st.Predicate.Result != ResultPassed {
		t.Fatalf("result %s", st.Predicate.Result)
	}
	got, err := VerifyRun(dir, pub)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, a := range got.Predicate.Configuration {
		names = append(names, a.Name)
	}
	// The page and the envelope are not evidence; nested logs are.
	want := "campaign-summary.json history-kill.jsonl logs/nested/node-c.log logs/node-a.log logs/node-b.log phase1-node-a.json phase1-node-b.json phase1-node-c.json phase2.json phase3.json phase4.json"
	if strings.Join(names, " ") != want {
		t.Fatalf("configuration\n got %s\nwant %s", strings.Join(names, " "), want)
	}
	if got.Subject[0].SHA256() != strings.Repeat("ab", 32) {
		t.Fatalf("subject %+v", got.Subject)
	}

	// The envelope on disk has the DSSE field names and standard base64.
	raw, _ := os.ReadFile(filepath.Join(dir, VerdictFile))
	var generic map[string]any
	json.Unmarshal(raw, &generic)
	for _, k := range []string{"payloadType", "payload", "signatures"} {
		if _, ok := generic[k]; !ok {
			t.Fatalf("envelope lacks %q: %s", k, raw)
		}
	}

	// Re-rendering the page must not break verification.
	os.WriteFile(filepath.Join(dir, PageFile), []byte("<html>re-rendered</html>"), 0o644)
	if _, err := VerifyRun(dir, pub); err != nil {
		t.Fatalf("page re-render broke verify: %v", err)
	}
}

func TestVerifyRunTamper(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(dir string)
		want   string
	}{
		{"one flipped byte", func(dir string) {
			p := filepath.Join(dir, "phase2.json")
			b, _ := os.ReadFile(p)
			b[len(b)-2] ^= 0x01
			os.WriteFile(p, b, 0o644)
		}, "changed phase2.json"},
		{"appended newline", func(dir string) {
			f, _ := os.OpenFile(filepath.Join(dir, "logs/nested/node-c.log"), os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte("\n"))
			f.Close()
		}, "changed logs/nested/node-c.log"},
		{"missing artifact", func(dir string) {
			os.Remove(filepath.Join(dir, "phase1-node-c.json"))
		}, "missing phase1-node-c.json"},
		{"added artifact", func(dir string) {
			os.WriteFile(filepath.Join(dir, "phase5.json"), []byte("{}"), 0o644)
		}, "added phase5.json"},
		{"symlinked artifact", func(dir string) {
			os.Symlink("/etc/hostname", filepath.Join(dir, "link.json"))
		}, "not a regular file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, pub, priv := sampleRun(t)
			if _, err := SignRun(dir, passingVerdict(), priv); err != nil {
				t.Fatal(err)
			}
			c.tamper(dir)
			_, err := VerifyRun(dir, pub)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestVerifyRunEnvelopeTamper(t *testing.T) {
	dir, pub, priv := sampleRun(t)
	if _, err := SignRun(dir, passingVerdict(), priv); err != nil {
		t.Fatal(err)
	}
	vpath := filepath.Join(dir, VerdictFile)
	raw, _ := os.ReadFile(vpath)

	// Swap the subject digest for another binary's, keeping the old
	// signature: the forgery must not verify.
	var env Envelope
	json.Unmarshal(raw, &env)
	body, _ := VerifyEnvelope(env, pub)
	forged := strings.Replace(string(body), strings.Repeat("ab", 32), strings.Repeat("cd", 32), 1)
	env.Payload = encodeStd([]byte(forged))
	out, _ := MarshalEnvelope(env)
	os.WriteFile(vpath, out, 0o644)
	if _, err := VerifyRun(dir, pub); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("forged subject verified: %v", err)
	}

	os.Remove(vpath)
	if _, err := VerifyRun(dir, pub); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned run: %v", err)
	}
}

func TestNewStatementFailClosed(t *testing.T) {
	art := []ResourceDescriptor{{Name: "x", Digest: map[string]string{"sha256": strings.Repeat("0", 64)}}}
	v := passingVerdict()
	v.Pass = false
	if st, _ := NewStatement(v, art); st.Predicate.Result != ResultFailed {
		t.Fatal("overall_pass=false signed as PASSED")
	}
	v = passingVerdict()
	v.Failed = []string{"phase4/kill_node/lost_ids"}
	if st, _ := NewStatement(v, art); st.Predicate.Result != ResultFailed {
		t.Fatal("a failed check signed as PASSED")
	}
	v = passingVerdict()
	v.Passed = nil
	if st, _ := NewStatement(v, art); st.Predicate.Result != ResultFailed {
		t.Fatal("a run with no checks signed as PASSED")
	}
	v = passingVerdict()
	v.Subject.Digest = nil
	if _, err := NewStatement(v, art); err == nil {
		t.Fatal("subject without digest accepted")
	}
	dir := t.TempDir()
	_, priv, _ := ed25519.GenerateKey(nil)
	if _, err := SignRun(dir, passingVerdict(), priv); err == nil {
		t.Fatal("signed an empty run")
	}
}

// TestVerifyRunEveryByte flips each byte of an artifact in turn: verify must
// reject every single edit and accept the restored file.
func TestVerifyRunEveryByte(t *testing.T) {
	dir, pub, priv := sampleRun(t)
	if _, err := SignRun(dir, passingVerdict(), priv); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "phase2.json")
	orig, _ := os.ReadFile(p)
	for i := range orig {
		edited := append([]byte(nil), orig...)
		edited[i] ^= 0x20
		os.WriteFile(p, edited, 0o644)
		if _, err := VerifyRun(dir, pub); !errors.Is(err, ErrArtifactMismatch) {
			t.Fatalf("byte %d edited: verify returned %v", i, err)
		}
	}
	os.WriteFile(p, orig, 0o644)
	if _, err := VerifyRun(dir, pub); err != nil {
		t.Fatalf("restored run: %v", err)
	}
}

// TestEmbeddedDocumentsKeepTheirDigest: the campaign and the canary
// summary ride in the signed predicate with a digest that still matches
// once the statement has been encoded, signed and read back.
func TestEmbeddedDocumentsKeepTheirDigest(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "campaign-config.json"), []byte("{\n  \"phases\": [1, 2],\n  \"note\": \"<&>\"\n}\n"), 0o644)
	pub, priv, _ := ed25519.GenerateKey(nil)
	campaign, _ := os.ReadFile(filepath.Join(dir, "campaign-config.json"))
	v := Verdict{Subject: ResourceDescriptor{Name: "ai-memory", Digest: map[string]string{"sha256": strings.Repeat("ab", 32)}},
		Pass: true, Passed: []string{"x"}, Campaign: campaign, Canaries: []byte(`{"pass": true}`)}
	if _, err := SignRun(dir, v, priv); err != nil {
		t.Fatal(err)
	}
	st, err := VerifyRun(dir, pub)
	if err != nil {
		t.Fatal(err)
	}
	p := st.Predicate
	for what, e := range map[string]Embedded{"campaign": {p.Campaign, p.CampaignDigest}, "canaries": {p.Canaries, p.CanariesDigest}} {
		if err := e.Verify(what); err != nil {
			t.Fatal(err)
		}
	}
	if err := (Embedded{Raw: []byte(`{"pass":false}`), Digest: p.CanariesDigest}).Verify("canaries"); err == nil {
		t.Fatal("an altered canary summary verified against the signed digest")
	}
	if err := (Embedded{}).Verify("campaign"); err == nil {
		t.Fatal("a missing campaign verified")
	}
}
