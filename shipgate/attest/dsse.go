package attest

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// PayloadType is the DSSE payload type of an in-toto Statement.
const PayloadType = "application/vnd.in-toto+json"

// ErrBadSignature means no signature in the envelope verifies under the key.
var ErrBadSignature = errors.New("signature does not verify")

// Envelope is a DSSE envelope (JSON serialization).
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     string      `json:"payload"` // standard base64
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature; Sig is standard base64.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// PAE is the DSSE v1 pre-authentication encoding:
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths as ASCII
// decimal byte counts. The signature covers this, never the raw payload,
// so the type cannot be swapped under a valid signature.
func PAE(payloadType string, body []byte) []byte {
	out := make([]byte, 0, 32+len(payloadType)+len(body))
	out = append(out, "DSSEv1 "...)
	out = strconv.AppendInt(out, int64(len(payloadType)), 10)
	out = append(out, ' ')
	out = append(out, payloadType...)
	out = append(out, ' ')
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, ' ')
	out = append(out, body...)
	return out
}

// SignEnvelope signs body as payloadType with priv.
func SignEnvelope(payloadType string, body []byte, priv ed25519.PrivateKey) Envelope {
	sig := ed25519.Sign(priv, PAE(payloadType, body))
	return Envelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(body),
		Signatures: []Signature{{
			KeyID: KeyID(priv.Public().(ed25519.PublicKey)),
			Sig:   base64.StdEncoding.EncodeToString(sig),
		}},
	}
}

// VerifyEnvelope returns the payload if at least one signature verifies
// under pub. The keyid is a hint only; the signature is what counts.
func VerifyEnvelope(env Envelope, pub ed25519.PublicKey) ([]byte, error) {
	body, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("payload is not standard base64: %w", err)
	}
	if len(env.Signatures) == 0 {
		return nil, fmt.Errorf("%w: envelope has no signatures", ErrBadSignature)
	}
	msg := PAE(env.PayloadType, body)
	for _, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			continue
		}
		if ed25519.Verify(pub, msg, sig) {
			return body, nil
		}
	}
	return nil, fmt.Errorf("%w under key %s", ErrBadSignature, KeyID(pub))
}

// MarshalEnvelope is the on-disk form: indented JSON with a final newline.
func MarshalEnvelope(env Envelope) ([]byte, error) {
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
