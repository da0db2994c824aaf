package chaos

import (
	_ "embed"
	"fmt"

	"github.com/wabuilder/wab/cmd/internal/load"
)

//go:embed bots/chaos-bot.json
var chaosBot []byte

// Script is the chaos run's conversation: five turns with the survey bot,
// every reply naming the customer and echoing their earlier answers, so a
// reply that lands in the wrong conversation, twice or out of order shows.
//
//	1 "hi"            → hello + question 1 (text)        waits on q1
//	2 colour          → question 2 (buttons)             waits on q2
//	3 tap a size      → question 3 (text)                waits on q3
//	4 city            → question 4 (list)                waits on q4
//	5 pick a day      → summary + goodbye                session ends
//
// A run with more turns starts the survey again (turn 6 is "hi").
func Script() load.Script {
	return load.Script{
		Name: "chaos",
		Bot:  chaosBot,
		Turns: []load.Turn{
			{
				Say: load.Inbound{Kind: load.Text, Text: "hi"},
				Want: []load.Want{
					{Text: "Hello {name}, this is a four-question survey."},
					{Text: "1/4 {name}: your favourite colour?"},
				},
				WaitsOn: "q1",
			},
			{
				Say:     load.Inbound{Kind: load.Text, Text: "{colour}"},
				Want:    []load.Want{{Text: "2/4 {name} ({colour}): your size? [Small|Medium|Large]"}},
				WaitsOn: "q2",
			},
			{
				Say:     load.Inbound{Kind: load.Tap, ID: "{size_id}", Title: "{size}"},
				Want:    []load.Want{{Text: "3/4 {name} ({colour}): your city?"}},
				WaitsOn: "q3",
			},
			{
				Say:     load.Inbound{Kind: load.Text, Text: "{city}"},
				Want:    []load.Want{{Text: "4/4 {name} ({city}): which day? [Monday|Tuesday|Wednesday]"}},
				WaitsOn: "q4",
			},
			{
				Say: load.Inbound{Kind: load.Pick, ID: "{day_id}", Title: "{day}"},
				Want: []load.Want{
					{Text: "Thanks {name}: {colour}, {city}."},
					{Text: "Goodbye {name}!"},
				},
			},
		},
		Vars: scriptVars,
	}
}

var (
	colours = []string{"red", "green", "blue", "amber", "violet"}
	sizes   = [][2]string{{"size_s", "Small"}, {"size_m", "Medium"}, {"size_l", "Large"}}
	days    = [][2]string{{"day_mon", "Monday"}, {"day_tue", "Tuesday"}, {"day_wed", "Wednesday"}}
)

// scriptVars are customer i's answers: unique per customer (the colour and
// city carry i), so an echo in another conversation cannot match.
func scriptVars(i int) map[string]string {
	return map[string]string{
		"colour":  fmt.Sprintf("%s-%d", colours[i%len(colours)], i),
		"size_id": sizes[i%len(sizes)][0], "size": sizes[i%len(sizes)][1],
		"city":   fmt.Sprintf("city-%d", i),
		"day_id": days[i%len(days)][0], "day": days[i%len(days)][1],
	}
}
