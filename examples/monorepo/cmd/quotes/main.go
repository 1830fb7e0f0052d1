// quotes answers GET / with a quote.
package main

import "example.org/monorepo/internal/serve"

func main() {
	serve.Run("quotes", []string{
		"\"Don't Panic.\" -- Douglas Adams",
		"\"Simplicity is prerequisite for reliability.\" -- Edsger W. Dijkstra",
		"\"Premature optimization is the root of all evil.\" -- Donald Knuth",
	})
}
