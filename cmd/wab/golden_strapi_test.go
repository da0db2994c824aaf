package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

// goldenStrapi: the stock and price manager. Two flows (data_exchange: the
// flow's endpoint serves the screens), one confirmation, and a loop back to
// the menu.
func goldenStrapi(t *testing.T, g *golden) {
	number := g.bot(t, "strapi-management-chatbot.json")
	welcome := "🏪 **Stok & Fiyat Yönetim Sistemi**\n\nMerhaba! Bu sistem ile ürün stoklarını ve fiyatlarını yönetebilirsiniz.\n\nNe yapmak istersiniz?"
	menu := "Lütfen bir işlem seçin: [📦 Stok Güncelle|💰 Fiyat Güncelle]"
	done := "✅ İşlem başarıyla tamamlandı!\n\nGüncelleme detayları kaydedildi."
	again := "Başka bir işlem yapmak ister misiniz? [✅ Evet|❌ Hayır]"

	// Stock (chosen by typing the title without its emoji), back to the
	// menu, price, goodbye.
	c := g.customer(t, number)
	c.says("Merhaba")
	c.gets(welcome, menu)
	c.says("stok güncelle")
	c.gets("flow:Ürün stoklarını güncellemek için formu açın.")
	stock := c.lastFlowSent()
	require.Equal(t, "1173529677606446", stock.FlowID)
	require.Equal(t, "Stok Yönetimi", stock.CTA)
	require.Equal(t, whatsapp.FlowDataExchange, stock.Action)
	require.Empty(t, stock.Screen)
	// Text while the flow is open is not an answer.
	c.says("bitti")
	c.hearsNothing()
	c.submits(map[string]any{"product_id": "42", "new_stock": 40})
	c.gets(done, again)
	c.taps("btn_yes", "✅ Evet")
	c.gets(menu)
	c.taps("btn_price", "💰 Fiyat Güncelle")
	c.gets("flow:Ürün fiyatlarını güncellemek için formu açın.")
	require.Equal(t, "836194732500069", c.lastFlowSent().FlowID)
	// The stock flow's token does not answer the price flow.
	c.submitsTo(stock, map[string]any{"product_id": "42", "new_stock": 41})
	c.hearsNothing()
	c.submits(map[string]any{"product_id": "42", "new_price": 129.9})
	c.gets(done, again)
	c.says("hayır")
	c.gets("Teşekkürler! İyi günler. 👋")
	c.hearsNothing()

	// The restart keyword works while a flow is open; then the price flow,
	// a bad answer to the last question (re-asked), and "no".
	c = g.customer(t, number)
	c.says("Merhaba")
	c.gets(welcome, menu)
	c.taps("btn_stock", "📦 Stok Güncelle")
	c.gets("flow:Ürün stoklarını güncellemek için formu açın.")
	c.says("Baştan")
	c.gets(welcome, menu)
	c.taps("btn_price", "💰 Fiyat Güncelle")
	c.gets("flow:Ürün fiyatlarını güncellemek için formu açın.")
	c.submits(map[string]any{"product_id": "7", "new_price": 15})
	c.gets(done, again)
	c.says("belki")
	c.gets(again)
	c.taps("btn_no", "❌ Hayır")
	c.gets("Teşekkürler! İyi günler. 👋")
	c.hearsNothing()
}
