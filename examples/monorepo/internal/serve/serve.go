// Package serve is what the monorepo's services share: a handler that answers GET / with one
// of a list of lines and GET /healthz with "ok", served on $PORT (default 8080).
package serve

import (
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
)

// Handler answers GET / with one of lines, at random, and GET /healthz with "ok".
func Handler(lines []string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, lines[rand.IntN(len(lines))])
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// Run serves Handler(lines) on $PORT, or 8080.
func Run(name string, lines []string) {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Printf("%s listening on :%s", name, port)
	log.Fatal(http.ListenAndServe(":"+port, Handler(lines)))
}
