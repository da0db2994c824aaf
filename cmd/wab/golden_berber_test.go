package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

// berberFlowReply is what the barber appointment flow
// (shared/reference/whatsapp-flows/01-berber-randevu-whatsapp-flow.json)
// sends on completion: the payload of its ONAY_EKRANI "complete" action.
// Note it has date and time, and berber_name is the barber's id.
func berberFlowReply(berber, service, date, hour string) map[string]any {
	return map[string]any{
		"berber_id": berber, "berber_name": berber, "service": service,
		"date": date, "time": hour,
		"customer_name": "Ali Yılmaz", "customer_phone": "+905551234567", "notes": "",
		"appointment_id": "BRB-2025-001", "status": "confirmed",
	}
}

const (
	anaWelcome = "Merhaba! 👋\n\nWhatsApp Chatbot Demo Sistemine hoş geldiniz.\n\nBu demo ile farklı sektörler için hazırladığımız chatbot örneklerini deneyimleyebilirsiniz."
	anaMenu    = "Chatbot demo örneklerimizi görmek ister misiniz? [Demoları Gör|Bilgi Al|İletişim]"
	anaList    = "Aşağıdaki sektörlerden birini seçerek chatbot demosunu başlatabilirsiniz: " +
		"[Berber Randevu|Restoran Rezervasyon|Klinik Randevu|E-Ticaret Sipariş|Emlak Danışmanlık]"
)

