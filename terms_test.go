package memory

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
)

func TestTermsDropsOperatorsAndSyntax(t *testing.T) {
	cases := map[string][]string{
		`"AND (`:                     nil,
		`NEAR/`:                      nil,
		`foo AND bar`:                {"foo", "bar"},
		`title:secret* ^x {y}`:       {"title", "secret", "x", "y"},
		"zero\u200bwidth \u202eevil": {"zerowidth", "evil"},
		`Café café CAFÉ`:             {"café"},
		`not or nOt`:                 nil,
	}
	for in, want := range cases {
		got := Terms(in)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Terms(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTermsBoundsCount(t *testing.T) {
	if n := len(Terms(strings.Repeat("w ", 10) + strings.Repeat("a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg ", 3))); n != MaxQueryTerms {
		t.Fatalf("%d terms", n)
	}
}

func FuzzTerms(f *testing.F) {
	for _, s := range []string{`"AND (`, `NEAR/`, `a OR b`, "\u202e", `*`, `col:val`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms := Terms(s)
		if len(terms) > MaxQueryTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			if term == "" {
				t.Fatal("empty term")
			}
			for _, r := range term {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Fatalf("term %q carries %q", term, r)
				}
			}
			switch strings.ToUpper(term) {
			case "AND", "OR", "NOT", "NEAR":
				t.Fatalf("operator %q survived", term)
			}
		}
	})
}
