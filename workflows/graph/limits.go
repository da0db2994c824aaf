package graph

import (
	"strings"
	"unicode/utf8"
)

// WhatsApp Cloud API limits, in characters (runes). Validate rejects static
// content over them; run-time (dynamic or templated) content is cut to them.
const (
	MaxButtons           = 3    // reply buttons per message
	MaxButtonTitle       = 20   // reply button title
	MaxButtonID          = 256  // reply button id
	MaxListRows          = 10   // rows in a list message, all sections together
	MaxListSections      = 10   // sections in a list message
	MaxSectionTitle      = 24   // list section title
	MaxRowTitle          = 24   // list row title
	MaxRowID             = 200  // list row id
	MaxRowDescription    = 72   // list row description
	MaxListButton        = 20   // the list's menu button text
	MaxHeader            = 60   // interactive text header
	MaxFooter            = 60   // interactive footer
	MaxInteractiveBody   = 1024 // interactive message body
	MaxText              = 4096 // text message body
	MaxFlowCta           = 20   // flow message CTA button
	DynamicRowsPerPage   = 8    // dynamic list items per page (the reference's value)
	DefaultListButton    = "Seçin"
	DefaultFlowCta       = "Start"
	DefaultFlowBody      = "Please complete this form"
	DefaultAPITimeoutMS  = 30000
	PagePrevTitle        = "Onceki Sayfa"
	PageNextTitle        = "Sonraki Sayfa"
	SinglePageSection    = "Seçenekler"
	TypeYourChoiceSuffix = "\n\n(Lütfen seçiminizi yazarak belirtin)"
)

// runeLen is the length in characters.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// Truncate cuts s to at most n characters, ending a cut text with "…".
// Pure.
func Truncate(s string, n int) string {
	if runeLen(s) <= n {
		return s
	}
	if n <= 1 {
		return cut(s, n)
	}
	return cut(s, n-1) + "…"
}

// cut keeps the first n characters of s.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// SplitText splits a long text into parts of at most n characters, breaking
// at the last newline (else space) in each part when there is one in its
// second half. Used for message texts over MaxText after rendering. Pure.
func SplitText(s string, n int) []string {
	var parts []string
	for runeLen(s) > n {
		head := cut(s, n)
		at := len(head)
		for _, sep := range []string{"\n", " "} {
			if i := strings.LastIndex(head, sep); i > len(head)/2 {
				at = i + 1
				break
			}
		}
		parts = append(parts, head[:at])
		s = s[at:]
	}
	return append(parts, s)
}
