package gate

// summaryBinary reads the tested binary's name and sha256 from the summary's
// provenance block.
func summaryBinary(s map[string]any) (name, sha256 string) {
	p, _ := s["provenance"].(map[string]any)
	name, _ = p["binary_name"].(string)
	sha256, _ = p["binary_sha256"].(string)
	return name, sha256
}
