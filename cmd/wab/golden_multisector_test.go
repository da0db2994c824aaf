package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wabuilder/wab/activities/whatsapp"
)

const (
	multiIntro = "Demo orneklerimizi incelemek ister misiniz? [Demolari Gor|Hakkinda]"
	multiList  = "Asagidaki sektorlerden birini secerek interaktif demo akisini baslatin: " +
		"[Berber Randevu|Restoran Rezervasyon|Klinik Randevu|E-Ticaret Siparis|Emlak Danismanlik]"
	multiAgain   = "Baska bir demo denemek ister misiniz? [Evet, Baska Demo|Hayir, Tesekkurler]"
	multiGoodbye = "Demo sistemimizi kullandiginiz icin tesekkur ederiz!\n\nSorulariniz icin bizimle iletisime gecebilirsiniz.\n\nIyi gunler dileriz!"
	multiUnknown = "Sectiginiz demo bulunamadi.\n\nLutfen tekrar deneyin veya ana menuye donun."
)

// goldenMultiSector: the five-sector demo. A list feeds a chain of five
// conditions on selected_demo; each demo opens its flow, whose answer
// (flowOutputVariable) fills a confirmation; then "another demo?" loops
// back to the list.
func goldenMultiSector(t *testing.T, g *golden) {
	number := g.bot(t, "multi-sector-demo-chatbot.json")
	welcome := "Merhaba!\n\nWhatsApp Chatbot Builder Demo Sistemine hos geldiniz.\n\n" +
		"Farkli sektorler icin hazirladigimiz interaktif chatbot orneklerini deneyimleyebilirsiniz. " +
		"Her demo, gercek senaryo akislarini simule eder."
	about := "WhatsApp Chatbot Builder ile:\n\n- 7/24 otomatik musteri hizmeti\n- Randevu ve rezervasyon yonetimi\n" +
		"- Siparis takibi ve onay\n- Interaktif form toplama\n- WhatsApp Flow entegrasyonu\n\nsaglayabilirsiniz.\n\n" +
		"Her sektor icin ozellestirilmis cozumler sunuyoruz."

	// Barber (first condition true), then the loop back to the list and the
	// e-commerce demo (fourth condition), then goodbye.
	c := g.customer(t, number)
	c.says("Merhaba")
	c.gets(welcome, multiIntro)
	c.taps("btn_demolar", "Demolari Gor")
	c.gets(multiList)
	c.picks("demo_berber", "Berber Randevu")
	c.gets("flow:Berberinizi secin ve uygun randevu saatini belirleyin.")
	require.Equal(t, "BERBER_SECIM", c.lastFlowSent().Screen)
	c.submits(berberFlowReply("berber_can", "sac_sekil", "2025-02-03", "11:00"))
	c.gets("Randevunuz basariyla olusturuldu!\n\nBerber: berber_can\nHizmet: sac_sekil\nTarih: 2025-02-03\nSaat: 11:00\n\n"+
		"Randevu No: #BRB-2025-001\n\nRandevunuza 10 dakika once gelmenizi rica ederiz.",
		multiAgain)
	c.taps("btn_evet", "Evet, Baska Demo")
	c.gets(multiList)
	c.picks("demo_eticaret", "E-Ticaret Siparis")
	c.gets("flow:Urun secin, adet belirleyin ve siparisini tamamlayin.")
	require.Equal(t, "KATEGORI_SECIM", c.lastFlowSent().Screen)
	c.submits(map[string]any{
		"product_name": "Kablosuz Kulaklik", "quantity": 2, "total_price": 1249.5,
		"address": "Moda Cad. No:5, Kadikoy/Istanbul", "order_id": "SIP-7781",
	})
	// Numbers from the flow render as written: 2, 1249.5.
	c.gets("Siparisini alindi!\n\nUrun: Kablosuz Kulaklik\nAdet: 2\nTutar: 1249.5 TL\n\n"+
		"Teslimat Adresi: Moda Cad. No:5, Kadikoy/Istanbul\nTahmini Teslimat: 2-3 is gunu\n\n"+
		"Siparis No: #SIP-7781\n\nSiparisiniz hazirlaniyor, kargoya verildiginde bilgilendirileceksiniz.",
		multiAgain)
	c.taps("btn_hayir", "Hayir, Tesekkurler")
	c.gets(multiGoodbye)
	c.hearsNothing()

	// About → list → restaurant. The restaurant form has no table preference
	// field, so {{restoran_rezervasyon.table_preference}} does not exist and
	// stays verbatim.
	c = g.customer(t, number)
	c.says("Merhaba")
	c.gets(welcome, multiIntro)
	c.taps("btn_hakkinda", "Hakkinda")
	c.gets(about, multiList)
	c.picks("demo_restoran", "Restoran Rezervasyon")
	c.gets("flow:Tarih, saat ve kisi sayisini secin, rezervasyonunuzu tamamlayin.")
	c.submits(map[string]any{"date": "2025-03-14", "time": "20:00", "guest_count": "4", "reservation_id": "RZV-1042"})
	c.gets("Rezervasyonunuz onaylandi!\n\nRestoran: Lezzet Duragi\nTarih: 2025-03-14\nSaat: 20:00\nKisi Sayisi: 4\n"+
		"Masa: {{restoran_rezervasyon.table_preference}}\n\nRezervasyon No: #RZV-1042\n\nIptal icin en az 2 saat once bilgi veriniz.",
		multiAgain)
	c.says("hayir, tesekkurler")
	c.gets(multiGoodbye)
	c.hearsNothing()

	// A typed demo that is not on the list: two re-asks, then the list's
	// unlabelled edge (its default) into the conditions, all false → the
	// unknown-demo message. Then clinic (typed title) and real estate.
	c = g.customer(t, number)
	c.says("Merhaba")
	c.gets(welcome, multiIntro)
	c.says("demolari gor")
	c.gets(multiList)
	c.says("pizza")
	c.gets(multiList)
	c.says("pizza")
	c.gets(multiList)
	c.says("pizza")
	c.gets(multiUnknown, multiAgain)
	c.taps("btn_evet", "Evet, Baska Demo")
	c.gets(multiList)
	c.says("Klinik Randevu")
	c.gets("flow:Bolum ve doktor secimi yaparak randevunuzu olusturun.")
	c.submits(map[string]any{
		"department": "Kardiyoloji", "doctor_name": "Dr. Elif Kaya", "date": "2025-04-02", "time": "09:15", "appointment_id": "KLN-311",
	})
	c.gets("Randevunuz olusturuldu!\n\nBolum: Kardiyoloji\nDoktor: Dr. Elif Kaya\nTarih: 2025-04-02\nSaat: 09:15\n\n"+
		"Randevu No: #KLN-311\n\nLutfen kimlik belgenizi ve varsa onceki raporlarinizi getirin.",
		multiAgain)
	c.taps("btn_evet", "Evet, Baska Demo")
	c.gets(multiList)
	c.picks("demo_emlak", "Emlak Danismanlik")
	c.gets("flow:Arama kriterlerinizi girin ve size uygun ilanlari bulalim.")
	c.submits(map[string]any{
		"property_type": "Daire", "location": "Besiktas", "room_count": "3+1", "budget": 8500000, "request_id": "EML-55",
	})
	c.gets("Talebiniz alindi!\n\nAradaginiz: Daire\nKonum: Besiktas\nOda Sayisi: 3+1\nButce: 8500000 TL\n\n"+
		"Talep No: #EML-55\n\nDanismanlarimiz size uygun ilanlari belirleyip en kisa surede donecektir.",
		multiAgain)
	c.taps("btn_hayir", "Hayir, Tesekkurler")
	c.gets(multiGoodbye)
	c.hearsNothing()
}

