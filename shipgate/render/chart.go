package render

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"sort"
	"strings"
)

// Charts are inline SVG strings built here, with every text escaped, so the
// page needs no script and no network. Colours come from CSS classes
// (.s0 .. .s5, .ok, .bad) so dark and light themes restyle them.

const (
	chartW, chartH         = 640, 240
	padL, padR, padT, padB = 56, 16, 28, 40
)

// Point is one (x, y) sample.
type Point struct{ X, Y float64 }

// Series is one named line.
type Series struct {
	Name   string
	Points []Point
}

// Bar is one labelled bar; Bad colours it red.
type Bar struct {
	Label string
	Value float64
	Bad   bool
	Title string // hover text
}

type axes struct {
	minX, maxX, minY, maxY float64
}

func (a axes) px(x float64) float64 {
	if a.maxX == a.minX {
		return padL
	}
	return padL + (x-a.minX)/(a.maxX-a.minX)*(chartW-padL-padR)
}

func (a axes) py(y float64) float64 {
	if a.maxY == a.minY {
		return chartH - padB
	}
	return chartH - padB - (y-a.minY)/(a.maxY-a.minY)*(chartH-padT-padB)
}

func svgOpen(b *strings.Builder, title string) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH, esc(title))
	fmt.Fprintf(b, `<text class="ctitle" x="%d" y="16">%s</text>`, padL, esc(title))
}

func (a axes) frame(b *strings.Builder, xLabel, yLabel string, xTicks bool) {
	fmt.Fprintf(b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, padL, chartH-padB, chartW-padR, chartH-padB)
	fmt.Fprintf(b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, padL, padT, padL, chartH-padB)
	for i := 0; i <= 4; i++ {
		y := a.minY + (a.maxY-a.minY)*float64(i)/4
		fmt.Fprintf(b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, padL, a.py(y), chartW-padR, a.py(y))
		fmt.Fprintf(b, `<text class="tick" x="%d" y="%.1f" text-anchor="end">%s</text>`, padL-4, a.py(y)+4, esc(short(y)))
	}
	if xTicks {
		fmt.Fprintf(b, `<text class="tick" x="%d" y="%d">%s</text>`, padL, chartH-padB+14, esc(short(a.minX)))
		fmt.Fprintf(b, `<text class="tick" x="%d" y="%d" text-anchor="end">%s</text>`, chartW-padR, chartH-padB+14, esc(short(a.maxX)))
	}
	fmt.Fprintf(b, `<text class="label" x="%d" y="%d" text-anchor="middle">%s</text>`, (padL+chartW-padR)/2, chartH-6, esc(xLabel))
	fmt.Fprintf(b, `<text class="label" x="12" y="%d" transform="rotate(-90 12 %d)" text-anchor="middle">%s</text>`, (padT+chartH-padB)/2, (padT+chartH-padB)/2, esc(yLabel))
}

// LineChart draws series as polylines sharing axes; an optional horizontal
// threshold line is drawn when thr is not NaN.
func LineChart(title, xLabel, yLabel string, series []Series, thr float64) template.HTML {
	a := axes{minX: math.Inf(1), maxX: math.Inf(-1), minY: 0, maxY: math.Inf(-1)}
	for _, s := range series {
		for _, p := range s.Points {
			a.minX, a.maxX = math.Min(a.minX, p.X), math.Max(a.maxX, p.X)
			a.minY, a.maxY = math.Min(a.minY, p.Y), math.Max(a.maxY, p.Y)
		}
	}
	if math.IsInf(a.minX, 1) {
		return ""
	}
	if !math.IsNaN(thr) {
		a.maxY = math.Max(a.maxY, thr)
	}
	if a.maxY <= a.minY {
		a.maxY = a.minY + 1
	}
	var b strings.Builder
	svgOpen(&b, title)
	a.frame(&b, xLabel, yLabel, true)
	if !math.IsNaN(thr) {
		fmt.Fprintf(&b, `<line class="thr" x1="%d" y1="%.1f" x2="%d" y2="%.1f"><title>threshold %s</title></line>`, padL, a.py(thr), chartW-padR, a.py(thr), esc(short(thr)))
	}
	for i, s := range series {
		var pts []string
		for _, p := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", a.px(p.X), a.py(p.Y)))
		}
		cls := fmt.Sprintf("s%d", i%6)
		fmt.Fprintf(&b, `<polyline class="line %s" points="%s"><title>%s</title></polyline>`, cls, strings.Join(pts, " "), esc(s.Name))
		if len(s.Points) == 1 {
			fmt.Fprintf(&b, `<circle class="dot %s" cx="%.1f" cy="%.1f" r="3"/>`, cls, a.px(s.Points[0].X), a.py(s.Points[0].Y))
		}
	}
	b.WriteString(`</svg><div class="legend">`)
	for i, s := range series {
		fmt.Fprintf(&b, `<span><i class="k%d"></i>%s</span>`, i%6, esc(s.Name))
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}

