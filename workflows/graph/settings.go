package graph

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Settings are per-chatbot engine settings. In JSON (the chatbot's
// "settings" object, or "metadata.settings" when that is absent) they are
// camelCase, every field optional, defaults from DefaultSettings:
//
//	{
//	  "inactivityTimeoutSeconds": 86400,
//	  "reaskCount": 2,
//	  "loopLimit": 50,
//	  "cancelWords": ["cancel", "stop", "iptal", "vazgeç"],
//	  "restartKeywords": ["restart", "/start", "baştan"],
//	  "textAnswerAcceptsMedia": false
//	}
//
// An explicit empty list disables cancel words or restart keywords.
type Settings struct {
	// InactivityTimeout ends a session with no customer message for this long.
	InactivityTimeout time.Duration
	// ReaskCount is how many times an unmatched answer re-asks a question
	// before the default edge is taken (or the session ends).
	ReaskCount int
	// LoopLimit ends a session that runs more than this many nodes without
	// waiting (completion reason loop_detected).
	LoopLimit int
	// CancelWords end the session when a customer sends one of them alone.
	// Unlike the reference's skip words they do not skip a node: they stop.
	CancelWords []string
	// RestartKeywords start the session over from the start node.
	RestartKeywords []string
	// TextAnswerAcceptsMedia lets media (image, document, ...) answer a text
	// question; a node's data.acceptMedia also allows it for that node.
	TextAnswerAcceptsMedia bool
}

// DefaultSettings returns the defaults: 24 h inactivity, 2 re-asks, loop
// limit 50, cancel words cancel/stop/iptal/vazgeç (matched with Turkish
// folding, so "İPTAL", "vazgec" also count; "skip"/"atla" are not cancel
// words because skipping is not ending), restart keywords
// restart, /start, baştan. Pure.
func DefaultSettings() Settings {
	return Settings{
		InactivityTimeout: 24 * time.Hour,
		ReaskCount:        2,
		LoopLimit:         50,
		CancelWords:       []string{"cancel", "stop", "iptal", "vazgeç"},
		RestartKeywords:   []string{"restart", "/start", "baştan"},
	}
}

type settingsWire struct {
	InactivityTimeoutSeconds *int64    `json:"inactivityTimeoutSeconds,omitempty"`
	ReaskCount               *int      `json:"reaskCount,omitempty"`
	LoopLimit                *int      `json:"loopLimit,omitempty"`
	CancelWords              *[]string `json:"cancelWords,omitempty"`
	RestartKeywords          *[]string `json:"restartKeywords,omitempty"`
	TextAnswerAcceptsMedia   *bool     `json:"textAnswerAcceptsMedia,omitempty"`
}

// MarshalJSON writes every setting explicitly. Deterministic.
func (s Settings) MarshalJSON() ([]byte, error) {
	secs := int64(s.InactivityTimeout / time.Second)
	cw, rk := nonNil(s.CancelWords), nonNil(s.RestartKeywords)
	return marshalNoEscape(settingsWire{
		InactivityTimeoutSeconds: &secs, ReaskCount: &s.ReaskCount, LoopLimit: &s.LoopLimit,
		CancelWords: &cw, RestartKeywords: &rk, TextAnswerAcceptsMedia: &s.TextAnswerAcceptsMedia,
	})
}

// UnmarshalJSON fills absent fields with DefaultSettings. Deterministic.
func (s *Settings) UnmarshalJSON(b []byte) error {
	out := DefaultSettings()
	var w settingsWire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if w.InactivityTimeoutSeconds != nil {
		out.InactivityTimeout = time.Duration(*w.InactivityTimeoutSeconds) * time.Second
	}
	if w.ReaskCount != nil {
		out.ReaskCount = *w.ReaskCount
	}
	if w.LoopLimit != nil {
		out.LoopLimit = *w.LoopLimit
	}
	if w.CancelWords != nil {
		out.CancelWords = nonNil(*w.CancelWords)
	}
	if w.RestartKeywords != nil {
		out.RestartKeywords = nonNil(*w.RestartKeywords)
	}
	if w.TextAnswerAcceptsMedia != nil {
		out.TextAnswerAcceptsMedia = *w.TextAnswerAcceptsMedia
	}
	*s = out
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// IsCancelWord reports whether text, alone, is one of the cancel words
// (compared with FoldText). Pure.
func (s Settings) IsCancelWord(text string) bool { return matchesWord(s.CancelWords, text) }

// IsRestartKeyword reports whether text, alone, is a restart keyword
// (compared with FoldText). Pure.
func (s Settings) IsRestartKeyword(text string) bool { return matchesWord(s.RestartKeywords, text) }

func matchesWord(words []string, text string) bool {
	t := FoldText(text)
	return t != "" && slices.ContainsFunc(words, func(w string) bool { return FoldText(w) == t })
}

// CaseKey is a case-insensitive comparison key: trimmed, inner spaces
// collapsed, lower-cased with Turkish dotted/dotless i unified (İ, I, ı, i all
// compare equal). Pure.
func CaseKey(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer("İ", "i", "I", "i", "ı", "i").Replace(s)
	s = strings.ToLower(s)
	return strings.ReplaceAll(s, "i\u0307", "i")
}

// FoldText is a looser comparison key for typed answers and keywords: CaseKey,
// then diacritics removed (ş→s, ç→c, ğ→g, ö→o, ü→u, é→e, ...), then
// everything but letters, digits and '/' dropped and spaces collapsed, so
// "📦 Stok Güncelle" and "stok guncelle" fold alike. Pure.
func FoldText(s string) string {
	s = foldDiacritics.Replace(CaseKey(s))
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r): // combining marks
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '/':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// foldDiacritics maps the lower-case accented Latin letters common in Turkish
// and Western European text to their base letter.
var foldDiacritics = strings.NewReplacer(
	"ç", "c", "ğ", "g", "ö", "o", "ş", "s", "ü", "u", "â", "a", "î", "i", "û", "u",
	"á", "a", "à", "a", "ä", "a", "ã", "a", "å", "a", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "ï", "i", "ó", "o", "ò", "o", "ô", "o", "õ", "o", "ú", "u", "ù", "u",
	"ñ", "n", "ý", "y", "ÿ", "y", "ß", "ss",
)
