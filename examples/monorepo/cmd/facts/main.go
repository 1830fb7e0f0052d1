// facts answers GET / with a fact.
package main

import "example.org/monorepo/internal/serve"

func main() {
	serve.Run("facts", []string{
		"Honey never spoils.",
		"Octopuses have three hearts.",
		"A day on Venus is longer than its year.",
	})
}
