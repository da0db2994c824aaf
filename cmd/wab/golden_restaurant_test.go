package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	restaurantWelcome = "Welcome to La Bella Restaurant! We're delighted to help you make a reservation."
	restaurantName    = "What name should we put the reservation under?"
	restaurantGuests  = "How many guests will be dining with us? [2 Guests|4 Guests|6+ Guests]"
	restaurantDate    = "What date would you like to reserve? (YYYY-MM-DD format)"
)

func restaurantError(err string) string {
	return "Sorry, we couldn't complete your reservation.\n\nError: " + err + "\n\nPlease call us at (555) 123-4567."
}

// goldenRestaurant: the reservation bot. Its answers live in the
// auto-variables question_1..3; a REST call posts them (to the local echo
// instead of httpbin.org), and a condition on rest_api_1.status decides.
func goldenRestaurant(t *testing.T, g *golden) {
	number := g.bot(t, "restaurant-reservation-bot.json")
	// A reservation API rejects an impossible date, and accepts one date
	// with 201 Created instead of 200.
	g.restAnswers("2025-02-30", http.StatusUnprocessableEntity,
		map[string]any{"message": "2025-02-30 is not a valid date"})
	g.restAnswers("2025-06-01", http.StatusCreated, nil)

	// Main path: REST success, status 200, the condition is true.
	c := g.customer(t, number)
	c.says("Hi")
	c.gets(restaurantWelcome, restaurantName)
	c.says(`Maria "Mia" Rossi`)
	c.gets(restaurantGuests)
	c.taps("guests_4", "4 Guests")
	c.gets(restaurantDate)
	hits := g.restHits.Load()
	c.says("2025-12-24")
	// question_2 holds the tapped button's id, not its title. The date is
	// not mangled by arithmetic (the reference turned it into "2012-24").
	c.gets("Your reservation is confirmed!\n\n- Name: Maria \"Mia\" Rossi\n- Party Size: guests_4\n- Date: 2025-12-24\n\nSee you at La Bella Restaurant!")
	c.hearsNothing()
	require.Equal(t, hits+1, g.restHits.Load(), "one reservation request")
	// The body is the apiBody template with the answers, JSON-escaped.
	require.Equal(t, map[string]any{
		"customer_name": `Maria "Mia" Rossi`, "party_size": "guests_4", "reservation_date": "2025-12-24",
	}, g.restRequest(t, "2025-12-24"))

	// A typed party size fits no button: two re-asks, then the default edge,
	// with question_2 holding the last typed text.
	c = g.customer(t, number)
	c.says("Hi")
	c.gets(restaurantWelcome, restaurantName)
	c.says("Luca")
	c.gets(restaurantGuests)
	c.says("we are five")
	c.gets(restaurantGuests)
	c.says("five")
	c.gets(restaurantGuests)
	c.says("5")
	c.gets(restaurantDate)
	c.says("2025-12-31")
	c.gets("Your reservation is confirmed!\n\n- Name: Luca\n- Party Size: 5\n- Date: 2025-12-31\n\nSee you at La Bella Restaurant!")
	c.hearsNothing()
	require.Equal(t, map[string]any{"customer_name": "Luca", "party_size": "5", "reservation_date": "2025-12-31"},
		g.restRequest(t, "2025-12-31"))

	// The API refuses (422): the error edge, showing rest_api_1.error, the
	// message of the error body.
	c = g.customer(t, number)
	c.says("Hi")
	c.gets(restaurantWelcome, restaurantName)
	c.says("Anna")
	c.gets(restaurantGuests)
	c.says("2 guests")
	c.gets(restaurantDate)
	c.says("2025-02-30")
	c.gets(restaurantError("2025-02-30 is not a valid date"))
	c.hearsNothing()

	// The API answers 201: success edge, but the condition status == 200 is
	// false. rest_api_1.error exists and is null after a success, so it
	// renders empty.
	c = g.customer(t, number)
	c.says("Hi")
	c.gets(restaurantWelcome, restaurantName)
	c.says("Marco")
	c.gets(restaurantGuests)
	c.taps("guests_6", "6+ Guests")
	c.gets(restaurantDate)
	c.says("2025-06-01")
	c.gets(restaurantError(""))
	c.hearsNothing()

	// "restart" starts over mid-way; "stop" cancels without a word.
	c = g.customer(t, number)
	c.says("Hi")
	c.gets(restaurantWelcome, restaurantName)
	c.says("Giulia")
	c.gets(restaurantGuests)
	c.says("restart")
	c.gets(restaurantWelcome, restaurantName)
	c.says("stop")
	c.hearsNothing()
}