// goldenAnaDemo: the showcase bot. Its list feeds a condition on the legacy
// variable selected_demo: the barber demo opens a flow, every other demo
// only names the choice.
func goldenAnaDemo(t *testing.T, g *golden) {
	number := g.bot(t, "00-ana-demo-bot.json")

	// Main path: demos → barber (condition true) → flow → confirmation.
	c := g.customer(t, number)
	c.says("Merhaba")
	c.gets(anaWelcome, anaMenu)
	menu := c.lastSent().Buttons
	require.Equal(t, &whatsapp.Header{Type: whatsapp.HeaderText, Text: "Demo Merkezi"}, menu.Header)
	require.Equal(t, "Bir seçenek seçin", menu.Footer)
	c.taps("btn_demo", "Demoları Gör")
	c.gets(anaList)
	list := c.lastSent().List
	require.Equal(t, &whatsapp.Header{Type: whatsapp.HeaderText, Text: "Chatbot Demoları"}, list.Header)
	require.Equal(t, "5 farklı sektör örneği", list.Footer)
	require.Equal(t, "Demoları Görüntüle", list.Button)
	require.Equal(t, []whatsapp.Section{
		{Title: "Hizmet Sektörü", Rows: []whatsapp.Row{
			{ID: "demo_berber", Title: "Berber Randevu", Description: "Berber seçimi ve randevu alma"},
			{ID: "demo_restoran", Title: "Restoran Rezervasyon", Description: "Masa rezervasyonu ve sipariş"},
		}},
		{Title: "Sağlık & E-Ticaret", Rows: []whatsapp.Row{
			{ID: "demo_klinik", Title: "Klinik Randevu", Description: "Doktor seçimi ve randevu"},
			{ID: "demo_eticaret", Title: "E-Ticaret Sipariş", Description: "Ürün seçimi ve sipariş"},
		}},
		{Title: "Gayrimenkul", Rows: []whatsapp.Row{
			{ID: "demo_emlak", Title: "Emlak Danışmanlık", Description: "Ev arama ve görüşme talebi"},
		}},
	}, list.Sections)
	c.picks("demo_berber", "Berber Randevu")
	c.gets("flow:Berber seçimi yapın ve uygun saati belirleyin")
	f := c.lastFlowSent()
	require.Equal(t, "BERBER_FLOW_ID", f.FlowID)
	require.Equal(t, "Randevu Al", f.CTA)
	require.Equal(t, &whatsapp.Header{Type: whatsapp.HeaderText, Text: "Berber Randevu"}, f.Header)
	require.Equal(t, "2 dakika sürer", f.Footer)
	// flowInitialScreen is set, so the flow opens there (navigate) although
	// flowMode says data_exchange.
	require.Equal(t, whatsapp.FlowNavigate, f.Action)
	require.Equal(t, "BERBER_SECIM", f.Screen)
	// While the flow is open, typed text is not an answer.
	c.says("tamam")
	c.hearsNothing()
	c.submits(berberFlowReply("berber_ahmet", "sac_kesim", "2025-01-15", "10:00"))
	// The flow's answer is stored under flowOutputVariable berber_randevu_data.
	// The bot reads appointment_date and appointment_time, but the barber flow
	// (BERBER_SECIM is its first screen) completes with "date" and "time":
	// those two variables do not exist, so their placeholders stay verbatim.
	c.gets("Randevunuz başarıyla oluşturuldu! ✅\n\n" +
		"👤 Berber: berber_ahmet\n" +
		"📅 Tarih: {{berber_randevu_data.appointment_date}}\n" +
		"⏰ Saat: {{berber_randevu_data.appointment_time}}\n" +
		"💇 Hizmet: sac_kesim\n\n" +
		"Randevu numaranız: #BRB-2025-001\n\n" +
		"Randevunuza 15 dakika önce gelmenizi rica ederiz.")
	c.hearsNothing()

	// Another demo: the condition is false and the message shows the stored
	// row id. A bad answer to the buttons is re-asked first.
	c = g.customer(t, number)
	c.says("selam")
	c.gets(anaWelcome, anaMenu)
	c.says("belki")
	c.gets(anaMenu)
	c.says("demoları gör") // the title, typed in lower case
	c.gets(anaList)
	c.picks("demo_restoran", "Restoran Rezervasyon")
	c.gets("Seçtiğiniz demo: demo_restoran\n\nBu demo için ilgili chatbot başlatılıyor...")
	c.hearsNothing()

	// Three answers that fit no button: two re-asks, then the session ends
	// (the buttons question has no default edge). The next message starts over.
	c = g.customer(t, number)
	c.says("hi")
	c.gets(anaWelcome, anaMenu)
	c.says("asdf")
	c.gets(anaMenu)
	c.says("qwer")
	c.gets(anaMenu)
	c.says("zxcv")
	c.hearsNothing()
	c.says("iletişim") // starts the session: not an answer
	c.gets(anaWelcome, anaMenu)
	c.says("İLETİŞİM")
	c.gets("Bizimle iletişime geçmek için:\n\n📧 demo@chatbot.com\n📞 +90 555 123 4567\n🌐 www.chatbot-demo.com")
	c.hearsNothing()
	c.says("Merhaba")
	c.gets(anaWelcome, anaMenu)
	c.taps("btn_info", "Bilgi Al")
	c.gets("WhatsApp Chatbot Builder ile:\n\n✅ 7/24 otomatik müşteri hizmeti\n✅ Randevu ve rezervasyon yönetimi\n" +
		"✅ Sipariş takibi\n✅ Form ve anket toplama\n✅ WhatsApp Flow entegrasyonu\n\nsağlayabilirsiniz.")
	c.hearsNothing()
}

const (
	berberWelcome = "Merhaba! ✂️\n\nPrestij Kuaför'e hoş geldiniz.\n\nSize en iyi hizmeti sunmak için buradayız. " +
		"Randevu almak veya hizmetlerimiz hakkında bilgi almak için devam edin."
	berberMenu     = "Size nasıl yardımcı olabilirim? [Randevu Al|Hizmetlerimiz|İletişim]"
	berberServices = "Sunduğumuz hizmetler ve fiyatlarımız: [Saç Kesimi|Saç Yıkama|Saç Şekillendirme|Sakal Tıraşı|Sakal Düzeltme]"
	berberAsk      = "Bu hizmet için randevu almak ister misiniz? [Evet, Randevu Al|Hayır, Teşekkürler]"
	berberFlow     = "flow:Berberinizi seçin ve uygun saati belirleyin"
)

func berberConfirmation(berber, service, date, hour string) string {
	return "Randevunuz başarıyla oluşturuldu! ✅\n\n" +
		"👤 Berber: " + berber + "\n💇 Hizmet: " + service + "\n📅 Tarih: " + date + "\n⏰ Saat: " + hour + "\n\n" +
		"🎫 Randevu No: #BRB-2025-001\n\n📌 Lütfen randevunuza 10 dakika önce gelin.\n\n" +
		"Randevunuzu iptal etmek için 'İPTAL' yazın."
}

