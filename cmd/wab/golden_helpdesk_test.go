package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

const (
	helpdeskWelcome = "👋 Merhaba! Destek botuna hoş geldiniz.\n\nSize nasıl yardımcı olabilirim?"
	helpdeskMenu    = "Lütfen bir seçenek belirtin: [Yeni Talep|Talep Durumu|SSS]"
	helpdeskName    = "Yeni bir destek talebi oluşturuyoruz.\n\nLütfen adınızı ve soyadınızı yazın:"
	helpdeskDept    = "Hangi departmana ulaşmak istiyorsunuz? [Teknik Destek|Satış|Finans|Genel Sorular]"
	helpdeskTicket  = "Talep durumunu sorgulamak için talep numaranızı girin:\n\n(Örnek: #12345)"
	helpdeskFAQ     = "Hangi konuda bilgi almak istersiniz? [Hesap İşlemleri|Ödeme ve Faturalama|Ürün Özellikleri|Teknik Sorunlar]"
	helpdeskReturn  = "Ana menüye dönmek için yeni bir mesaj gönderin veya /start yazın."
)

// goldenHelpdesk: the helpdesk bot. Its menu and priority buttons are plain
// strings, so their ids are btn-0, btn-1, btn-2 (the edges use those); the
// answers are stored in legacy variables (customerName, department, ...).
func goldenHelpdesk(t *testing.T, g *golden) {
	number := g.bot(t, "helpdesk-bot.json")

	// New ticket: a text question, a list, a text question, buttons.
	c := g.customer(t, number)
	c.says("Merhaba")
	c.gets(helpdeskWelcome, helpdeskMenu)
	c.taps("btn-0", "Yeni Talep")
	c.gets(helpdeskName)
	// A photo does not answer a text question: it is asked again.
	c.sendsImage("kimlik")
	c.gets(helpdeskName)
	c.says("Ayşe Yılmaz")
	c.gets(helpdeskDept)
	dept := c.lastSent().List
	require.Equal(t, "Seçin", dept.Button, "no listButtonText: the default")
	require.Equal(t, &whatsapp.Header{Type: whatsapp.HeaderText, Text: "Departman Seçimi"}, dept.Header)
	require.Equal(t, "Size en uygun departmanı seçin", dept.Footer)
	c.taps("btn-0", "Düşük") // a stale tap on the menu: not a department
	c.gets(helpdeskDept)
	c.picks("finans", "Finans")
	c.gets("Lütfen sorununuzu detaylı olarak açıklayın:")
	c.says("Faturam iki kez kesildi")
	c.gets("Bu konunun önceliği nedir? [Düşük|Orta|Yüksek]")
	c.taps("btn-2", "Yüksek")
	// An answer is stored as the choice's id: the department is the row id
	// "finans", and the priority the button id "btn-2" (the buttons were
	// plain strings, so their ids are btn-N), not the title "Yüksek".
	c.gets("✅ Destek talebiniz başarıyla oluşturuldu!\n\n📋 **Talep Detayları:**\n"+
		"👤 İsim: Ayşe Yılmaz\n🏢 Departman: finans\n📝 Açıklama: Faturam iki kez kesildi\n⚡ Öncelik: btn-2\n\n"+
		"En kısa sürede size dönüş yapacağız. Teşekkür ederiz!",
		helpdeskReturn)
	c.hearsNothing()
	// As the bot says, /start (or any message) brings the menu back.
	c.says("/start")
	c.gets(helpdeskWelcome, helpdeskMenu)

	// Ticket status, interrupted by the restart keyword /start.
	c = g.customer(t, number)
	c.says("Merhaba")
	c.gets(helpdeskWelcome, helpdeskMenu)
	c.taps("btn-1", "Talep Durumu")
	c.gets(helpdeskTicket)
	c.says("/start")
	c.gets(helpdeskWelcome, helpdeskMenu)
	c.says("talep durumu") // the title, typed
	c.gets(helpdeskTicket)
	c.says("#48213")
	c.gets("🔍 **Talep Durumu**\n\n📌 Talep No: #48213\n\nℹ️ Talep durumu sistemimizde sorgulanıyor...\n\n"+
		"*Not: Gerçek entegrasyon için bu node'a API çağrısı eklenmelidir.*",
		helpdeskReturn)
	c.hearsNothing()

	// FAQ: the condition faqCategory == "hesap", both sides.
	c = g.customer(t, number)
	c.says("Merhaba")
	c.gets(helpdeskWelcome, helpdeskMenu)
	c.taps("btn-2", "SSS")
	c.gets(helpdeskFAQ)
	c.picks("hesap", "Hesap İşlemleri")
	c.gets("💡 **Hesap İşlemleri SSS**\n\n"+
		"**S: Şifremi unuttum, ne yapmalıyım?**\nC: Giriş ekranında 'Şifremi Unuttum' linkine tıklayarak e-posta adresinize sıfırlama linki gönderebilirsiniz.\n\n"+
		"**S: Hesabımı nasıl silerim?**\nC: Ayarlar > Hesap > Hesabı Sil seçeneğinden hesabınızı kapatabilirsiniz.\n\n"+
		"**S: Profilimi nasıl güncellerim?**\nC: Ayarlar > Profil bölümünden bilgilerinizi güncelleyebilirsiniz.",
		helpdeskReturn)
	c.hearsNothing()
	c.says("sss")
	c.gets(helpdeskWelcome, helpdeskMenu)
	c.says("SSS")
	c.gets(helpdeskFAQ)
	c.says("ürün özellikleri")
	c.gets("💡 **urun - SSS**\n\nBu kategori için bilgiler hazırlanıyor.\n\n"+
		"Daha fazla yardım için 'Yeni Talep' oluşturabilir veya doğrudan destek ekibimizle iletişime geçebilirsiniz.\n\n"+
		"📧 destek@sirket.com\n📞 0850 XXX XX XX",
		helpdeskReturn)
	c.hearsNothing()

	// The cancel word ends the session at once, without a word; the next
	// message starts the bot again.
	c = g.customer(t, number)
	c.says("Merhaba")
	c.gets(helpdeskWelcome, helpdeskMenu)
	c.taps("btn-0", "Yeni Talep")
	c.gets(helpdeskName)
	c.says("vazgeç")
	c.hearsNothing()
	c.says("Merhaba")
	c.gets(helpdeskWelcome, helpdeskMenu)
}
