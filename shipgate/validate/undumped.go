package validate

// checkUndumped counts nodes whose final contents could not be read: every
// other final check would pass vacuously on them.
func (c *cycle) checkUndumped(r *Report) {
	for _, d := range c.undumped {
		r.flag(Finding{Check: CheckUndumped, Node: d.Node, Detail: d.Err})
	}
}