// goldenBerber: the barber bot. Appointments go through a WhatsApp Flow
// whose answer (flowOutputVariable randevu_data) fills the confirmation.
func goldenBerber(t *testing.T, g *golden) {
	number := g.bot(t, "01-berber-randevu-chatbot.json")

	// Main path: book directly.
	c := g.customer(t, number)
	c.says("Merhaba")
	c.gets(berberWelcome, berberMenu)
	c.taps("btn_randevu", "Randevu Al")
	c.gets(berberFlow)
	f := c.lastFlowSent()
	require.Equal(t, "BERBER_RANDEVU_FLOW_ID", f.FlowID)
	require.Equal(t, "Randevu Oluştur", f.CTA)
	require.Equal(t, "BERBER_SECIM", f.Screen)
	c.submits(berberFlowReply("berber_mehmet", "sakal_tiras", "2025-01-15", "14:30"))
	// Dates are not touched by any arithmetic: 2025-01-15 stays as it is.
	c.gets(berberConfirmation("berber_mehmet", "sakal_tiras", "2025-01-15", "14:30"))
	c.hearsNothing()

	// Services list → detail (the legacy variable holds the row id) → yes →
	// the same flow node, reached from another branch.
	c = g.customer(t, number)
	c.says("Merhaba")
	c.gets(berberWelcome, berberMenu)
	c.taps("btn_hizmetler", "Hizmetlerimiz")
	c.gets(berberServices)
	c.picks("sac_kesim", "Saç Kesimi")
	c.gets("Seçtiğiniz hizmet: sac_kesim\n\nBu hizmet için randevu almak ister misiniz?", berberAsk)
	c.taps("btn_evet", "Evet, Randevu Al")
	c.gets(berberFlow)
	c.submits(berberFlowReply("berber_can", "sac_kesim", "2025-02-01", "09:30"))
	c.gets(berberConfirmation("berber_can", "sac_kesim", "2025-02-01", "09:30"))
	c.hearsNothing()

	// Contact; then services with a typed row title, and "Hayır", which has
	// no edge: the session ends without another word.
	c = g.customer(t, number)
	c.says("Merhaba")
	c.gets(berberWelcome, berberMenu)
	c.taps("btn_iletisim", "İletişim")
	c.gets("📍 Adres: Atatürk Cad. No:123, Kadıköy/İstanbul\n\n📞 Telefon: +90 216 123 4567\n\n" +
		"⏰ Çalışma Saatleri:\nPazartesi-Cumartesi: 09:00 - 21:00\nPazar: Kapalı\n\n🌐 Instagram: @prestijkuafor")
	c.hearsNothing()
	c.says("Merhaba")
	c.gets(berberWelcome, berberMenu)
	c.says("Hizmetlerimiz")
	c.gets(berberServices)
	c.says("sakal düzeltme")
	c.gets("Seçtiğiniz hizmet: sakal_trim\n\nBu hizmet için randevu almak ister misiniz?", berberAsk)
	c.taps("btn_hayir", "Hayır, Teşekkürler")
	c.hearsNothing()

	// The cancel word İPTAL while the flow is open ends the session. The
	// flow's late answer then completes nothing, and it must not start a new
	// session either: a form submission is not a greeting (the reference
	// never started a session on an nfm_reply, REFERENCE §4.5 step 7).
	c = g.customer(t, number)
	c.says("Merhaba")
	c.gets(berberWelcome, berberMenu)
	c.taps("btn_randevu", "Randevu Al")
	c.gets(berberFlow)
	c.says("İPTAL")
	c.hearsNothing()
	c.submits(berberFlowReply("berber_can", "sac_kesim", "2025-02-01", "09:30"))
	c.hearsNothing()
	// The next message starts a session, and the menu answers the tap. (Had
	// the flow reply started a session, "Merhaba" would answer its menu, and
	// the tap would get the menu again instead of the contact details.)
	c.says("Merhaba")
	c.gets(berberWelcome, berberMenu)
	c.taps("btn_iletisim", "İletişim")
	c.gets("📍 Adres: Atatürk Cad. No:123, Kadıköy/İstanbul…")
}