// goldenMultiSectorImport: the same demo as an export file, with plainer
// content: no flow output variables, no placeholders, and every demo on one
// flow id without a first screen (so the flows open by data_exchange).
func goldenMultiSectorImport(t *testing.T, g *golden) {
	number := g.bot(t, "multi-sector-demo-chatbot-import.json")
	welcome := "Merhaba!\n\nWhatsApp Chatbot Builder Demo Sistemine hos geldiniz.\n\n" +
		"Farkli sektorler icin hazirladigimiz interaktif chatbot orneklerini deneyimleyebilirsiniz."
	about := "WhatsApp Chatbot Builder ile:\n\n- 7/24 otomatik musteri hizmeti\n- Randevu ve rezervasyon yonetimi\n" +
		"- Siparis takibi ve onay\n- Interaktif form toplama\n- WhatsApp Flow entegrasyonu\n\nsaglayabilirsiniz."

	// Real estate, then another demo (restaurant); an answer to the earlier
	// flow is not an answer to the one open now.
	c := g.customer(t, number)
	c.says("Merhaba")
	c.gets(welcome, multiIntro)
	c.taps("btn_demolar", "Demolari Gor")
	c.gets(multiList)
	c.picks("demo_emlak", "Emlak Danismanlik")
	c.gets("flow:Arama kriterlerinizi girin ve size uygun ilanlari bulalim.")
	emlak := c.lastFlowSent()
	require.Equal(t, "1179065296990986", emlak.FlowID)
	require.Equal(t, "Ilan Ara", emlak.CTA)
	require.Equal(t, whatsapp.FlowDataExchange, emlak.Action)
	require.Empty(t, emlak.Screen)
	c.submits(map[string]any{"property_type": "Villa"})
	c.gets("Talebiniz alindi!\n\nDanismanlarimiz size uygun ilanlari belirleyip en kisa surede donecektir.", multiAgain)
	c.taps("btn_evet", "Evet, Baska Demo")
	c.gets(multiList)
	c.picks("demo_restoran", "Restoran Rezervasyon")
	c.gets("flow:Tarih, saat ve kisi sayisini secin.")
	require.Equal(t, "Rezervasyon Yap", c.lastFlowSent().CTA)
	c.submitsTo(emlak, map[string]any{"property_type": "Villa"}) // the old flow's token
	c.hearsNothing()
	c.submits(map[string]any{"date": "2025-05-01"})
	c.gets("Rezervasyonunuz onaylandi!\n\nIptal icin en az 2 saat once bilgi veriniz.", multiAgain)
	c.taps("btn_hayir", "Hayir, Tesekkurler")
	c.gets(multiGoodbye)
	c.hearsNothing()

	// About → clinic → e-commerce → barber; "stop" at the end cancels.
	c = g.customer(t, number)
	c.says("Merhaba")
	c.gets(welcome, multiIntro)
	c.taps("btn_hakkinda", "Hakkinda")
	c.gets(about, multiList)
	c.picks("demo_klinik", "Klinik Randevu")
	c.gets("flow:Bolum ve doktor secimi yaparak randevunuzu olusturun.")
	c.submits(map[string]any{"department": "Dahiliye"})
	c.gets("Randevunuz olusturuldu!\n\nLutfen kimlik belgenizi ve varsa onceki raporlarinizi getirin.", multiAgain)
	c.says("Evet, Baska Demo")
	c.gets(multiList)
	c.picks("demo_eticaret", "E-Ticaret Siparis")
	c.gets("flow:Urun secin, adet belirleyin ve siparisinizi tamamlayin.")
	c.submits(map[string]any{"product_name": "Kitap"})
	c.gets("Siparisini alindi!\n\nSiparisiniz hazirlaniyor, kargoya verildiginde bilgilendirileceksiniz.", multiAgain)
	c.taps("btn_evet", "Evet, Baska Demo")
	c.gets(multiList)
	c.picks("demo_berber", "Berber Randevu")
	c.gets("flow:Berberinizi secin ve uygun randevu saatini belirleyin.")
	c.submits(berberFlowReply("berber_ahmet", "sac_kesim", "2025-01-15", "10:00"))
	c.gets("Randevunuz basariyla olusturuldu!\n\nRandevunuza 10 dakika once gelmenizi rica ederiz.", multiAgain)
	c.says("stop")
	c.hearsNothing()
	c.says("Merhaba")
	c.gets(welcome, multiIntro)
}
