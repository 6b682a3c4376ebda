package render

import (
	"embed"
	"fmt"
	"html/template"
	"strings"
)

//go:embed templates
var files embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	// cls turns "NOT RUN" into a CSS class "NOT-RUN".
	"cls": func(s string) string { return strings.ReplaceAll(s, " ", "-") },
	"pct": func(f float64) float64 { return f * 100 },
	// list prints a decoded JSON array as "2, 4" ("—" when empty).
	"list": func(v any) string {
		arr, _ := v.([]any)
		if len(arr) == 0 {
			return "—"
		}
		parts := make([]string, len(arr))
		for i, x := range arr {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ", ")
	},
}).ParseFS(files, "templates/*.html"))

func init() {
	css, err := files.ReadFile("templates/style.css")
	if err != nil {
		panic(err)
	}
	// The stylesheet is trusted, compiled-in text; CSS() stops the template
	// from escaping it inside <style>.
	template.Must(tmpl.New("style").Funcs(template.FuncMap{"css": func() template.CSS { return template.CSS(css) }}).Parse(`{{css}}`))
}
