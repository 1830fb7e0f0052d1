// douglas-adams-quotes answers GET / with a quote by Douglas Adams and GET /healthz with "ok".
// It listens on $PORT (default 8080).
package main

import (
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
)

// Quote is one line and who said it.
type Quote struct {
	Text   string
	Author string
}

var quotes = []Quote{
	{"Don't Panic.", "Douglas Adams"},
	{"The ships hung in the sky in much the same way that bricks don't.", "Douglas Adams"},
	{"I love deadlines. I love the whooshing noise they make as they go by.", "Douglas Adams"},
	{"Time is an illusion. Lunchtime doubly so.", "Douglas Adams"},
	{"For a moment, nothing happened. Then, after a second or so, nothing continued to happen.", "Douglas Adams"},
	{"The answer to the ultimate question of life, the universe and everything is 42.", "Douglas Adams"},
	{"A common mistake that people make when trying to design something completely foolproof is to underestimate the ingenuity of complete fools.", "Douglas Adams"},
}

// format renders a quote as the body of a response.
func format(q Quote) string {
	return fmt.Sprintf("%q\n  -- %s\n", q.Text, q.Author)
}

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, format(quotes[rand.IntN(len(quotes))]))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return mux
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	addr := ":" + port
	log.Printf("douglas-adams-quotes listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, handler()))
}
