package main

import (
	"testing"
)

// TestGolden runs every reference chatbot through the real stack. Each
// subtest states the conversation the bot is meant to have and checks every
// message the customer gets.
func TestGolden(t *testing.T) {
	t.Parallel()
	g := startGolden(t)
	for name, script := range goldenScripts {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			script(t, g)
		})
	}
}

// goldenScripts maps a reference bot to its scripted conversation.
var goldenScripts = map[string]func(t *testing.T, g *golden){
	"00-ana-demo-bot.json":                  goldenAnaDemo,
	"01-berber-randevu-chatbot.json":        goldenBerber,
	"helpdesk-bot.json":                     goldenHelpdesk,
	"multi-sector-demo-chatbot-import.json": goldenMultiSectorImport,
	"multi-sector-demo-chatbot.json":        goldenMultiSector,
	"restaurant-reservation-bot.json":       goldenRestaurant,
	"sample-chatbot.json":                   goldenSample,
	"strapi-management-chatbot.json":        goldenStrapi,
}

func goldenSample(t *testing.T, g *golden) {
	number := g.bot(t, "sample-chatbot.json")
	c := g.customer(t, number)
	c.says("Merhaba")
	c.gets(
		"Merhaba! WhatsApp Builder Destek Hattına hoşgeldiniz. Size nasıl yardımcı olabilirim?",
		"Lütfen aşağıdaki seçeneklerden birini seçin: [Teknik Destek|Fiyat Bilgisi|Hakkimizda]",
	)
	c.taps("btn_tech", "Teknik Destek")
	c.gets(
		"Teknik Destek - Teknik destek ekibimiz size yardımcı olmaktan mutluluk duyar!…",
		"Bizi tercih ettiginiz icin tesekkurler! Baska bir sorunuz olursa tekrar yazabilirsiniz. Iyi gunler!",
	)
	c.hearsNothing()

	// The session is over: the next message starts the bot again.
	c.says("tekrar")
	c.gets(
		"Merhaba! WhatsApp Builder Destek Hattına hoşgeldiniz. Size nasıl yardımcı olabilirim?",
		"Lütfen aşağıdaki seçeneklerden birini seçin: [Teknik Destek|Fiyat Bilgisi|Hakkimizda]",
	)
	// A typed title counts as the tap.
	c.says("fiyat bilgisi")
	c.gets("Fiyat Bilgisi - Starter Paket…", "Bizi tercih ettiginiz icin tesekkurler!…")
}