// BarChart draws one bar per entry, left to right.
func BarChart(title, yLabel string, bars []Bar) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	a := axes{minX: 0, maxX: float64(len(bars)), minY: 0, maxY: 0}
	for _, br := range bars {
		a.maxY = math.Max(a.maxY, br.Value)
	}
	if a.maxY == 0 {
		a.maxY = 1
	}
	var b strings.Builder
	svgOpen(&b, title)
	a.frame(&b, "", yLabel, false)
	w := (chartW - padL - padR) / float64(len(bars))
	for i, br := range bars {
		cls := "ok"
		if br.Bad {
			cls = "bad"
		}
		x := a.px(float64(i)) + w*0.1
		y := a.py(br.Value)
		tip := br.Title
		if tip == "" {
			tip = br.Label + ": " + short(br.Value)
		}
		fmt.Fprintf(&b, `<rect class="bar %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s</title></rect>`,
			cls, x, y, w*0.8, float64(chartH-padB)-y, esc(tip))
		if len(bars) <= 16 {
			fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+w*0.4, chartH-padB+26, esc(br.Label))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Histogram buckets values (e.g. latencies in ms) on a log-ish scale and
// marks p50/p99 in the title, since the tail is what matters for writes.
func Histogram(title, unit string, values []float64) template.HTML {
	if len(values) == 0 {
		return ""
	}
	v := append([]float64(nil), values...)
	sort.Float64s(v)
	p50, p99 := quantile(v, 0.50), quantile(v, 0.99)
	edges := []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, math.Inf(1)}
	counts := make([]float64, len(edges))
	for _, x := range v {
		i := sort.SearchFloat64s(edges, x)
		if i < len(edges) && edges[i] == x {
			i++ // bucket i holds [edges[i-1], edges[i])
		}
		if i >= len(edges) {
			i = len(edges) - 1
		}
		counts[i]++
	}
	var bars []Bar
	lo := 0.0
	for i, c := range counts {
		label := "<" + short(edges[i])
		if math.IsInf(edges[i], 1) {
			label = "≥" + short(lo)
		}
		bars = append(bars, Bar{Label: label, Value: c, Title: fmt.Sprintf("%s–%s %s: %d", short(lo), short(edges[i]), unit, int(c))})
		lo = edges[i]
	}
	// Trim empty buckets at both ends so the shape is readable.
	for len(bars) > 1 && bars[0].Value == 0 {
		bars = bars[1:]
	}
	for len(bars) > 1 && bars[len(bars)-1].Value == 0 {
		bars = bars[:len(bars)-1]
	}
	return BarChart(fmt.Sprintf("%s — n=%d, p50 %s %s, p99 %s %s", title, len(v), short(p50), unit, short(p99), unit), "count", bars)
}

// quantile of sorted v by nearest rank.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(v)))) - 1
	if i < 0 {
		i = 0
	}
	return v[i]
}

func short(f float64) string {
	switch {
	case math.IsInf(f, 0) || math.IsNaN(f):
		return "∞"
	case f == math.Trunc(f) && math.Abs(f) < 1e9:
		return fmt.Sprintf("%d", int64(f))
	case math.Abs(f) >= 100:
		return fmt.Sprintf("%.0f", f)
	default:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", f), "0"), ".")
	}
}

func esc(s string) string { return html.EscapeString(s) }
